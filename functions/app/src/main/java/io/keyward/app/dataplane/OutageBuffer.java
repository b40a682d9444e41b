package io.keyward.app.dataplane;

import io.keyward.app.clusters.Cluster;
import io.keyward.app.clusters.ClusterService;
import io.keyward.app.workspaces.WorkspaceService;
import io.keyward.app.workspaces.WorkspaceTarget;
import io.keyward.hsm.envelope.AekMaterial;
import io.keyward.hsm.envelope.Envelope;
import io.keyward.hsm.envelope.IntegrityException;
import io.micronaut.context.BeanProvider;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingestion buffered through a vault outage (docs/data-plane-outages.md): blocks a cluster's workspaces ingested while
 * the cluster's vault was out beyond the grace period were sealed under the workspace's platform AEK and marked
 * {@code pending_cluster_id}. Once the key-health poller unwraps the cluster's AEK again, this re-seals them under it.
 *
 * <p>One transaction per batch: the batch's rows are locked ({@code FOR UPDATE SKIP LOCKED}, so two pollers never
 * re-seal the same block and neither waits for the other), opened with the platform AEK, sealed with the cluster's
 * AEK bound to the block's new claims (BlockFormat V2: workspace, table, block id, the cluster's key and AEK version) and updated with the marker cleared. A
 * crash rolls the batch back: its blocks stay pending, still readable under the platform key, and the next check
 * re-seals them. Nothing is deleted, so nothing can be lost. The platform AEKs the batches need are unwrapped (an HSM
 * call) before any batch's transaction opens; a block of a workspace that started buffering meanwhile waits for the next
 * check.
 */
@Singleton
public class OutageBuffer {

    /** blocks per transaction: up to 64 KiB each, so a batch holds a few MiB of plaintext at most */
    private static final int BATCH = 32;
    private static final Logger LOG = LoggerFactory.getLogger(OutageBuffer.class);

    private final DataBlockRepository repository;
    private final TransactionOperations<?> transactions;
    private final BlockCipher cipher;
    private final AekCache cache;
    private final PlatformKeys platform;
    private final ClusterService clusters;
    private final WorkspaceService workspaces;
    private final BeanProvider<DataPlaneService> dataPlane;

    OutageBuffer(DataBlockRepository repository, TransactionOperations<?> transactions, AekCache cache, PlatformKeys platform,
                 BlockCipher cipher, ClusterService clusters, WorkspaceService workspaces, BeanProvider<DataPlaneService> dataPlane) {
        this.workspaces = workspaces;
        this.clusters = clusters;
        this.dataPlane = dataPlane;
        this.cipher = cipher;
        this.repository = repository;
        this.transactions = transactions;
        this.cache = cache;
        this.platform = platform;
    }

    /**
     * {@link #resealPending(UUID, AekMaterial)} for each cluster of a key-health batch that has buffered blocks, found
     * with one query; the caller keeps and destroys the material. Never throws.
     */
    public int resealPending(Map<UUID, AekMaterial> clusterAeks) {
        if (clusterAeks.isEmpty()) {
            return 0;
        }
        List<UUID> pending;
        try {
            pending = repository.pendingAmong(clusterAeks.keySet());
        } catch (RuntimeException e) {
            LOG.warn("buffered blocks could not be looked up ({}); they stay pending for the next check", e.getClass().getSimpleName());
            return 0;
        }
        int total = 0;
        for (UUID clusterId : pending) {
            total += resealPending(clusterId, clusterAeks.get(clusterId));
        }
        return total;
    }

    /**
     * Re-seals every block buffered for {@code clusterId} under {@code clusterAek} (which the caller keeps and
     * destroys); the number re-sealed. Never throws: what fails stays pending for the next successful check, and a
     * block that fails its integrity check under the platform key is left pending and logged (it cannot be read either
     * way, and is not destroyed).
     */
    public int resealPending(UUID clusterId, AekMaterial clusterAek) {
        try {
            if (!repository.hasPending(clusterId)) {
                return 0;
            }
            // a copy for the Envelope, which destroys what it is given when closed; the caller destroys its own
            byte[] copy = Arrays.copyOf(clusterAek.bytes(io.keyward.hsm.envelope.KeyAccess.plaintext()), AekMaterial.LENGTH);
            int total = 0;
            Map<UUID, AekCache.Lease> platformKeys = new HashMap<>();
            Map<UUID, String> tenants = new HashMap<>();
            // a double-encrypted cluster's blocks get their outer layer as they are re-sealed (the key: an HSM call, here)
            boolean doubleEncrypted = clusters.findByClusterId(clusterId).map(Cluster::doubleEncrypted).orElse(false);
            try (Envelope cluster = Envelope.of(DataPlaneService.CLUSTER_AEK_VERSION, AekMaterial.adopt(copy));
                 AekCache.Lease outer = doubleEncrypted ? dataPlane.get().infrastructureLease(clusterId) : null) {
                for (UUID customerId : repository.pendingWorkspaces(clusterId)) {
                    // a workspace deleted meanwhile has no tenant to bind its blocks to: they stay pending (and go with it)
                    Optional<WorkspaceTarget> ws = workspaces.target(customerId);
                    if (ws.isEmpty()) {
                        continue;
                    }
                    tenants.put(customerId, ws.get().tenantId());
                    platformKeys.put(customerId, cache.acquire(DataPlaneService.platformKey(customerId),
                            () -> Envelope.of(DataPlaneService.PLATFORM_AEK_VERSION, platform.aek(customerId))));
                }
                UUID after = null;
                while (true) {
                    Batch done = resealBatch(clusterId, cluster, outer, platformKeys, tenants, after);
                    total += done.resealed();
                    if (done.last() == null) {
                        break;
                    }
                    after = done.last();
                }
            } finally {
                platformKeys.values().forEach(AekCache.Lease::close);
            }
            if (total > 0) {
                LOG.info("cluster {}: {} buffered blocks re-sealed under the cluster's key", clusterId, total);
            }
            return total;
        } catch (RuntimeException e) {
            LOG.warn("cluster {}: re-sealing buffered blocks stopped ({}), the rest stay pending", clusterId, e.getClass().getSimpleName());
            return 0;
        }
    }

    /** {@code last}: the last block id looked at, null when there was none (the end). */
    private record Batch(int resealed, @Nullable UUID last) {
    }

    private Batch resealBatch(UUID clusterId, Envelope cluster, @Nullable AekCache.Lease outer, Map<UUID, AekCache.Lease> platformKeys,
                              Map<UUID, String> tenants, @Nullable UUID after) {
        return transactions.executeWrite(status -> {
            List<DataBlockRepository.Block> blocks = repository.lockPending(clusterId, after, BATCH);
            int resealed = 0;
            for (DataBlockRepository.Block b : blocks) {
                AekCache.Lease platformKey = platformKeys.get(b.customerId());
                if (platformKey == null) {
                    continue; // buffered since this check began: the next check re-seals it
                }
                var ref = DataPlaneService.ref(b.workspaceResourceId(), b.table(), b.blockId());
                byte[] plain;
                try {
                    // under the workspace's own platform AEK: a row moved to another workspace does not open here
                    plain = cipher.open(platformKey.envelope(), DataPlaneService.claimsOf(tenants.get(b.customerId()), b.customerId(), b.table(), b),
                            ref, b.sealed());
                } catch (IntegrityException e) {
                    LOG.error("cluster {}: buffered block {} failed its integrity check under the platform key; left pending",
                            clusterId, b.blockId());
                    continue;
                }
                try {
                    String tenant = tenants.get(b.customerId());
                    var claims = DataPlaneService.claims(tenant, b.customerId(), b.table(), b.blockId(), DataBlockRepository.KeyKind.CLUSTER,
                            clusterId, cluster.primaryVersion(), outer != null);
                    byte[] sealed = cipher.seal(cluster, claims, plain);
                    if (outer != null) {
                        sealed = cipher.seal(outer.envelope(), DataPlaneService.outerClaims(tenant, b.customerId(), b.table(), b.blockId(),
                                clusterId), sealed);
                    }
                    if (repository.resealed(b.blockId(), clusterId, cluster.primaryVersion(), sealed, outer != null) == 1) {
                        resealed++;
                    }
                } finally {
                    Arrays.fill(plain, (byte) 0);
                }
            }
            return new Batch(resealed, blocks.isEmpty() ? null : blocks.get(blocks.size() - 1).blockId());
        });
    }
}
