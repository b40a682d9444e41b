package io.keyward.app.vault;

import java.util.EnumSet;
import java.util.Set;

/**
 * One access policy entry of a vault: which principal ({@code tenantId}, {@code objectId}) may do what with keys.
 * Identity is the pair, compared case-insensitively as Entra's GUIDs are.
 */
public record AccessPolicy(String tenantId, String objectId, Set<KeyPermission> keys) {

    public AccessPolicy {
        keys = keys.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(keys));
    }

    boolean samePrincipal(AccessPolicy other) {
        return tenantId.equalsIgnoreCase(other.tenantId) && objectId.equalsIgnoreCase(other.objectId);
    }
}
