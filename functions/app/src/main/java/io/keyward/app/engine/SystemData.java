package io.keyward.app.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;

/**
 * ARM's read-only {@code systemData} (common-types v2/v5 types.json {@code systemData}): who created and last changed a
 * resource, and when. Identities are the caller's object id with ARM's {@code createdByType} words; a row written
 * before Keyward recorded them shows only the times.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SystemData(@Nullable String createdBy, @Nullable String createdByType, String createdAt, @Nullable String lastModifiedBy,
                         @Nullable String lastModifiedByType, String lastModifiedAt) {

    public static SystemData of(Resource<?> r) {
        return of(r.createdAt(), r.updatedAt());
    }

    public static SystemData of(Instant created, Instant modified) {
        return new SystemData(null, null, created.toString(), null, null, modified.toString());
    }
}
