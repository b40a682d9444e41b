package io.keyward.app.dataplane;

import io.keyward.app.arm.SqlTransactions;
import io.keyward.app.arm.StoreException;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@code data_blocks}, {@code workspace_platform_aeks} and {@code data_dropped_records} (schema/ V8, V11). */
@Singleton
class DataBlockRepository {

    private final SqlTransactions transactions;

    DataBlockRepository(SqlTransactions transactions) {
        this.transactions = transactions;
    }

    <T> T inTransaction(SqlTransactions.SqlWork<T> work) {
        return transactions.inTransaction(work, e -> new StoreException("data", e));
    }

    <T> T read(SqlTransactions.SqlWork<T> work) {
        return transactions.read(work, e -> new StoreException("data", e));
    }

    enum KeyKind {
        PLATFORM("platform"), CLUSTER("cluster");

        final String stored;

        KeyKind(String stored) {
            this.stored = stored;
        }

        static KeyKind of(String stored) {
            return "cluster".equals(stored) ? CLUSTER : PLATFORM;
        }
    }

    /**
     * A sealed block; {@code clusterId} and {@code aekVersion} are set exactly for {@link KeyKind#CLUSTER};
     * {@code pendingClusterId} for a {@link KeyKind#PLATFORM} block buffered while that cluster's vault was out.
     */
    record Block(UUID blockId, UUID customerId, String workspaceResourceId, String table, Instant minTime, Instant maxTime,
                 int recordCount, KeyKind keyKind, @Nullable UUID clusterId, @Nullable Integer aekVersion, byte[] sealed,
                 @Nullable UUID pendingClusterId) {
    }

    private static final String COLUMNS = "block_id, customer_id, workspace_resource_id, table_name, min_time_generated,"
            + " max_time_generated, record_count, key_kind, cluster_id, aek_version, sealed, pending_cluster_id";

    private static Block block(ResultSet rs) throws SQLException {
        Integer version = (Integer) rs.getObject(10);
        return new Block(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                rs.getTimestamp(5).toInstant(), rs.getTimestamp(6).toInstant(), rs.getInt(7), KeyKind.of(rs.getString(8)),
                rs.getObject(9, UUID.class), version, rs.getBytes(11), rs.getObject(12, UUID.class));
    }

    void insert(Connection c, Block b, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO data_blocks (block_id, customer_id, workspace_resource_id,"
                + " table_name, min_time_generated, max_time_generated, record_count, key_kind, cluster_id, aek_version, sealed,"
                + " created_at, pending_cluster_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, b.blockId());
            ps.setObject(2, b.customerId());
            ps.setString(3, b.workspaceResourceId());
            ps.setString(4, b.table());
            ps.setTimestamp(5, Timestamp.from(b.minTime()));
            ps.setTimestamp(6, Timestamp.from(b.maxTime()));
            ps.setInt(7, b.recordCount());
            ps.setString(8, b.keyKind().stored);
            ps.setObject(9, b.clusterId());
            ps.setObject(10, b.aekVersion());
            ps.setBytes(11, b.sealed());
            ps.setTimestamp(12, Timestamp.from(now));
            ps.setObject(13, b.pendingClusterId());
            ps.executeUpdate();
        }
    }

    /**
     * One page of the blocks of a table overlapping [from, to], newest (by their latest record) first, after the
     * block {@code after} (null: from the start). Pages, not the whole range: a query needs only the newest blocks,
     * and a table's range may hold far more sealed bytes than memory.
     */
    List<Block> overlapping(Connection c, UUID customerId, String table, Instant from, Instant to, @Nullable Block after, int page)
            throws SQLException {
        List<Block> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                + " FROM data_blocks WHERE customer_id = ? AND table_name = ? AND max_time_generated >= ?"
                + " AND min_time_generated <= ?" + (after == null ? "" : " AND (max_time_generated, block_id) < (?, ?)")
                + " ORDER BY max_time_generated DESC, block_id DESC LIMIT ?")) {
            int i = 1;
            ps.setObject(i++, customerId);
            ps.setString(i++, table);
            ps.setTimestamp(i++, Timestamp.from(from));
            ps.setTimestamp(i++, Timestamp.from(to));
            if (after != null) {
                ps.setTimestamp(i++, Timestamp.from(after.maxTime()));
                ps.setObject(i++, after.blockId());
            }
            ps.setInt(i, page);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(block(rs));
                }
            }
        }
        return out;
    }

    /** Which of {@code clusterIds} have blocks buffered for them: one statement for a key-health batch. */
    List<UUID> pendingAmong(Connection c, Collection<UUID> clusterIds) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT pending_cluster_id FROM data_blocks WHERE pending_cluster_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("uuid", clusterIds.toArray()));
            List<UUID> ids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
            return ids;
        }
    }

    boolean hasPending(Connection c, UUID clusterId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM data_blocks WHERE pending_cluster_id = ?)")) {
            ps.setObject(1, clusterId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Up to {@code limit} blocks buffered for the cluster with ids after {@code after} (null: from the first), locked
     * for this transaction; blocks another re-sealer holds are skipped, not waited for.
     */
    List<Block> lockPending(Connection c, UUID clusterId, @Nullable UUID after, int limit) throws SQLException {
        List<Block> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM data_blocks WHERE pending_cluster_id = ?"
                + " AND (?::uuid IS NULL OR block_id > ?::uuid) ORDER BY block_id LIMIT ? FOR UPDATE SKIP LOCKED")) {
            ps.setObject(1, clusterId);
            ps.setObject(2, after, java.sql.Types.OTHER);
            ps.setObject(3, after, java.sql.Types.OTHER);
            ps.setInt(4, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(block(rs));
                }
            }
        }
        return out;
    }

    /** The buffered block now sealed under its cluster's AEK; false if it was no longer pending for it. */
    boolean resealed(Connection c, UUID blockId, UUID clusterId, int aekVersion, byte[] sealed) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE data_blocks SET key_kind = 'cluster', cluster_id = ?, aek_version = ?,"
                + " sealed = ?, pending_cluster_id = NULL WHERE block_id = ? AND pending_cluster_id = ?")) {
            ps.setObject(1, clusterId);
            ps.setInt(2, aekVersion);
            ps.setBytes(3, sealed);
            ps.setObject(4, blockId);
            ps.setObject(5, clusterId);
            return ps.executeUpdate() == 1;
        }
    }

    record PlatformAek(String kekName, String kekVersion, byte[] wrapped) {
    }

    Optional<PlatformAek> findPlatformAek(Connection c, UUID customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT kek_name, kek_version, wrapped_aek FROM workspace_platform_aeks WHERE customer_id = ?")) {
            ps.setObject(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new PlatformAek(rs.getString(1), rs.getString(2), rs.getBytes(3))) : Optional.empty();
            }
        }
    }

    /** Stores the workspace's first platform AEK; a concurrent first one wins and this one is not stored. */
    void insertPlatformAek(Connection c, UUID customerId, PlatformAek aek, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO workspace_platform_aeks (customer_id, kek_name, kek_version,"
                + " wrapped_aek, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO NOTHING")) {
            ps.setObject(1, customerId);
            ps.setString(2, aek.kekName());
            ps.setString(3, aek.kekVersion());
            ps.setBytes(4, aek.wrapped());
            ps.setTimestamp(5, Timestamp.from(now));
            ps.executeUpdate();
        }
    }

    void countDropped(Connection c, UUID customerId, String table, long records, String reason, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO data_dropped_records (customer_id, table_name, dropped,"
                + " last_reason, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (customer_id, table_name) DO UPDATE SET"
                + " dropped = data_dropped_records.dropped + EXCLUDED.dropped, last_reason = EXCLUDED.last_reason,"
                + " updated_at = EXCLUDED.updated_at")) {
            ps.setObject(1, customerId);
            ps.setString(2, table);
            ps.setLong(3, records);
            ps.setString(4, reason);
            ps.setTimestamp(5, Timestamp.from(now));
            ps.executeUpdate();
        }
    }
}
