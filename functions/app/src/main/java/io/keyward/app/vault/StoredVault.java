package io.keyward.app.vault;

import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.Map;

/** A row of {@code vaults}: the vault, its ARM tags, and its soft-delete state. */
record StoredVault(Vault vault, Map<String, String> tags, Instant updatedAt, @Nullable Instant deletedAt,
                   @Nullable Instant scheduledPurgeAt) {

    StoredVault {
        tags = Map.copyOf(tags);
    }

    boolean deleted() {
        return deletedAt != null;
    }
}
