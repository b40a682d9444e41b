package io.keyward.app.workspaces;

import static io.keyward.app.arm.JdbcColumns.instant;
import static io.keyward.app.arm.JdbcColumns.setInstant;
import static io.keyward.app.arm.JdbcColumns.tags;
import static io.keyward.app.arm.JdbcColumns.toJson;

import io.keyward.app.arm.SqlTransactions;
import io.keyward.app.arm.StoreException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code workspaces} and {@code workspace_link_events} (schema/ V7). Plain JDBC like the rest of the app; callers
 * that read and then write do both in one transaction with the row locked, so a link, an unlink and an update of
 * one workspace serialise.
 */
@Singleton
class WorkspaceRepository {

    private static final String COLUMNS = "customer_id, subscription_id, resource_group, name, location, tenant_id, sku,"
            + " retention_in_days, tags::text, cluster_resource_id, pending_kind, pending_cluster_id, pending_operation_id,"
            + " created_at, modified_at, deleted_at";

    private final SqlTransactions transactions;
    private final JsonMapper json;

    WorkspaceRepository(SqlTransactions transactions, JsonMapper json) {
        this.transactions = transactions;
        this.json = json;
    }

    <T> T inTransaction(SqlTransactions.SqlWork<T> work) {
        return transactions.inTransaction(work, e -> new StoreException("workspace", e));
    }

    <T> T read(SqlTransactions.SqlWork<T> work) {
        return transactions.read(work, e -> new StoreException("workspace", e));
    }

    /** Thrown for database failures; {@link #sqlState()} tells a name race from an outage. */

    // --- workspaces

    /** The row holding the name in the subscription and group (active or soft-deleted), locked when {@code forUpdate}. */
    Optional<Workspace> findByName(Connection c, String subscriptionId, String resourceGroup, String name, boolean forUpdate)
            throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM workspaces WHERE subscription_id = ? AND lower(resource_group) = lower(?)"
                + " AND lower(name) = lower(?)" + (forUpdate ? " FOR UPDATE" : "");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, subscriptionId);
            ps.setString(2, resourceGroup);
            ps.setString(3, name);
            return one(ps);
        }
    }

    Optional<Workspace> findByCustomerId(Connection c, UUID customerId, boolean forUpdate) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM workspaces WHERE customer_id = ?" + (forUpdate ? " FOR UPDATE" : "");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, customerId);
            return one(ps);
        }
    }

    void insert(Connection c, Workspace w) throws SQLException {
        String sql = "INSERT INTO workspaces (" + COLUMNS.replace("::text", "") + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, w.customerId());
            ps.setString(2, w.subscriptionId());
            ps.setString(3, w.resourceGroup());
            ps.setString(4, w.name());
            bindMutable(ps, 5, w);
            ps.setTimestamp(14, Timestamp.from(w.createdAt()));
            ps.setTimestamp(15, Timestamp.from(w.modifiedAt()));
            setInstant(ps, 16, w.deletedAt());
            ps.executeUpdate();
        }
    }

    /** Writes everything but the customer id, subscription, group, name and creation time (which never change). */
    void update(Connection c, Workspace w) throws SQLException {
        String sql = "UPDATE workspaces SET location = ?, tenant_id = ?, sku = ?, retention_in_days = ?, tags = ?::jsonb,"
                + " cluster_resource_id = ?, pending_kind = ?, pending_cluster_id = ?, pending_operation_id = ?, modified_at = ?,"
                + " deleted_at = ? WHERE customer_id = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bindMutable(ps, 1, w);
            ps.setTimestamp(10, Timestamp.from(w.modifiedAt()));
            setInstant(ps, 11, w.deletedAt());
            ps.setObject(12, w.customerId());
            ps.executeUpdate();
        }
    }

    /** Soft-deleted workspaces deleted at least {@code age} ago (database clock), locked, skipping rows others hold. */
    List<UUID> claimExpiredDeleted(Connection c, Duration age, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT customer_id FROM workspaces WHERE deleted_at IS NOT NULL"
                + " AND deleted_at <= now() - make_interval(secs => ?) ORDER BY deleted_at, customer_id LIMIT ? FOR UPDATE SKIP LOCKED")) {
            ps.setDouble(1, age.toMillis() / 1000.0);
            ps.setInt(2, limit);
            List<UUID> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1, UUID.class));
                }
            }
            return out;
        }
    }

    /** Whether the workspace is soft-deleted since at least {@code age} ago, on the database clock. */
    boolean deletedBefore(Connection c, UUID customerId, Duration age) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM workspaces WHERE customer_id = ? AND deleted_at IS NOT NULL"
                + " AND deleted_at <= now() - make_interval(secs => ?)")) {
            ps.setObject(1, customerId);
            ps.setDouble(2, age.toMillis() / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    void delete(Connection c, UUID customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM workspaces WHERE customer_id = ?")) {
            ps.setObject(1, customerId);
            ps.executeUpdate();
        }
    }

    /**
     * Active workspaces of a subscription (and group when given) in (group, name) order after {@code afterKey}
     * ({@code lower(group) || '/' || lower(name)}): keyset paging, stable under concurrent creates.
     */
    List<Workspace> listActive(Connection c, String subscriptionId, @Nullable String resourceGroup, @Nullable String afterKey,
                               int limit) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM workspaces WHERE subscription_id = ? AND deleted_at IS NULL"
                + (resourceGroup == null ? "" : " AND lower(resource_group) = lower(?)")
                + (afterKey == null ? "" : " AND (lower(resource_group) || '/' || lower(name)) > ?")
                + " ORDER BY lower(resource_group) || '/' || lower(name) LIMIT ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, subscriptionId);
            if (resourceGroup != null) {
                ps.setString(i++, resourceGroup);
            }
            if (afterKey != null) {
                ps.setString(i++, afterKey);
            }
            ps.setInt(i, limit);
            return all(ps);
        }
    }

    /** Workspaces (active or soft-deleted) linked to {@code clusterResourceId}, locked. */
    List<Workspace> lockLinkedTo(Connection c, String clusterResourceId) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM workspaces WHERE lower(cluster_resource_id) = lower(?) ORDER BY customer_id FOR UPDATE";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, clusterResourceId);
            return all(ps);
        }
    }

    /** Workspaces linked to the cluster, plus those whose link to it is running: what the 1000 limit counts. */
    int countLinkedOrLinking(Connection c, String clusterResourceId) throws SQLException {
        String sql = "SELECT count(*) FROM workspaces WHERE lower(cluster_resource_id) = lower(?)"
                + " OR (pending_kind = 'link' AND lower(pending_cluster_id) = lower(?))";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, clusterResourceId);
            ps.setString(2, clusterResourceId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * Serialises the links to one cluster until the transaction ends, so that two concurrent links cannot both see
     * 999 and make 1001. An advisory lock: the cluster's row belongs to the clusters capability.
     */
    void lockCluster(Connection c, String clusterResourceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('workspaces.link:' || lower(?)))")) {
            ps.setString(1, clusterResourceId);
            ps.executeQuery().close();
        }
    }

    // --- link events

    int linkEventsSince(Connection c, UUID customerId, Instant since) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM workspace_link_events WHERE customer_id = ? AND started_at > ?")) {
            ps.setObject(1, customerId);
            ps.setTimestamp(2, Timestamp.from(since));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    void insertLinkEvent(Connection c, UUID operationId, UUID customerId, String clusterResourceId, Instant startedAt)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO workspace_link_events (operation_id, customer_id,"
                + " cluster_resource_id, started_at) VALUES (?, ?, ?, ?) ON CONFLICT (operation_id) DO NOTHING")) {
            ps.setObject(1, operationId);
            ps.setObject(2, customerId);
            ps.setString(3, clusterResourceId);
            ps.setTimestamp(4, Timestamp.from(startedAt));
            ps.executeUpdate();
        }
    }

    void deleteLinkEvent(Connection c, UUID operationId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM workspace_link_events WHERE operation_id = ?")) {
            ps.setObject(1, operationId);
            ps.executeUpdate();
        }
    }

    // --- mapping

    private void bindMutable(PreparedStatement ps, int first, Workspace w) throws SQLException {
        ps.setString(first, w.location());
        ps.setString(first + 1, w.tenantId());
        ps.setString(first + 2, w.sku());
        ps.setInt(first + 3, w.retentionInDays());
        ps.setString(first + 4, toJson(json, w.tags()));
        ps.setString(first + 5, w.clusterResourceId());
        Workspace.Pending p = w.pending();
        ps.setString(first + 6, p == null ? null : p.kind().stored());
        ps.setString(first + 7, p == null ? null : p.clusterResourceId());
        if (p == null) {
            ps.setNull(first + 8, Types.OTHER);
        } else {
            ps.setObject(first + 8, p.operationId());
        }
    }

    private Optional<Workspace> one(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(map(rs)) : Optional.empty();
        }
    }

    private List<Workspace> all(PreparedStatement ps) throws SQLException {
        List<Workspace> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(map(rs));
            }
        }
        return out;
    }

    private Workspace map(ResultSet rs) throws SQLException {
        String pendingKind = rs.getString("pending_kind");
        Workspace.Pending pending = pendingKind == null ? null : new Workspace.Pending(Workspace.LinkKind.ofStored(pendingKind),
                rs.getString("pending_cluster_id"), rs.getObject("pending_operation_id", UUID.class));
        return new Workspace(rs.getObject("customer_id", UUID.class), rs.getString("subscription_id"), rs.getString("resource_group"),
                rs.getString("name"), rs.getString("location"), rs.getString("tenant_id"), rs.getString("sku"),
                rs.getInt("retention_in_days"), tags(json, rs.getString(9)), rs.getString("cluster_resource_id"), pending,
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("modified_at").toInstant(),
                instant(rs.getTimestamp("deleted_at")));
    }

}
