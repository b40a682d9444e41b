package io.keyward.app.authorization;

import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/** A role granted to a principal at a scope; {@code id} is the assignment's name (a GUID). */
public record RoleAssignment(UUID id, Scope scope, UUID roleDefinitionId, UUID principalId, String principalType,
                             @Nullable String description, Instant createdOn, Instant updatedOn, @Nullable String createdBy,
                             @Nullable String updatedBy) {

    static RoleAssignment of(RoleAssignmentRepository.Row r) {
        return new RoleAssignment(r.id(), Scope.parse(r.scope()).orElseThrow(), r.roleDefinitionId(), r.principalId(), r.principalType(),
                r.description(), r.createdAt(), r.updatedAt(), r.createdBy(), r.updatedBy());
    }
}
