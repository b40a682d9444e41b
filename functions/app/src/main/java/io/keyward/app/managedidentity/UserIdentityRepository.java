package io.keyward.app.managedidentity;

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
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@code user_assigned_identities} (schema/ V41): one row per identity, keyed by its principal's object id. */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface UserIdentityRepository extends GenericRepository<UserIdentityRepository.Row, UUID> {

    String COLUMNS = "principal_id, client_id, tenant_id, subscription_id, resource_group, name, location, tags, created_at, updated_at";

    @MappedEntity("user_assigned_identities")
    record Row(@Id UUID principalId, UUID clientId, String tenantId, String subscriptionId, String resourceGroup, String name,
               String location, @TypeDef(type = DataType.JSON) Map<String, String> tags, Instant createdAt, Instant updatedAt) {
    }

    Row save(Row row);

    Row update(Row row);

    @Query("SELECT " + COLUMNS + " FROM user_assigned_identities WHERE subscription_id = :sub AND lower(resource_group) = lower(:group)"
            + " AND lower(name) = lower(:name)")
    Optional<Row> find(String sub, String group, String name);

    /** The row, locked until commit (an update or delete of one identity at a time). */
    @Query("SELECT " + COLUMNS + " FROM user_assigned_identities WHERE subscription_id = :sub AND lower(resource_group) = lower(:group)"
            + " AND lower(name) = lower(:name) FOR UPDATE")
    Optional<Row> lock(String sub, String group, String name);

    @Query("SELECT " + COLUMNS + " FROM user_assigned_identities WHERE subscription_id = :sub AND (CAST(:group AS text) IS NULL"
            + " OR lower(resource_group) = lower(:group)) ORDER BY lower(resource_group), lower(name)")
    List<Row> list(String sub, @io.micronaut.core.annotation.Nullable String group);

    @Query("DELETE FROM user_assigned_identities WHERE principal_id = :principalId")
    int delete(UUID principalId);
}
