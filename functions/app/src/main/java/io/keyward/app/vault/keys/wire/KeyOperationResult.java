package io.keyward.app.vault.keys.wire;

import io.micronaut.serde.annotation.Serdeable;

/** The answer of a key operation: the version's kid and the base64url result. */
@Serdeable
public record KeyOperationResult(String kid, String value) {
}
