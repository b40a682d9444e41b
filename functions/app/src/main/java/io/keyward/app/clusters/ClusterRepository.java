package io.keyward.app.clusters;

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
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code clusters}, and {@code cluster_workspaces} (schema/ V6; the wrapped AEK is the CMK core's, cmk.CmkKeys). Plain JDBC like the rest of the
 * app; read-then-write work runs in one {@link #inTransaction} with the row locked.
 */
@Singleton
class ClusterRepository {

    private static final String COLUMNS = "cluster_id, subscription_id, resource_group, name, location, tenant_id, principal_id,"
            + " sku_capacity, billing_type, provisioning_state, key_vault_uri, key_name, key_version, key_rsa_size, tags::text,"
            + " created_at, updated_at, last_sku_update, deleted_at, scheduled_purge_at";

    private final SqlTransactions transactions;
    private final JsonMapper json;

    ClusterRepository(SqlTransactions transactions, JsonMapper json) {
        this.transactions = transactions;
        this.json = json;
    }

    <T> T inTransaction(SqlTransactions.SqlWork<T> work) {
        return transactions.inTransaction(work, e -> new StoreException("cluster", e));
    }

    <T> T read(SqlTransactions.SqlWork<T> work) {
        return transactions.read(work, e -> new StoreException("cluster", e));
    }

    /**
     * Serialises cluster creates and recoveries of one subscription until the transaction ends, so that two at once
     * cannot both pass the per-region count (an advisory lock: it needs no row to exist).
     */
    void lockSubscription(Connection c, String subscriptionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('clusters/' || ?))")) {
            ps.setString(1, subscriptionId);
            ps.execute();
        }
    }

    /** The row (active or soft-deleted) with this cluster id (the wire's clusterId). */
    Optional<StoredCluster> findById(Connection c, UUID clusterId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM clusters WHERE cluster_id = ?")) {
            ps.setObject(1, clusterId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(c, rs)) : Optional.empty();
            }
        }
    }

    /** The row (active or soft-deleted) holding this name in its subscription and group, locked when {@code forUpdate}. */
    Optional<StoredCluster> find(Connection c, String subscriptionId, String resourceGroup, String name, boolean forUpdate)
            throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM clusters WHERE subscription_id = ? AND lower(resource_group) = lower(?)"
                + " AND lower(name) = lower(?)" + (forUpdate ? " FOR UPDATE" : "");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, subscriptionId.toLowerCase(Locale.ROOT));
            ps.setString(2, resourceGroup);
            ps.setString(3, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(c, rs)) : Optional.empty();
            }
        }
    }

    int countActive(Connection c, String subscriptionId, String normalLocation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM clusters WHERE subscription_id = ? AND deleted_at IS NULL"
                + " AND lower(replace(location, ' ', '')) = ?")) {
            ps.setString(1, subscriptionId);
            ps.setString(2, normalLocation);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    void insert(Connection c, StoredCluster s) throws SQLException {
        String sql = "INSERT INTO clusters (" + COLUMNS.replace("::text", "") + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, s.clusterId());
            ps.setString(2, s.subscriptionId());
            ps.setString(3, s.resourceGroup());
            ps.setString(4, s.name());
            ps.setString(5, s.location());
            ps.setString(6, s.tenantId());
            ps.setObject(7, s.principalId());
            bindMutable(ps, 8, s);
            ps.setTimestamp(16, Timestamp.from(s.createdAt()));
            ps.setTimestamp(17, Timestamp.from(s.updatedAt()));
            ps.setTimestamp(18, Timestamp.from(s.lastSkuUpdate()));
            setInstant(ps, 19, s.deletedAt());
            setInstant(ps, 20, s.scheduledPurgeAt());
            ps.executeUpdate();
        }
    }

    /** Writes what can change: sku, billing, state, key, tags, times and the soft-delete dates. */
    void update(Connection c, StoredCluster s) throws SQLException {
        String sql = "UPDATE clusters SET sku_capacity = ?, billing_type = ?, provisioning_state = ?, key_vault_uri = ?, key_name = ?,"
                + " key_version = ?, key_rsa_size = ?, tags = ?::jsonb, updated_at = ?, last_sku_update = ?, deleted_at = ?,"
                + " scheduled_purge_at = ? WHERE cluster_id = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bindMutable(ps, 1, s);
            ps.setTimestamp(9, Timestamp.from(s.updatedAt()));
            ps.setTimestamp(10, Timestamp.from(s.lastSkuUpdate()));
            setInstant(ps, 11, s.deletedAt());
            setInstant(ps, 12, s.scheduledPurgeAt());
            ps.setObject(13, s.clusterId());
            ps.executeUpdate();
        }
    }

    /** Soft-deleted clusters past their purge date by {@code grace} (database clock), locked, skipping rows others hold. */
    List<UUID> claimExpiredDeleted(Connection c, Duration grace, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT cluster_id FROM clusters WHERE deleted_at IS NOT NULL"
                + " AND scheduled_purge_at <= now() - make_interval(secs => ?) ORDER BY scheduled_purge_at, cluster_id LIMIT ?"
                + " FOR UPDATE SKIP LOCKED")) {
            ps.setDouble(1, grace.toMillis() / 1000.0);
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

    /** The cluster, locked, if it is soft-deleted and past its purge date by {@code grace} (database clock). */
    Optional<StoredCluster> findExpiredDeleted(Connection c, UUID clusterId, Duration grace) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM clusters WHERE cluster_id = ?"
                + " AND deleted_at IS NOT NULL AND scheduled_purge_at <= now() - make_interval(secs => ?) FOR UPDATE")) {
            ps.setObject(1, clusterId);
            ps.setDouble(2, grace.toMillis() / 1000.0);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(c, rs)) : Optional.empty();
            }
        }
    }

    void delete(Connection c, UUID clusterId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM clusters WHERE cluster_id = ?")) {
            ps.setObject(1, clusterId);
            ps.executeUpdate();
        }
    }

    /** Active clusters of a subscription (and group), in cluster id order after {@code after}: keyset paging. */
    List<StoredCluster> listActive(Connection c, String subscriptionId, @Nullable String resourceGroup, @Nullable UUID after, int limit)
            throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM clusters WHERE subscription_id = ? AND deleted_at IS NULL"
                + (resourceGroup == null ? "" : " AND lower(resource_group) = lower(?)")
                + (after == null ? "" : " AND cluster_id > ?")
                + " ORDER BY cluster_id LIMIT ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, subscriptionId);
            if (resourceGroup != null) {
                ps.setString(i++, resourceGroup);
            }
            if (after != null) {
                ps.setObject(i++, after);
            }
            ps.setInt(i, limit);
            List<StoredCluster> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(c, rs));
                }
            }
            return out;
        }
    }

    // --- linked workspaces

    void link(Connection c, UUID clusterId, String workspaceResourceId, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO cluster_workspaces (cluster_id, workspace_key, workspace_id,"
                + " associated_at) VALUES (?, ?, ?, ?) ON CONFLICT (cluster_id, workspace_key) DO NOTHING")) {
            ps.setObject(1, clusterId);
            ps.setString(2, workspaceResourceId.toLowerCase(Locale.ROOT));
            ps.setString(3, workspaceResourceId);
            ps.setTimestamp(4, Timestamp.from(at));
            ps.executeUpdate();
        }
    }

    void unlink(Connection c, UUID clusterId, String workspaceResourceId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM cluster_workspaces WHERE cluster_id = ? AND workspace_key = ?")) {
            ps.setObject(1, clusterId);
            ps.setString(2, workspaceResourceId.toLowerCase(Locale.ROOT));
            ps.executeUpdate();
        }
    }

    int linkCount(Connection c, UUID clusterId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM cluster_workspaces WHERE cluster_id = ?")) {
            ps.setObject(1, clusterId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private void bindMutable(PreparedStatement ps, int first, StoredCluster s) throws SQLException {
        ps.setLong(first, s.capacity());
        ps.setString(first + 1, s.billingType().name());
        ps.setString(first + 2, s.state().name());
        KeyVaultProperties k = s.key();
        ps.setString(first + 3, k == null ? null : k.keyVaultUri());
        ps.setString(first + 4, k == null ? null : k.keyName());
        ps.setString(first + 5, k == null ? null : k.keyVersion());
        if (k == null || k.keyRsaSize() == null) {
            ps.setNull(first + 6, Types.INTEGER);
        } else {
            ps.setInt(first + 6, k.keyRsaSize());
        }
        ps.setString(first + 7, toJson(json, s.tags()));
    }

    private StoredCluster map(Connection c, ResultSet rs) throws SQLException {
        UUID id = rs.getObject("cluster_id", UUID.class);
        String uri = rs.getString("key_vault_uri");
        Integer rsa = (Integer) rs.getObject("key_rsa_size");
        KeyVaultProperties key = uri == null ? null : new KeyVaultProperties(uri, rs.getString("key_name"), rs.getString("key_version"), rsa);
        return new StoredCluster(id, rs.getString("subscription_id"), rs.getString("resource_group"), rs.getString("name"),
                rs.getString("location"), rs.getString("tenant_id"), rs.getObject("principal_id", UUID.class), rs.getLong("sku_capacity"),
                BillingType.valueOf(rs.getString("billing_type")), ClusterProvisioningState.valueOf(rs.getString("provisioning_state")),
                key, tags(json, rs.getString(15)), rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant(),
                rs.getTimestamp("last_sku_update").toInstant(), instant(rs.getTimestamp("deleted_at")),
                instant(rs.getTimestamp("scheduled_purge_at")), workspaces(c, id));
    }

    private List<StoredCluster.LinkedWorkspace> workspaces(Connection c, UUID clusterId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT workspace_id, associated_at FROM cluster_workspaces WHERE cluster_id = ?"
                + " ORDER BY associated_at, workspace_key")) {
            ps.setObject(1, clusterId);
            List<StoredCluster.LinkedWorkspace> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoredCluster.LinkedWorkspace(rs.getString(1), rs.getTimestamp(2).toInstant()));
                }
            }
            return out;
        }
    }

}
