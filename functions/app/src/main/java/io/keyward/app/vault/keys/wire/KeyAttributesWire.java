package io.keyward.app.vault.keys.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;

/** Key Vault's key attributes; times are Unix seconds. */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeyAttributesWire(Boolean enabled, Long nbf, Long exp, Long created, Long updated, String recoveryLevel,
                                Integer recoverableDays, Boolean exportable) {
}
