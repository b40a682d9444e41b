package io.keyward.app.vault.keys;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What an update changes; null fields stay as they are (Key Vault's PATCH semantics). */
public record KeyChanges(List<KeyOperation> operations, Boolean enabled, Instant notBefore, Instant expires,
                        Map<String, String> tags) {
}
