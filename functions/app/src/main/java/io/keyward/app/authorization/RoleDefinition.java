package io.keyward.app.authorization;

import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A role: a name and the permissions it grants, built in ({@link BuiltInRoles}, Azure's ids and permissions) or custom
 * (defined in one subscription, assignable at the scopes it lists).
 *
 * @param subscriptionId the defining subscription of a custom role; null for a built-in one
 */
public record RoleDefinition(UUID id, String roleName, String description, boolean builtIn, List<Permission> permissions,
                             List<String> assignableScopes, @Nullable String subscriptionId, @Nullable Instant createdOn,
                             @Nullable Instant updatedOn, @Nullable String createdBy, @Nullable String updatedBy) {

    public RoleDefinition {
        permissions = List.copyOf(permissions);
        assignableScopes = List.copyOf(assignableScopes);
    }

    public String type() {
        return builtIn ? "BuiltInRole" : "CustomRole";
    }

    public boolean allows(String action) {
        return permissions.stream().anyMatch(p -> p.allows(action));
    }

    public boolean allowsData(String dataAction) {
        return permissions.stream().anyMatch(p -> p.allowsData(dataAction));
    }

    /** Whether the role may be assigned at {@code scope}: built-in roles anywhere, custom ones at or below a listed scope. */
    boolean assignableAt(Scope scope) {
        return builtIn || assignableScopes.stream().map(Scope::parse).anyMatch(s -> s.isPresent() && s.get().covers(scope));
    }
}
