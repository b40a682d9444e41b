package io.keyward.app.vault.keys;

import java.time.Instant;

/** A soft-deleted key, shown by its latest version; recoverable until purged. */
public record DeletedKey(KeyVersion latest, Instant deletedAt, Instant scheduledPurgeAt) {
}
