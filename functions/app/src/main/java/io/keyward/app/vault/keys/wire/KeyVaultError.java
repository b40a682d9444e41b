package io.keyward.app.vault.keys.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.serde.annotation.Serdeable;

/** Key Vault's error shape {@code {"error":{"code","message","innererror":{"code"}}}}. */
@Serdeable
public record KeyVaultError(Body error) {

    public static KeyVaultError of(String code, String message, String innerCode) {
        return new KeyVaultError(new Body(code, message, innerCode == null ? null : new Inner(innerCode)));
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Body(String code, String message, Inner innererror) {
    }

    @Serdeable
    public record Inner(String code) {
    }
}
