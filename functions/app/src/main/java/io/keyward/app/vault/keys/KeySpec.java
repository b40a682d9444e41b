package io.keyward.app.vault.keys;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What a create asks for, validated; null fields take Key Vault's defaults. */
public record KeySpec(KeyKind kind, Integer size, List<KeyOperation> operations, Boolean enabled, Instant notBefore,
                      Instant expires, Map<String, String> tags) {
}
