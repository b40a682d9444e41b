package io.keyward.app.vault;

import io.keyward.app.arm.Actors;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.Map;

/**
 * A row of {@code vaults}: the vault, its ARM tags, its soft-delete state, and who created it and last changed it (null on
 * rows written before V47 and not changed since).
 */
record StoredVault(Vault vault, Map<String, String> tags, Instant updatedAt, @Nullable Instant deletedAt,
                   @Nullable Instant scheduledPurgeAt, @Nullable Actors actors) {

    StoredVault {
        tags = Map.copyOf(tags);
    }

    boolean deleted() {
        return deletedAt != null;
    }
}
