package io.keyward.app.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Locale;
import java.util.Map;

/**
 * ARM's {@code identity} of a resource (common-types ManagedServiceIdentity), both ways: {@code principalId} and
 * {@code tenantId} are read-only. Keyward's resources have a system-assigned identity or none.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ManagedIdentity(@Nullable String type, @Nullable String principalId, @Nullable String tenantId,
                              @Nullable Map<String, Object> userAssignedIdentities) {

    /** What a request's identity type asks for. */
    public enum Kind { NONE, SYSTEM_ASSIGNED, USER_ASSIGNED, INVALID }

    /** The identity a resource shows: SystemAssigned with its principal and tenant, or None. */
    public static ManagedIdentity of(Resource<?> r) {
        return r.principalId() == null ? new ManagedIdentity("None", null, null, null)
                : new ManagedIdentity("SystemAssigned", r.principalId().toString(), r.tenantId(), null);
    }

    /** An absent identity or type asks for none; type names compare without case and spaces. */
    public static Kind kind(@Nullable ManagedIdentity requested) {
        String type = requested == null || requested.type() == null ? "None" : requested.type().replace(" ", "");
        if (type.equalsIgnoreCase("SystemAssigned")) {
            return Kind.SYSTEM_ASSIGNED;
        }
        if (type.equalsIgnoreCase("None")) {
            return Kind.NONE;
        }
        return type.toLowerCase(Locale.ROOT).contains("userassigned") ? Kind.USER_ASSIGNED : Kind.INVALID;
    }

    /** Whether {@code requested} asks for the system-assigned identity; none is false; others are refused with 400 naming them. */
    public static boolean systemAssigned(@Nullable ManagedIdentity requested, String resources) {
        return switch (kind(requested)) {
            case SYSTEM_ASSIGNED -> true;
            case NONE -> false;
            case USER_ASSIGNED -> throw new ArmException(ArmErrorCode.InvalidParameter, "Keyward's " + resources + " support the"
                    + " SystemAssigned identity only; user-assigned identities (identity type '" + requested.type() + "') are not supported.",
                    "identity.type");
            case INVALID -> throw new ArmException(ArmErrorCode.InvalidParameter, "The identity type '" + requested.type() + "' is invalid:"
                    + " use None or SystemAssigned.", "identity.type");
        };
    }
}
