package io.keyward.app.authorization;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.annotation.TypeDef;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.DataType;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@code role_definitions} (schema/ V39): custom roles only. */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface RoleDefinitionRepository extends GenericRepository<RoleDefinitionRepository.Row, UUID> {

    @MappedEntity("role_definitions")
    record Row(@Id UUID id, String subscriptionId, String roleName, String description,
               @TypeDef(type = DataType.JSON) List<Permission> permissions, @TypeDef(type = DataType.JSON) List<String> assignableScopes,
               Instant createdAt, Instant updatedAt, @Nullable String createdBy, @Nullable String updatedBy) {

        RoleDefinition definition() {
            return new RoleDefinition(id, roleName, description, false, permissions, assignableScopes, subscriptionId, createdAt,
                    updatedAt, createdBy, updatedBy);
        }
    }

    Optional<Row> findById(UUID id);

    @Query("SELECT * FROM role_definitions WHERE subscription_id = :subscriptionId ORDER BY lower(role_name)")
    List<Row> inSubscription(String subscriptionId);

    @Query("SELECT * FROM role_definitions WHERE id IN (:ids)")
    List<Row> findAll(List<UUID> ids);

    @Query("SELECT * FROM role_definitions WHERE subscription_id = :subscriptionId AND lower(role_name) = lower(:roleName)")
    Optional<Row> findByName(String subscriptionId, String roleName);

    Row save(Row row);

    Row update(Row row);

    @Query("DELETE FROM role_definitions WHERE id = :id")
    int delete(UUID id);
}
