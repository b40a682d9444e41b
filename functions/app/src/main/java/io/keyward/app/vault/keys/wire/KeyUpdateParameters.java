package io.keyward.app.vault.keys.wire;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/** The body of {@code UpdateKey}: absent fields stay as they are. */
@Serdeable
public record KeyUpdateParameters(@Nullable @JsonProperty("key_ops") List<String> keyOps,
                                  @Nullable KeyAttributesWire attributes, @Nullable Map<String, String> tags) {
}
