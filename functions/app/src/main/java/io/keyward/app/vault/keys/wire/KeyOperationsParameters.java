package io.keyward.app.vault.keys.wire;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** The body of wrapkey, unwrapkey, encrypt and decrypt: {@code value} is base64url. */
@Serdeable
public record KeyOperationsParameters(@Nullable String alg, @Nullable String value, @Nullable String iv,
                                      @Nullable String aad, @Nullable String tag) {
}
