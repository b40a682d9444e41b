package io.keyward.app.vault.keys.wire;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/** The body of {@code CreateKey}. */
@Serdeable
public record KeyCreateParameters(@Nullable String kty, @Nullable @JsonProperty("key_size") Integer keySize,
                                  @Nullable @JsonProperty("public_exponent") Integer publicExponent,
                                  @Nullable @JsonProperty("key_ops") List<String> keyOps,
                                  @Nullable KeyAttributesWire attributes, @Nullable Map<String, String> tags,
                                  @Nullable String crv) {
}
