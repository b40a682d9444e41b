package io.keyward.app.engine;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code cmk_resources}: names compare without case within a type, subscription and group, as ARM's do. Locks
 * ({@code FOR UPDATE}) only inside the engine's transactions, which make no vault or HSM call.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface ResourceRepository extends GenericRepository<ResourceRow, UUID> {

    String COLUMNS = "resource_uuid, resource_type, subscription_id, resource_group, name, location, tenant_id, principal_id, phase,"
            + " key_vault_uri, key_name, key_version, properties, tags, created_at, updated_at, deleted_at, purge_at,"
            + " user_identities, key_identity, created_by, created_by_type, last_modified_by, last_modified_by_type";

    ResourceRow save(ResourceRow row);

    ResourceRow update(ResourceRow row);

    Optional<ResourceRow> findById(UUID uuid);

    void deleteById(UUID uuid);

    @Query("SELECT " + COLUMNS + " FROM cmk_resources WHERE resource_uuid = :uuid FOR UPDATE")
    Optional<ResourceRow> lockById(UUID uuid);

    @Query("SELECT " + COLUMNS + " FROM cmk_resources WHERE resource_type = :type AND subscription_id = :subscriptionId"
            + " AND lower(resource_group) = lower(:group) AND lower(name) = lower(:name)")
    Optional<ResourceRow> findByName(String type, String subscriptionId, String group, String name);

    @Query("SELECT " + COLUMNS + " FROM cmk_resources WHERE resource_type = :type AND subscription_id = :subscriptionId"
            + " AND lower(resource_group) = lower(:group) AND lower(name) = lower(:name) FOR UPDATE")
    Optional<ResourceRow> lockByName(String type, String subscriptionId, String group, String name);

    /** Active resources of a subscription (and group) after {@code after} in uuid order: keyset paging. */
    @Query("SELECT " + COLUMNS + " FROM cmk_resources WHERE resource_type = :type AND subscription_id = :subscriptionId"
            + " AND deleted_at IS NULL AND (CAST(:group AS text) IS NULL OR lower(resource_group) = lower(:group))"
            + " AND (CAST(:after AS uuid) IS NULL OR resource_uuid > :after) ORDER BY resource_uuid LIMIT :limit")
    List<ResourceRow> listActive(String type, String subscriptionId, @Nullable String group, @Nullable UUID after, int limit);

    @Query("SELECT count(*) FROM cmk_resources WHERE resource_type = :type AND subscription_id = :subscriptionId"
            + " AND deleted_at IS NULL AND lower(replace(location, ' ', '')) = :normalLocation")
    long countActiveIn(String type, String subscriptionId, String normalLocation);

    /** Active resources of a type in {@code phase} created before {@code before} (timers of a surface). */
    @Query("SELECT " + COLUMNS + " FROM cmk_resources WHERE resource_type = :type AND phase = :phase AND deleted_at IS NULL"
            + " AND created_at <= :before ORDER BY created_at LIMIT :limit")
    List<ResourceRow> inPhaseSince(String type, String phase, Instant before, int limit);

    /**
     * Soft-deleted resources of a type past their purge date by {@code graceSeconds} (database clock), locked, skipping rows
     * another instance holds.
     */
    @Query("SELECT resource_uuid FROM cmk_resources WHERE resource_type = :type AND deleted_at IS NOT NULL"
            + " AND purge_at <= now() - make_interval(secs => :graceSeconds) ORDER BY purge_at, resource_uuid LIMIT :limit"
            + " FOR UPDATE SKIP LOCKED")
    List<UUID> claimExpiredDeleted(String type, double graceSeconds, int limit);

    @Query("SELECT " + COLUMNS + " FROM cmk_resources WHERE resource_uuid = :uuid AND deleted_at IS NOT NULL"
            + " AND purge_at <= now() - make_interval(secs => :graceSeconds) FOR UPDATE")
    Optional<ResourceRow> lockExpiredDeleted(UUID uuid, double graceSeconds);

    /** A transaction-scoped advisory lock on {@code key} (its hash), held until the current transaction ends. */
    @Query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext(:key))) AS locked")
    int lockUntilCommit(String key);
}
