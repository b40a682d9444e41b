package io.keyward.app.workspaces;

import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.annotation.TypeDef;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.DataType;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code workspaces} and {@code workspace_link_events} (schema/ V7). Names compare without case within a subscription
 * and group, as ARM's do. Callers that read and then write do both in one transaction with the row locked, so a link,
 * an unlink and an update of one workspace serialise.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface WorkspaceRepository extends GenericRepository<WorkspaceRepository.Row, UUID> {

    String BY_NAME = "SELECT * FROM workspaces WHERE subscription_id = :subscriptionId AND lower(resource_group) = lower(:resourceGroup)"
            + " AND lower(name) = lower(:name)";

    /** A row; {@code pending*} are all set or all null (a link or unlink in progress). */
    @MappedEntity("workspaces")
    record Row(@Id UUID customerId, String subscriptionId, String resourceGroup, String name, String location, String tenantId,
               String sku, int retentionInDays, @TypeDef(type = DataType.JSON) Map<String, String> tags,
               @Nullable String clusterResourceId, @Nullable String pendingKind, @Nullable String pendingClusterId,
               @Nullable UUID pendingOperationId, Instant createdAt, Instant modifiedAt, @Nullable Instant deletedAt) {

        static Row of(Workspace w) {
            Workspace.Pending p = w.pending();
            return new Row(w.customerId(), w.subscriptionId(), w.resourceGroup(), w.name(), w.location(), w.tenantId(), w.sku(),
                    w.retentionInDays(), w.tags(), w.clusterResourceId(), p == null ? null : p.kind().stored(),
                    p == null ? null : p.clusterResourceId(), p == null ? null : p.operationId(), w.createdAt(), w.modifiedAt(),
                    w.deletedAt());
        }

        Workspace workspace() {
            Workspace.Pending pending = pendingKind == null ? null
                    : new Workspace.Pending(Workspace.LinkKind.ofStored(pendingKind), pendingClusterId, pendingOperationId);
            return new Workspace(customerId, subscriptionId, resourceGroup, name, location, tenantId, sku, retentionInDays,
                    tags == null ? Map.of() : tags, clusterResourceId, pending, createdAt, modifiedAt, deletedAt);
        }
    }

    /** How long a workspace's blocks are kept. */
    @Introspected
    record Retention(UUID customerId, int retentionInDays) {
    }

    Row save(Row row);

    Row update(Row row);

    Optional<Row> findById(UUID customerId);

    void deleteById(UUID customerId);

    @Query(BY_NAME)
    Optional<Row> findByName(String subscriptionId, String resourceGroup, String name);

    @Query(BY_NAME + " FOR UPDATE")
    Optional<Row> lockByName(String subscriptionId, String resourceGroup, String name);

    @Query("SELECT * FROM workspaces WHERE customer_id = :customerId FOR UPDATE")
    Optional<Row> lockById(UUID customerId);

    /** Soft-deleted workspaces deleted at least {@code ageSeconds} ago (database clock), locked, skipping rows others hold. */
    @Query("SELECT customer_id FROM workspaces WHERE deleted_at IS NOT NULL AND deleted_at <= now() - make_interval(secs => :ageSeconds)"
            + " ORDER BY deleted_at, customer_id LIMIT :limit FOR UPDATE SKIP LOCKED")
    List<UUID> claimExpiredDeleted(double ageSeconds, int limit);

    /** Whether the workspace is soft-deleted since at least {@code ageSeconds} ago, on the database clock. */
    @Query("SELECT EXISTS (SELECT 1 FROM workspaces WHERE customer_id = :customerId AND deleted_at IS NOT NULL"
            + " AND deleted_at <= now() - make_interval(secs => :ageSeconds))")
    boolean deletedBefore(UUID customerId, double ageSeconds);

    /**
     * Active workspaces of a subscription (and group when given) in (group, name) order after {@code afterKey}
     * ({@code lower(group) || '/' || lower(name)}): keyset paging, stable under concurrent creates.
     */
    @Query("SELECT * FROM workspaces WHERE subscription_id = :subscriptionId AND deleted_at IS NULL"
            + " AND (CAST(:resourceGroup AS text) IS NULL OR lower(resource_group) = lower(:resourceGroup))"
            + " AND (CAST(:afterKey AS text) IS NULL OR (lower(resource_group) || '/' || lower(name)) > :afterKey)"
            + " ORDER BY lower(resource_group) || '/' || lower(name) LIMIT :limit")
    List<Row> listActive(String subscriptionId, @Nullable String resourceGroup, @Nullable String afterKey, int limit);

    /** Workspaces (active or soft-deleted) linked to {@code clusterResourceId}, locked. */
    @Query("SELECT * FROM workspaces WHERE lower(cluster_resource_id) = lower(:clusterResourceId) ORDER BY customer_id FOR UPDATE")
    List<Row> lockLinkedTo(String clusterResourceId);

    /** Workspaces linked to the cluster, plus those whose link to it is running: what the 1000 limit counts. */
    @Query("SELECT count(*) FROM workspaces WHERE lower(cluster_resource_id) = lower(:clusterResourceId)"
            + " OR (pending_kind = 'link' AND lower(pending_cluster_id) = lower(:clusterResourceId))")
    int countLinkedOrLinking(String clusterResourceId);

    /**
     * Serialises the links to one cluster until the transaction ends, so that two concurrent links cannot both see
     * 999 and make 1001. An advisory lock: the cluster's row belongs to the clusters capability.
     */
    @Query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext('workspaces.link:' || lower(:clusterResourceId)))) AS locked")
    int lockCluster(String clusterResourceId);

    /** Every workspace's retention (active or soft-deleted), in customerId order after {@code after}: keyset paging. */
    @Query("SELECT customer_id, retention_in_days FROM workspaces WHERE CAST(:after AS uuid) IS NULL OR customer_id > :after"
            + " ORDER BY customer_id LIMIT :limit")
    List<Retention> retentions(@Nullable UUID after, int limit);

    /** Which of {@code customerIds} still have a row (active or soft-deleted). */
    @Query("SELECT customer_id FROM workspaces WHERE customer_id IN (:customerIds)")
    List<UUID> existing(Collection<UUID> customerIds);

    // --- link events

    @Query("SELECT count(*) FROM workspace_link_events WHERE customer_id = :customerId AND started_at > :since")
    int linkEventsSince(UUID customerId, Instant since);

    @Query("INSERT INTO workspace_link_events (operation_id, customer_id, cluster_resource_id, started_at)"
            + " VALUES (:operationId, :customerId, :clusterResourceId, :startedAt) ON CONFLICT (operation_id) DO NOTHING")
    void insertLinkEvent(UUID operationId, UUID customerId, String clusterResourceId, Instant startedAt);

    @Query("DELETE FROM workspace_link_events WHERE operation_id = :operationId")
    void deleteLinkEvent(UUID operationId);

    // --- the domain's view

    default Optional<Workspace> find(String subscriptionId, String resourceGroup, String name, boolean forUpdate) {
        return (forUpdate ? lockByName(subscriptionId, resourceGroup, name) : findByName(subscriptionId, resourceGroup, name))
                .map(Row::workspace);
    }

    default Optional<Workspace> find(UUID customerId, boolean forUpdate) {
        return (forUpdate ? lockById(customerId) : findById(customerId)).map(Row::workspace);
    }



    default List<Workspace> active(String subscriptionId, @Nullable String resourceGroup, @Nullable String afterKey, int limit) {
        return listActive(subscriptionId, resourceGroup, afterKey, limit).stream().map(Row::workspace).toList();
    }

    default List<Workspace> lockedLinkedTo(String clusterResourceId) {
        return lockLinkedTo(clusterResourceId).stream().map(Row::workspace).toList();
    }

    default List<UUID> claimExpiredDeleted(Duration age, int limit) {
        return claimExpiredDeleted(age.toMillis() / 1000.0, limit);
    }

    default boolean deletedBefore(UUID customerId, Duration age) {
        return deletedBefore(customerId, age.toMillis() / 1000.0);
    }
}
