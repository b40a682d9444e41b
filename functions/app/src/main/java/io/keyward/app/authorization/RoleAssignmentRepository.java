package io.keyward.app.authorization;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@code role_assignments} (schema/ V39). */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface RoleAssignmentRepository extends GenericRepository<RoleAssignmentRepository.Row, UUID> {

    @MappedEntity("role_assignments")
    record Row(@Id UUID id, String subscriptionId, String scope, UUID roleDefinitionId, UUID principalId, String principalType,
               @Nullable String description, Instant createdAt, Instant updatedAt, @Nullable String createdBy, @Nullable String updatedBy) {
    }

    Optional<Row> findById(UUID id);

    /** Every assignment of one principal in one subscription: all a check needs. */
    @Query("SELECT * FROM role_assignments WHERE principal_id = :principalId AND subscription_id = :subscriptionId")
    List<Row> ofPrincipal(UUID principalId, String subscriptionId);

    @Query("SELECT * FROM role_assignments WHERE subscription_id = :subscriptionId ORDER BY created_at, id")
    List<Row> inSubscription(String subscriptionId);

    @Query("SELECT * FROM role_assignments WHERE lower(scope) = lower(:scope) AND role_definition_id = :roleDefinitionId"
            + " AND principal_id = :principalId")
    Optional<Row> findGrant(String scope, UUID roleDefinitionId, UUID principalId);

    @Query("SELECT count(*) FROM role_assignments WHERE subscription_id = :subscriptionId")
    long countIn(String subscriptionId);

    @Query("SELECT count(*) FROM role_assignments WHERE role_definition_id = :roleDefinitionId")
    long countOfRole(UUID roleDefinitionId);

    /** Zero when the id or the grant (scope, role, principal) exists already. */
    @Query("INSERT INTO role_assignments (id, subscription_id, scope, role_definition_id, principal_id, principal_type, description,"
            + " created_at, updated_at, created_by, updated_by) VALUES (:id, :subscriptionId, :scope, :roleDefinitionId, :principalId,"
            + " :principalType, :description, :createdAt, :updatedAt, :createdBy, :updatedBy) ON CONFLICT DO NOTHING")
    int insert(UUID id, String subscriptionId, String scope, UUID roleDefinitionId, UUID principalId, String principalType,
               @Nullable String description, Instant createdAt, Instant updatedAt, @Nullable String createdBy, @Nullable String updatedBy);

    @Query("UPDATE role_assignments SET description = :description, updated_at = :updatedAt, updated_by = :updatedBy WHERE id = :id")
    int updateDescription(UUID id, @Nullable String description, Instant updatedAt, @Nullable String updatedBy);

    @Query("DELETE FROM role_assignments WHERE id = :id")
    int delete(UUID id);
}
