package io.keyward.app.vault.keys.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Map;

/** {@code KeyItem} of a listing, and {@code DeletedKeyItem} when the recovery fields are set. */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeyItem(String kid, KeyAttributesWire attributes, Map<String, String> tags, String recoveryId,
                      Long scheduledPurgeDate, Long deletedDate) {
}
