package io.keyward.app.vault.keys.wire;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** {@code BackupKeyResult} and the body of {@code RestoreKey} ({@code KeyRestoreParameters}): a base64url blob. */
@Serdeable
public record KeyBackupValue(@Nullable String value) {
}
