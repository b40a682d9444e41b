package io.keyward.app.vault.keys.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/** The public JWK of a key version. There is deliberately no field for any private part (d, p, q, dp, dq, qi, k). */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JsonWebKey(String kid, String kty, @JsonProperty("key_ops") List<String> keyOps, String n, String e) {
}
