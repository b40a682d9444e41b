package io.keyward.app.vault.keys.wire;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Map;

/**
 * The body of {@code ImportKey} (keys spec {@code KeyImportParameters}): {@code Hsm} is spelled with a capital H there.
 * {@code release_policy} is read only to be refused: exportable keys with release policies are not offered.
 */
@Serdeable
public record KeyImportParameters(@Nullable @JsonProperty("Hsm") Boolean hsm, @Nullable ImportedJwk key,
                                  @Nullable KeyAttributesWire attributes, @Nullable Map<String, String> tags,
                                  @Nullable @JsonProperty("release_policy") Map<String, Object> releasePolicy) {
}
