package io.keyward.app.kusto;

import static io.keyward.app.arm.JdbcColumns.tags;
import static io.keyward.app.arm.JdbcColumns.toJson;

import io.keyward.app.arm.SqlTransactions;
import io.keyward.app.arm.StoreException;
import io.keyward.app.cmk.CustomerKey;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@code kusto_clusters} and {@code kusto_attached_database_configurations} (schema/ V13). Plain JDBC. */
@Singleton
class KustoRepository {

    private static final String COLUMNS = "cluster_uuid, subscription_id, resource_group, name, location, tenant_id, principal_id,"
            + " sku_name, sku_tier, sku_capacity, provisioning_state, state, key_vault_uri, key_name, key_version, tags::text,"
            + " created_at, updated_at";

    private final SqlTransactions transactions;
    private final JsonMapper json;

    KustoRepository(SqlTransactions transactions, JsonMapper json) {
        this.transactions = transactions;
        this.json = json;
    }

    /** An attached database configuration: {@code follower} follows {@code databaseName} of the leader cluster. */
    record Attached(UUID follower, String name, String leaderResourceId, UUID leader, String databaseName, String principalsKind,
                    Instant createdAt) {
    }

    <T> T inTransaction(SqlTransactions.SqlWork<T> work) {
        return transactions.inTransaction(work, e -> new StoreException("kusto", e));
    }

    <T> T read(SqlTransactions.SqlWork<T> work) {
        return transactions.read(work, e -> new StoreException("kusto", e));
    }

    Optional<KustoCluster> find(Connection c, String subscriptionId, String resourceGroup, String name, boolean forUpdate)
            throws SQLException {
        return one(c, "SELECT " + COLUMNS + " FROM kusto_clusters WHERE subscription_id = ? AND lower(resource_group) = lower(?)"
                + " AND lower(name) = lower(?)" + (forUpdate ? " FOR UPDATE" : ""), subscriptionId, resourceGroup, name);
    }

    Optional<KustoCluster> findByUuid(Connection c, UUID uuid, boolean forUpdate) throws SQLException {
        return one(c, "SELECT " + COLUMNS + " FROM kusto_clusters WHERE cluster_uuid = ?" + (forUpdate ? " FOR UPDATE" : ""), uuid);
    }

    List<KustoCluster> list(Connection c, String subscriptionId, @Nullable String resourceGroup) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM kusto_clusters WHERE subscription_id = ?"
                + (resourceGroup == null ? "" : " AND lower(resource_group) = lower(?)") + " ORDER BY lower(name)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, subscriptionId);
            if (resourceGroup != null) {
                ps.setString(2, resourceGroup);
            }
            List<KustoCluster> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        }
    }

    void insert(Connection c, KustoCluster k) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO kusto_clusters (" + COLUMNS.replace("::text", "") + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)")) {
            ps.setObject(1, k.uuid());
            ps.setString(2, k.subscriptionId());
            ps.setString(3, k.resourceGroup());
            ps.setString(4, k.name());
            ps.setString(5, k.location());
            ps.setString(6, k.tenantId());
            bindMutable(ps, 7, k);
            ps.setTimestamp(17, Timestamp.from(k.createdAt()));
            ps.setTimestamp(18, Timestamp.from(k.updatedAt()));
            ps.executeUpdate();
        }
    }

    void update(Connection c, KustoCluster k) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE kusto_clusters SET principal_id = ?, sku_name = ?, sku_tier = ?,"
                + " sku_capacity = ?, provisioning_state = ?, state = ?, key_vault_uri = ?, key_name = ?, key_version = ?, tags = ?::jsonb,"
                + " updated_at = ? WHERE cluster_uuid = ?")) {
            bindMutable(ps, 1, k);
            ps.setTimestamp(11, Timestamp.from(k.updatedAt()));
            ps.setObject(12, k.uuid());
            ps.executeUpdate();
        }
    }

    /** Deletes the cluster, the configurations it has as follower (cascade) and those that follow it as leader. */
    void delete(Connection c, UUID uuid) throws SQLException {
        try (PreparedStatement followers = c.prepareStatement("DELETE FROM kusto_attached_database_configurations WHERE leader_uuid = ?");
             PreparedStatement cluster = c.prepareStatement("DELETE FROM kusto_clusters WHERE cluster_uuid = ?")) {
            followers.setObject(1, uuid);
            followers.executeUpdate();
            cluster.setObject(1, uuid);
            cluster.executeUpdate();
        }
    }

    // --- attached database configurations

    Optional<Attached> findAttached(Connection c, UUID follower, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT follower_uuid, name, leader_resource_id, leader_uuid, database_name,"
                + " principals_kind, created_at FROM kusto_attached_database_configurations WHERE follower_uuid = ? AND lower(name) = lower(?)")) {
            ps.setObject(1, follower);
            ps.setString(2, name);
            List<Attached> found = attached(ps);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        }
    }

    List<Attached> listAttached(Connection c, UUID follower) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT follower_uuid, name, leader_resource_id, leader_uuid, database_name,"
                + " principals_kind, created_at FROM kusto_attached_database_configurations WHERE follower_uuid = ? ORDER BY lower(name)")) {
            ps.setObject(1, follower);
            return attached(ps);
        }
    }

    /** Whether the cluster follows another (has attached database configurations) or is followed by one. */
    boolean inFollowerRelation(Connection c, UUID cluster) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM kusto_attached_database_configurations"
                + " WHERE follower_uuid = ? OR leader_uuid = ?)")) {
            ps.setObject(1, cluster);
            ps.setObject(2, cluster);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    void upsertAttached(Connection c, Attached a) throws SQLException {
        try (PreparedStatement del = c.prepareStatement("DELETE FROM kusto_attached_database_configurations WHERE follower_uuid = ?"
                + " AND lower(name) = lower(?)");
             PreparedStatement ins = c.prepareStatement("INSERT INTO kusto_attached_database_configurations (follower_uuid, name,"
                     + " leader_resource_id, leader_uuid, database_name, principals_kind, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            del.setObject(1, a.follower());
            del.setString(2, a.name());
            del.executeUpdate();
            ins.setObject(1, a.follower());
            ins.setString(2, a.name());
            ins.setString(3, a.leaderResourceId());
            ins.setObject(4, a.leader());
            ins.setString(5, a.databaseName());
            ins.setString(6, a.principalsKind());
            ins.setTimestamp(7, Timestamp.from(a.createdAt()));
            ins.executeUpdate();
        }
    }

    boolean deleteAttached(Connection c, UUID follower, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM kusto_attached_database_configurations WHERE follower_uuid = ?"
                + " AND lower(name) = lower(?)")) {
            ps.setObject(1, follower);
            ps.setString(2, name);
            return ps.executeUpdate() > 0;
        }
    }

    // --- mapping

    private Optional<KustoCluster> one(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    private static List<Attached> attached(PreparedStatement ps) throws SQLException {
        List<Attached> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Attached(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getObject(4, UUID.class),
                        rs.getString(5), rs.getString(6), rs.getTimestamp(7).toInstant()));
            }
        }
        return out;
    }

    private void bindMutable(PreparedStatement ps, int first, KustoCluster k) throws SQLException {
        ps.setObject(first, k.principalId());
        ps.setString(first + 1, k.sku().name());
        ps.setString(first + 2, k.sku().tier());
        ps.setInt(first + 3, k.sku().capacity());
        ps.setString(first + 4, k.provisioningState().name());
        ps.setString(first + 5, k.state().name());
        CustomerKey key = k.key();
        ps.setString(first + 6, key == null ? null : key.vaultUri());
        ps.setString(first + 7, key == null ? null : key.keyName());
        ps.setString(first + 8, key == null ? null : key.keyVersion());
        ps.setString(first + 9, toJson(json, k.tags()));
    }

    private KustoCluster map(ResultSet rs) throws SQLException {
        String uri = rs.getString("key_vault_uri");
        CustomerKey key = uri == null ? null : new CustomerKey(uri, rs.getString("key_name"), rs.getString("key_version"));
        return new KustoCluster(rs.getObject("cluster_uuid", UUID.class), rs.getString("subscription_id"), rs.getString("resource_group"),
                rs.getString("name"), rs.getString("location"), rs.getString("tenant_id"), rs.getObject("principal_id", UUID.class),
                new KustoCluster.Sku(rs.getString("sku_name"), rs.getString("sku_tier"), rs.getInt("sku_capacity")),
                KustoCluster.ProvisioningState.valueOf(rs.getString("provisioning_state")), KustoCluster.State.valueOf(rs.getString("state")),
                key, tags(json, rs.getString(16)), rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
    }

}
