package io.keyward.app.dataplane;

import io.keyward.app.arm.SqlTransactions;
import io.micronaut.core.annotation.Nullable;
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
import javax.sql.DataSource;

/** {@code data_blocks}, {@code workspace_platform_aeks} and {@code data_dropped_records} (schema/ V8). */
@Singleton
class DataBlockRepository {

    private final DataSource dataSource;

    DataBlockRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    static final class DataStoreException extends RuntimeException {
        DataStoreException(SQLException cause) {
            super("data store failed: SQLSTATE " + cause.getSQLState(), cause);
        }
    }

    <T> T inTransaction(SqlTransactions.SqlWork<T> work) {
        return SqlTransactions.inTransaction(dataSource, work, DataStoreException::new);
    }

    <T> T read(SqlTransactions.SqlWork<T> work) {
        return SqlTransactions.read(dataSource, work, DataStoreException::new);
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

    /** A sealed block; {@code clusterId} and {@code aekVersion} are set exactly for {@link KeyKind#CLUSTER}. */
    record Block(UUID blockId, UUID customerId, String workspaceResourceId, String table, Instant minTime, Instant maxTime,
                 int recordCount, KeyKind keyKind, @Nullable UUID clusterId, @Nullable Integer aekVersion, byte[] sealed) {
    }

    void insert(Connection c, Block b, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO data_blocks (block_id, customer_id, workspace_resource_id,"
                + " table_name, min_time_generated, max_time_generated, record_count, key_kind, cluster_id, aek_version, sealed,"
                + " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
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
            ps.executeUpdate();
        }
    }

    /** Blocks of a table overlapping [from, to], newest (by their latest record) first. */
    List<Block> overlapping(Connection c, UUID customerId, String table, Instant from, Instant to) throws SQLException {
        List<Block> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT block_id, customer_id, workspace_resource_id, table_name,"
                + " min_time_generated, max_time_generated, record_count, key_kind, cluster_id, aek_version, sealed"
                + " FROM data_blocks WHERE customer_id = ? AND table_name = ? AND max_time_generated >= ?"
                + " AND min_time_generated <= ? ORDER BY max_time_generated DESC, block_id")) {
            ps.setObject(1, customerId);
            ps.setString(2, table);
            ps.setTimestamp(3, Timestamp.from(from));
            ps.setTimestamp(4, Timestamp.from(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Integer version = (Integer) rs.getObject(10);
                    out.add(new Block(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                            rs.getTimestamp(5).toInstant(), rs.getTimestamp(6).toInstant(), rs.getInt(7), KeyKind.of(rs.getString(8)),
                            rs.getObject(9, UUID.class), version, rs.getBytes(11)));
                }
            }
        }
        return out;
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
