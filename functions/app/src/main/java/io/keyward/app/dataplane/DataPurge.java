package io.keyward.app.dataplane;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.UUID;

/**
 * What retention may delete of the data plane's stores: blocks in bounded batches, and the platform AEKs that
 * crypto-shred a workspace's platform-key data. Nothing here needs a key: deleting a block needs none, so data under a
 * revoked key is purged like any other. Every batch locks its rows {@code FOR UPDATE SKIP LOCKED}, so two instances
 * purging at once split the rows instead of waiting on each other; ages are decided on the database clock. Each call
 * runs in the caller's transaction, or in one of its own.
 */
@Singleton
public class DataPurge {

    private final DataBlockRepository blocks;
    private final PlatformAekRepository platformAeks;
    private final InfrastructureAekRepository infrastructureAeks;
    private final AekCache cache;
    private final TransactionOperations<?> transactions;

    DataPurge(DataBlockRepository blocks, PlatformAekRepository platformAeks, InfrastructureAekRepository infrastructureAeks, AekCache cache,
              TransactionOperations<?> transactions) {
        this.infrastructureAeks = infrastructureAeks;
        this.blocks = blocks;
        this.platformAeks = platformAeks;
        this.cache = cache;
        this.transactions = transactions;
    }

    /** Crypto-shredding of a workspace's platform-key data: deletes its wrapped platform AEK. Whether there was one. */
    public boolean shredPlatformAek(UUID customerId) {
        return platformAeks.delete(customerId) > 0;
    }

    /** Crypto-shredding of a double-encrypted cluster's outer layer: deletes its wrapped infrastructure AEK. Whether there was one. */
    public boolean shredInfrastructureAek(UUID clusterId) {
        return infrastructureAeks.delete(clusterId) > 0;
    }

    /**
     * This instance forgets the cluster's plaintext AEKs (after they were shredded); other instances' copies expire within
     * {@code keyward.dataplane.aek-cache-ttl}, and none can unwrap it again.
     */
    public void forgetClusterKey(UUID clusterId) {
        cache.evictCluster(clusterId);
        cache.evict(DataPlaneService.INFRASTRUCTURE + ":" + clusterId);
    }

    /**
     * Deletes up to {@code limit} blocks of the workspace whose newest record is older than {@code retentionDays} days of
     * 24 hours, whatever key they are under; how many.
     */
    public int deleteExpiredBlocks(UUID customerId, int retentionDays, int limit) {
        return blocks.deleteExpired(customerId, retentionDays, limit);
    }

    /** Deletes up to {@code limit} blocks of the workspace, under whatever key; how many. */
    public int deleteWorkspaceBlocks(UUID customerId, int limit) {
        return blocks.deleteOfWorkspace(customerId, limit);
    }

    /**
     * Deletes up to {@code limit} blocks of the cluster: sealed under its AEK, or buffered for it under a platform key during
     * a vault outage and never re-sealed; how many.
     */
    public int deleteClusterBlocks(UUID clusterId, int limit) {
        return transactions.executeWrite(status -> {
            int sealed = blocks.deleteSealedFor(clusterId, limit);
            return sealed + blocks.deletePendingFor(clusterId, Math.max(0, limit - sealed));
        });
    }

    /** The workspaces that have blocks, in customerId order after {@code after} (null: from the first), at most {@code limit}. */
    public List<UUID> workspacesWithBlocks(@Nullable UUID after, int limit) {
        return blocks.workspacesWithBlocks(after, limit);
    }

    /** The workspaces that hold a platform AEK, in customerId order after {@code after}, at most {@code limit}. */
    public List<UUID> workspacesWithPlatformAek(@Nullable UUID after, int limit) {
        return platformAeks.workspacesAfter(after, limit);
    }

    /** The clusters that blocks are sealed under, in id order after {@code after}, at most {@code limit}. */
    public List<UUID> clustersWithBlocks(@Nullable UUID after, int limit) {
        return blocks.clustersWithBlocks(after, limit);
    }
}
