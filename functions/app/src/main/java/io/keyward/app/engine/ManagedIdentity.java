package io.keyward.app.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Locale;
import java.util.Map;

/**
 * ARM's {@code identity} of a resource (common-types ManagedServiceIdentity), both ways: {@code principalId},
 * {@code tenantId} and each user-assigned identity's {@code principalId}/{@code clientId} are read-only. A resource has
 * a system-assigned identity, user-assigned ones ({@code Microsoft.ManagedIdentity/userAssignedIdentities}), both, or none.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ManagedIdentity(@Nullable String type, @Nullable String principalId, @Nullable String tenantId,
                              @Nullable Map<String, Object> userAssignedIdentities) {

    /** What a request's identity type asks for. */
    public enum Kind { NONE, SYSTEM_ASSIGNED, USER_ASSIGNED, SYSTEM_AND_USER_ASSIGNED, INVALID }

    /** The spelling of both types in the Kusto and StorageCache specs (common-types v3+ drops the space; both are read). */
    public static final String BOTH = "SystemAssigned, UserAssigned";

    /** A user-assigned identity as a resource shows it. */
    @Serdeable
    public record UserAssigned(String principalId, String clientId) {
    }

    /** The identity a resource shows: its system-assigned principal and tenant, its user-assigned identities, or None. */
    public static ManagedIdentity of(Resource<?> r) {
        UserIdentities users = r.userIdentities();
        Map<String, Object> assigned = null;
        if (!users.isEmpty()) {
            assigned = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, UserIdentities.Assigned> e : users.assigned().entrySet()) {
                assigned.put(e.getKey(), new UserAssigned(e.getValue().principalId().toString(), e.getValue().clientId().toString()));
            }
        }
        if (r.principalId() == null) {
            // the surfaces' specs give tenantId as the resource's tenant, user-assigned identities only or not
            return assigned == null ? new ManagedIdentity("None", null, null, null)
                    : new ManagedIdentity("UserAssigned", null, r.tenantId(), assigned);
        }
        return new ManagedIdentity(assigned == null ? "SystemAssigned" : BOTH, r.principalId().toString(), r.tenantId(), assigned);
    }

    /** An absent identity or type asks for none; type names compare without case and spaces. */
    public static Kind kind(@Nullable ManagedIdentity requested) {
        String type = requested == null || requested.type() == null ? "none" : requested.type().replace(" ", "").toLowerCase(Locale.ROOT);
        return switch (type) {
            case "systemassigned" -> Kind.SYSTEM_ASSIGNED;
            case "none" -> Kind.NONE;
            case "userassigned" -> Kind.USER_ASSIGNED;
            case "systemassigned,userassigned" -> Kind.SYSTEM_AND_USER_ASSIGNED;
            default -> Kind.INVALID;
        };
    }

    /** Whether {@code requested} asks for the system-assigned identity; none is false; others are refused with 400 naming them. */
    public static boolean systemAssigned(@Nullable ManagedIdentity requested, String resources) {
        return switch (kind(requested)) {
            case SYSTEM_ASSIGNED -> true;
            case NONE -> false;
            case USER_ASSIGNED, SYSTEM_AND_USER_ASSIGNED -> throw new ArmException(ArmErrorCode.InvalidParameter, "Keyward's " + resources + " support the"
                    + " SystemAssigned identity only; user-assigned identities (identity type '" + requested.type() + "') are not supported.",
                    "identity.type");
            case INVALID -> throw new ArmException(ArmErrorCode.InvalidParameter, "The identity type '" + requested.type() + "' is invalid:"
                    + " use None, SystemAssigned, UserAssigned or '" + BOTH + "'.", "identity.type");
        };
    }
}
