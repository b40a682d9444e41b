package io.keyward.app.vault.keys.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Map;

/** {@code KeyBundle}, and {@code DeletedKeyBundle} when the recovery fields are set (dates in Unix seconds). */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeyBundle(JsonWebKey key, KeyAttributesWire attributes, Map<String, String> tags, String recoveryId,
                        Long scheduledPurgeDate, Long deletedDate) {
}
