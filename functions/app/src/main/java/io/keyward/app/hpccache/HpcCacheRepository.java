package io.keyward.app.hpccache;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/** {@code hpc_caches} (schema/ V14; the wrapped AEK is the CMK core's). Plain JDBC; read-then-write runs with the row locked. */
@Singleton
class HpcCacheRepository {

    private static final String COLUMNS = "cache_uuid, subscription_id, resource_group, name, location, tenant_id, principal_id,"
            + " sku_name, cache_size_gb, subnet, key_url, source_vault_id, rotation_to_latest, provisioning_state, health_state,"
            + " status_description, tags::text, created_at, updated_at, authorized_at, create_operation_id";

    private final SqlTransactions transactions;
    private final JsonMapper json;

    HpcCacheRepository(SqlTransactions transactions, JsonMapper json) {
        this.transactions = transactions;
        this.json = json;
    }

    <T> T inTransaction(SqlTransactions.SqlWork<T> work) {
        return transactions.inTransaction(work, e -> new StoreException("hpc cache", e));
    }

    <T> T read(SqlTransactions.SqlWork<T> work) {
        return transactions.read(work, e -> new StoreException("hpc cache", e));
    }

    Optional<StoredCache> find(Connection c, String subscriptionId, String resourceGroup, String name, boolean forUpdate) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM hpc_caches WHERE subscription_id = ? AND lower(resource_group) = lower(?)"
                + " AND lower(name) = lower(?)" + (forUpdate ? " FOR UPDATE" : "");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, subscriptionId.toLowerCase(Locale.ROOT));
            ps.setString(2, resourceGroup);
            ps.setString(3, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    /** Caches of a subscription (and group), by name. */
    List<StoredCache> list(Connection c, String subscriptionId, @Nullable String resourceGroup) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM hpc_caches WHERE subscription_id = ?"
                + (resourceGroup == null ? "" : " AND lower(resource_group) = lower(?)") + " ORDER BY lower(name), cache_uuid";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, subscriptionId.toLowerCase(Locale.ROOT));
            if (resourceGroup != null) {
                ps.setString(2, resourceGroup);
            }
            List<StoredCache> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        }
    }

    void insert(Connection c, StoredCache s) throws SQLException {
        String sql = "INSERT INTO hpc_caches (" + COLUMNS.replace("::text", "") + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, s.uuid());
            ps.setString(2, s.subscriptionId());
            ps.setString(3, s.resourceGroup());
            ps.setString(4, s.name());
            ps.setString(5, s.location());
            ps.setString(6, s.tenantId());
            ps.setObject(7, s.principalId());
            ps.setString(8, s.skuName());
            ps.setInt(9, s.cacheSizeGb());
            ps.setString(10, s.subnet());
            ps.setString(11, s.keyUrl());
            ps.setString(12, s.sourceVaultId());
            ps.setBoolean(13, s.rotationToLatest());
            ps.setString(14, s.provisioningState());
            ps.setString(15, s.healthState());
            ps.setString(16, s.statusDescription());
            ps.setString(17, toJson(json, s.tags()));
            ps.setTimestamp(18, Timestamp.from(s.createdAt()));
            ps.setTimestamp(19, Timestamp.from(s.updatedAt()));
            setInstant(ps, 20, s.authorizedAt());
            ps.setObject(21, s.createOperation());
            ps.executeUpdate();
        }
    }

    /** Writes what can change: states, tags, times, the create operation. */
    void update(Connection c, StoredCache s) throws SQLException {
        String sql = "UPDATE hpc_caches SET provisioning_state = ?, health_state = ?, status_description = ?, tags = ?::jsonb,"
                + " updated_at = ?, authorized_at = ?, create_operation_id = ? WHERE cache_uuid = ?";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, s.provisioningState());
            ps.setString(2, s.healthState());
            ps.setString(3, s.statusDescription());
            ps.setString(4, toJson(json, s.tags()));
            ps.setTimestamp(5, Timestamp.from(s.updatedAt()));
            setInstant(ps, 6, s.authorizedAt());
            ps.setObject(7, s.createOperation());
            ps.setObject(8, s.uuid());
            ps.executeUpdate();
        }
    }

    void delete(Connection c, UUID cacheUuid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM hpc_caches WHERE cache_uuid = ?")) {
            ps.setObject(1, cacheUuid);
            ps.executeUpdate();
        }
    }

    /**
     * Fails every cache still waiting for its key that was created at or before {@code createdBefore}; returns their
     * create operations (to be run, so that they end Failed too).
     */
    List<UUID> failWaitingCreatedBefore(Connection c, Instant createdBefore, String description, Instant now) throws SQLException {
        String sql = "UPDATE hpc_caches SET provisioning_state = 'Failed', health_state = 'StartFailed', status_description = ?,"
                + " updated_at = ? WHERE provisioning_state = 'Creating' AND health_state = 'WaitingForKey' AND created_at <= ?"
                + " RETURNING create_operation_id";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, description);
            ps.setTimestamp(2, Timestamp.from(now));
            ps.setTimestamp(3, Timestamp.from(createdBefore));
            List<UUID> ops = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID op = rs.getObject(1, UUID.class);
                    if (op != null) {
                        ops.add(op);
                    }
                }
            }
            return ops;
        }
    }

    private StoredCache map(ResultSet rs) throws SQLException {
        return new StoredCache(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getObject(7, UUID.class), rs.getString(8), rs.getInt(9), rs.getString(10), rs.getString(11),
                rs.getString(12), rs.getBoolean(13), rs.getString(14), rs.getString(15), rs.getString(16), tags(json, rs.getString(17)),
                rs.getTimestamp(18).toInstant(), rs.getTimestamp(19).toInstant(), instant(rs.getTimestamp(20)),
                rs.getObject(21, UUID.class));
    }

}
