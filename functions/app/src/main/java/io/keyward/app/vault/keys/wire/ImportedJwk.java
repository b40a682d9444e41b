package io.keyward.app.vault.keys.wire;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * The JSON Web Key of an import, private parts included (keys spec {@code JsonWebKey}). It lives for one request:
 * {@link #toString()} names no part of it, so that no log line or error can carry key material.
 */
@Serdeable
public record ImportedJwk(@Nullable String kid, @Nullable String kty, @Nullable @JsonProperty("key_ops") List<String> keyOps,
                          @Nullable String n, @Nullable String e, @Nullable String d, @Nullable String dp,
                          @Nullable String dq, @Nullable String qi, @Nullable String p, @Nullable String q,
                          @Nullable String k, @Nullable @JsonProperty("key_hsm") String keyHsm, @Nullable String crv,
                          @Nullable String x, @Nullable String y) {

    @Override
    public String toString() {
        return "ImportedJwk[kty=" + kty + ", <key material redacted>]";
    }
}
