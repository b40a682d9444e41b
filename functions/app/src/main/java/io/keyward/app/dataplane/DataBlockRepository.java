package io.keyward.app.dataplane;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * {@code data_blocks} and {@code data_dropped_records} (schema/ V8, V11, V12, V34). Deletes are in batches of rows locked
 * {@code FOR UPDATE SKIP LOCKED}: two instances purging at once split the rows between them instead of waiting on each
 * other. Times that decide a purge are the database's ({@code now()}), never an instance's.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface DataBlockRepository extends GenericRepository<DataBlockRepository.Block, UUID> {

    /** Below every random (version 4) UUID: where a keyset scan over uuids starts. */
    String FIRST = "CAST('00000000-0000-0000-0000-000000000000' AS uuid)";

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
     * A sealed block; {@code clusterId} and {@code aekVersion} are set exactly for {@link KeyKind#CLUSTER} (its
     * {@code keyKind} column); {@code pendingClusterId} for a {@link KeyKind#PLATFORM} block buffered while that
     * cluster's vault was out; {@code doubleEncrypted} when the sealed bytes carry the outer layer of a double-encrypted
     * cluster (V34).
     */
    @MappedEntity("data_blocks")
    record Block(@Id UUID blockId, UUID customerId, String workspaceResourceId, @MappedProperty("table_name") String table,
                 @MappedProperty("min_time_generated") Instant minTime, @MappedProperty("max_time_generated") Instant maxTime,
                 int recordCount, String keyKind, @Nullable UUID clusterId, @Nullable Integer aekVersion, byte[] sealed,
                 Instant createdAt, @Nullable UUID pendingClusterId, boolean doubleEncrypted) {

        static Block of(UUID blockId, UUID customerId, String workspaceResourceId, String table, Instant minTime, Instant maxTime,
                        int recordCount, KeyKind kind, @Nullable UUID clusterId, @Nullable Integer aekVersion, byte[] sealed,
                        Instant createdAt, @Nullable UUID pendingClusterId, boolean doubleEncrypted) {
            return new Block(blockId, customerId, workspaceResourceId, table, minTime, maxTime, recordCount, kind.stored, clusterId, aekVersion,
                    sealed, createdAt, pendingClusterId, doubleEncrypted);
        }

        KeyKind kind() {
            return KeyKind.of(keyKind);
        }
    }

    /** Inserted as one JDBC batch. */
    List<Block> saveAll(Iterable<Block> blocks);

    /**
     * The first page of the blocks of a table overlapping [from, to], newest (by their latest record) first. Pages, not
     * the whole range: a query needs only the newest blocks, and a table's range may hold far more sealed bytes than memory.
     */
    @Query("SELECT * FROM data_blocks WHERE customer_id = :customerId AND table_name = :table AND max_time_generated >= :from"
            + " AND min_time_generated <= :to ORDER BY max_time_generated DESC, block_id DESC LIMIT :page")
    List<Block> overlapping(UUID customerId, String table, Instant from, Instant to, int page);

    /** The page after the block at ({@code afterTime}, {@code afterId}) of {@link #overlapping}. */
    @Query("SELECT * FROM data_blocks WHERE customer_id = :customerId AND table_name = :table AND max_time_generated >= :from"
            + " AND min_time_generated <= :to AND (max_time_generated, block_id) < (:afterTime, :afterId)"
            + " ORDER BY max_time_generated DESC, block_id DESC LIMIT :page")
    List<Block> overlappingAfter(UUID customerId, String table, Instant from, Instant to, Instant afterTime, UUID afterId, int page);

    @Query("SELECT EXISTS (SELECT 1 FROM data_blocks WHERE pending_cluster_id = :clusterId)")
    boolean hasPending(UUID clusterId);

    /** Which of {@code clusterIds} have blocks buffered for them: one statement for a key-health batch. */
    @Query("SELECT DISTINCT pending_cluster_id FROM data_blocks WHERE pending_cluster_id IN (:clusterIds)")
    List<UUID> pendingAmong(Collection<UUID> clusterIds);

    /** The workspaces whose blocks wait for the cluster (those a re-sealing needs the platform AEK of). */
    @Query("SELECT DISTINCT customer_id FROM data_blocks WHERE pending_cluster_id = :clusterId")
    List<UUID> pendingWorkspaces(UUID clusterId);

    /**
     * Up to {@code limit} blocks buffered for the cluster with ids after {@code after} (null: from the first), locked
     * for this transaction; blocks another re-sealer holds are skipped, not waited for.
     */
    @Query("SELECT * FROM data_blocks WHERE pending_cluster_id = :clusterId AND (CAST(:after AS uuid) IS NULL OR block_id > :after)"
            + " ORDER BY block_id LIMIT :limit FOR UPDATE SKIP LOCKED")
    List<Block> lockPending(UUID clusterId, @Nullable UUID after, int limit);

    /** The buffered block now sealed under its cluster's AEK; 0 if it was no longer pending for it. */
    @Query("UPDATE data_blocks SET key_kind = 'cluster', cluster_id = :clusterId, aek_version = :aekVersion, sealed = :sealed,"
            + " double_encrypted = :doubleEncrypted, pending_cluster_id = NULL WHERE block_id = :blockId AND pending_cluster_id = :clusterId")
    int resealed(UUID blockId, UUID clusterId, int aekVersion, byte[] sealed, boolean doubleEncrypted);

    @Query("INSERT INTO data_dropped_records (customer_id, table_name, dropped, last_reason, updated_at)"
            + " VALUES (:customerId, :table, :records, :reason, :now) ON CONFLICT (customer_id, table_name) DO UPDATE SET"
            + " dropped = data_dropped_records.dropped + EXCLUDED.dropped, last_reason = EXCLUDED.last_reason,"
            + " updated_at = EXCLUDED.updated_at")
    void countDropped(UUID customerId, String table, long records, String reason, Instant now);

    // --- purges (retention)

    /**
     * Deletes up to {@code limit} blocks of the workspace whose newest record ({@code max_time_generated}) is older than
     * {@code days} days of 24 hours on the database clock. A block that straddles the boundary stays until its newest
     * record is past it.
     */
    @Query("DELETE FROM data_blocks WHERE block_id IN (SELECT block_id FROM data_blocks WHERE customer_id = :customerId"
            + " AND max_time_generated < now() - CAST(:days AS integer) * interval '24 hours' LIMIT :limit FOR UPDATE SKIP LOCKED)")
    int deleteExpired(UUID customerId, int days, int limit);

    /** Deletes up to {@code limit} blocks sealed under the cluster's AEK. */
    @Query("DELETE FROM data_blocks WHERE block_id IN (SELECT block_id FROM data_blocks WHERE cluster_id = :clusterId"
            + " LIMIT :limit FOR UPDATE SKIP LOCKED)")
    int deleteSealedFor(UUID clusterId, int limit);

    /** Deletes up to {@code limit} blocks buffered for the cluster under a platform key (pending_cluster_id, V11). */
    @Query("DELETE FROM data_blocks WHERE block_id IN (SELECT block_id FROM data_blocks WHERE pending_cluster_id = :clusterId"
            + " LIMIT :limit FOR UPDATE SKIP LOCKED)")
    int deletePendingFor(UUID clusterId, int limit);

    /** Deletes up to {@code limit} blocks of the workspace, under whatever key. */
    @Query("DELETE FROM data_blocks WHERE block_id IN (SELECT block_id FROM data_blocks WHERE customer_id = :customerId"
            + " LIMIT :limit FOR UPDATE SKIP LOCKED)")
    int deleteOfWorkspace(UUID customerId, int limit);

    /**
     * The distinct workspaces that have blocks, after {@code after} (null: from the first), at most {@code limit}: a skip
     * scan of {@code data_blocks_by_age} (one index probe per workspace, not a scan of every block).
     */
    @Query("WITH RECURSIVE ids AS ("
            + " (SELECT customer_id AS id FROM data_blocks WHERE customer_id > COALESCE(CAST(:after AS uuid), " + FIRST + ")"
            + " ORDER BY customer_id LIMIT 1)"
            + " UNION ALL SELECT (SELECT customer_id FROM data_blocks WHERE customer_id > ids.id ORDER BY customer_id LIMIT 1)"
            + " FROM ids WHERE ids.id IS NOT NULL)"
            + " SELECT id FROM ids WHERE id IS NOT NULL LIMIT :limit")
    List<UUID> workspacesWithBlocks(@Nullable UUID after, int limit);

    /** The distinct clusters blocks are sealed under, after {@code after}, at most {@code limit}: a skip scan of {@code data_blocks_by_cluster}. */
    @Query("WITH RECURSIVE ids AS ("
            + " (SELECT cluster_id AS id FROM data_blocks WHERE cluster_id IS NOT NULL"
            + " AND cluster_id > COALESCE(CAST(:after AS uuid), " + FIRST + ") ORDER BY cluster_id LIMIT 1)"
            + " UNION ALL SELECT (SELECT cluster_id FROM data_blocks WHERE cluster_id IS NOT NULL AND cluster_id > ids.id"
            + " ORDER BY cluster_id LIMIT 1)"
            + " FROM ids WHERE ids.id IS NOT NULL)"
            + " SELECT id FROM ids WHERE id IS NOT NULL LIMIT :limit")
    List<UUID> clustersWithBlocks(@Nullable UUID after, int limit);

    /** One page of a table's blocks overlapping [from, to] after {@code after} (null: the first page); see {@link #overlapping}. */
    default List<Block> overlapping(UUID customerId, String table, Instant from, Instant to, @Nullable Block after, int page) {
        return after == null ? overlapping(customerId, table, from, to, page)
                : overlappingAfter(customerId, table, from, to, after.maxTime(), after.blockId(), page);
    }
}
