package io.keyward.app.engine;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The user-assigned identities of a keyed resource: each by its resource id (as first given) with its principal and
 * client id, and the one that reaches the resource's customer key ({@code keyIdentity}; null: the system-assigned
 * identity does).
 */
@Serdeable
public record UserIdentities(Map<String, Assigned> assigned, @Nullable String keyIdentity) {

    public static final UserIdentities NONE = new UserIdentities(Map.of(), null);

    @Serdeable
    public record Assigned(UUID principalId, UUID clientId) {
    }

    public UserIdentities {
        assigned = Map.copyOf(new LinkedHashMap<>(assigned));
        if (keyIdentity != null && find(assigned, keyIdentity).isEmpty()) {
            throw new IllegalArgumentException("the key identity is one of the assigned identities");
        }
    }

    public boolean isEmpty() {
        return assigned.isEmpty();
    }

    /** The assigned identity {@code resourceId} names (ARM ids compare without case). */
    public Optional<Map.Entry<String, Assigned>> find(String resourceId) {
        return find(assigned, resourceId);
    }

    /** The principal that reaches the key, when a user-assigned identity does. */
    @Nullable
    public UUID keyPrincipal() {
        return keyIdentity == null ? null : find(keyIdentity).map(e -> e.getValue().principalId()).orElse(null);
    }

    public UserIdentities withKeyIdentity(@Nullable String resourceId) {
        return new UserIdentities(assigned, resourceId == null ? null : find(resourceId).map(Map.Entry::getKey).orElse(resourceId));
    }

    private static Optional<Map.Entry<String, Assigned>> find(Map<String, Assigned> assigned, String resourceId) {
        return assigned.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(resourceId)).findFirst();
    }
}
