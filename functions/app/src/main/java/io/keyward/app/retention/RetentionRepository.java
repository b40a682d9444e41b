package io.keyward.app.retention;

import io.keyward.app.arm.SqlTransactions;
import io.keyward.app.arm.StoreException;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The deletes of retention on the data plane's tables ({@code data_blocks}, {@code workspace_platform_aeks}, schema/
 * V8) and the reads of {@code workspaces} and {@code clusters} they need. Nothing here reads or needs a key: deleting a
 * block needs no key, so data under a revoked key is purged like any other. Every batch is {@code FOR UPDATE SKIP
 * LOCKED}: two instances purging at once split the rows between them instead of waiting on each other. Times are the
 * database's ({@code now()}), never an instance's.
 */
@Singleton
class RetentionRepository {

    private final SqlTransactions transactions;

    RetentionRepository(SqlTransactions transactions) {
        this.transactions = transactions;
    }

    <T> T inTransaction(SqlTransactions.SqlWork<T> work) {
        return transactions.inTransaction(work, e -> new StoreException("retention", e));
    }

    <T> T read(SqlTransactions.SqlWork<T> work) {
        return transactions.read(work, e -> new StoreException("retention", e));
    }

    /**
     * Deletes up to {@code limit} blocks whose newest record ({@code max_time_generated}) is older than their workspace's
     * {@code retention_in_days} (days of 24 hours) on the database clock, soft-deleted workspaces included. A block that
     * straddles the boundary stays until its newest record is past it.
     */
    int deleteExpiredBlocks(Connection c, int limit) throws SQLException {
        return update(c, "DELETE FROM data_blocks WHERE block_id IN (SELECT b.block_id FROM data_blocks b"
                + " JOIN workspaces w ON w.customer_id = b.customer_id"
                + " WHERE b.max_time_generated < now() - w.retention_in_days * interval '24 hours'"
                + " LIMIT ? FOR UPDATE OF b SKIP LOCKED)", null, limit);
    }

    /**
     * Deletes up to {@code limit} blocks of the cluster: sealed under its AEK, or buffered for it under a platform key
     * during a vault outage (pending_cluster_id, V11) and never re-sealed.
     */
    int deleteClusterBlocks(Connection c, UUID clusterId, int limit) throws SQLException {
        int sealed = update(c, "DELETE FROM data_blocks WHERE block_id IN (SELECT block_id FROM data_blocks WHERE cluster_id = ?"
                + " LIMIT ? FOR UPDATE SKIP LOCKED)", clusterId, limit);
        return sealed + update(c, "DELETE FROM data_blocks WHERE block_id IN (SELECT block_id FROM data_blocks"
                + " WHERE pending_cluster_id = ? LIMIT ? FOR UPDATE SKIP LOCKED)", clusterId, Math.max(0, limit - sealed));
    }

    /** Deletes up to {@code limit} blocks of the workspace, under whatever key. */
    int deleteWorkspaceBlocks(Connection c, UUID customerId, int limit) throws SQLException {
        return update(c, "DELETE FROM data_blocks WHERE block_id IN (SELECT block_id FROM data_blocks WHERE customer_id = ?"
                + " LIMIT ? FOR UPDATE SKIP LOCKED)", customerId, limit);
    }

    /** Crypto-shredding of a workspace's platform-key data: its wrapped platform AEK. Whether there was one. */
    boolean deletePlatformAek(Connection c, UUID customerId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM workspace_platform_aeks WHERE customer_id = ?")) {
            ps.setObject(1, customerId);
            return ps.executeUpdate() > 0;
        }
    }

    /**
     * Platform AEKs of workspaces whose row is gone (a forced delete, or a name re-used after 14 days: the workspaces
     * capability removes only its own row), at most {@code limit}; deleted before their blocks, as for any purge.
     */
    int deleteOrphanPlatformAeks(Connection c, int limit) throws SQLException {
        return update(c, "DELETE FROM workspace_platform_aeks WHERE customer_id IN (SELECT a.customer_id FROM workspace_platform_aeks a"
                + " WHERE NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.customer_id = a.customer_id)"
                + " LIMIT ? FOR UPDATE OF a SKIP LOCKED)", null, limit);
    }

    /**
     * Workspace ids that still have blocks but no workspace row, at most {@code limit}. The distinct ids come from a skip
     * scan of {@code data_blocks_by_age} (one index probe per workspace, not a scan of every block).
     */
    List<UUID> orphanWorkspaces(Connection c, int limit) throws SQLException {
        return ids(c, "WITH RECURSIVE ids AS ("
                + " (SELECT customer_id AS id FROM data_blocks ORDER BY customer_id LIMIT 1)"
                + " UNION ALL SELECT (SELECT customer_id FROM data_blocks WHERE customer_id > ids.id ORDER BY customer_id LIMIT 1)"
                + " FROM ids WHERE ids.id IS NOT NULL)"
                + " SELECT id FROM ids WHERE id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.customer_id = ids.id)"
                + " LIMIT ?", limit);
    }

    /**
     * Cluster ids that blocks are still sealed under but that have no cluster row any more (a cluster purged when its
     * name was re-used shreds its AEK and removes its row, not its blocks), at most {@code limit}.
     */
    List<UUID> orphanClusters(Connection c, int limit) throws SQLException {
        return ids(c, "WITH RECURSIVE ids AS ("
                + " (SELECT cluster_id AS id FROM data_blocks WHERE cluster_id IS NOT NULL ORDER BY cluster_id LIMIT 1)"
                + " UNION ALL SELECT (SELECT cluster_id FROM data_blocks WHERE cluster_id IS NOT NULL AND cluster_id > ids.id"
                + " ORDER BY cluster_id LIMIT 1) FROM ids WHERE ids.id IS NOT NULL)"
                + " SELECT id FROM ids WHERE id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cmk_resources k WHERE k.resource_uuid = ids.id)"
                + " LIMIT ?", limit);
    }

    private static List<UUID> ids(Connection c, String sql, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setInt(1, limit);
            List<UUID> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1, UUID.class));
                }
            }
            return out;
        }
    }

    private static int update(Connection c, String sql, UUID id, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            if (id != null) {
                ps.setObject(i++, id);
            }
            ps.setInt(i, limit);
            return ps.executeUpdate();
        }
    }
}
