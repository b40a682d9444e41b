package io.keyward.app.arm;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;

/**
 * ARM's read-only {@code systemData} (common-types resource-management types.json {@code systemData}): who created and
 * last changed a resource, and when. Identities are callers' object ids with ARM's {@code createdByType} words
 * ({@code User}, {@code Application}, {@code ManagedIdentity}); members a resource has no record of are left out.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SystemData(@Nullable String createdBy, @Nullable String createdByType, @Nullable String createdAt,
                         @Nullable String lastModifiedBy, @Nullable String lastModifiedByType, @Nullable String lastModifiedAt) {

    /** Only the times, for resources whose writers are not recorded. */
    public static SystemData times(@Nullable Instant created, @Nullable Instant modified) {
        return new SystemData(null, null, created == null ? null : created.toString(), null, null,
                modified == null ? null : modified.toString());
    }
}
