package io.keyward.app.retention;

import io.keyward.app.clusters.ClusterService;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.dataplane.DataPurge;
import io.keyward.app.workspaces.WorkspaceService;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention, run by the {@code Retention_Purge} timer function (docs/retention.md):
 * <ol>
 *   <li>Soft-deleted clusters past their purge date: (1) the wrapped AEK is shredded ({@link CmkKeys#shred}) and that
 *       commits on its own, so from then on nothing sealed under it can be opened; (2) the cluster's blocks are deleted
 *       in batches; (3) the cluster row is removed and its name is free.</li>
 *   <li>Soft-deleted workspaces past their 14 days: the same order with the workspace's platform AEK, then all its blocks
 *       (under whatever key), then its row.</li>
 *   <li>Blocks past their workspace's {@code retentionInDays}, whatever key they are under: revoked keys included, since
 *       deleting needs no key.</li>
 *   <li>Leftovers of purges done elsewhere (a forced workspace delete, a name re-used): platform AEKs first, then
 *       blocks, of workspaces and clusters whose row is gone.</li>
 * </ol>
 * Every step is idempotent and is found again from what is still there: a run that crashed, or stopped at its limits,
 * is finished by the next one; two instances running at once split the work ({@code SKIP LOCKED}) or repeat a
 * harmless delete. Retention owns no table: it asks the owners, the clusters ({@link ClusterService}), the workspaces
 * ({@link WorkspaceService}), the CMK core ({@link CmkKeys}) and the data plane ({@link DataPurge}).
 */
@Singleton
public class RetentionJob {

    private static final Logger LOG = LoggerFactory.getLogger(RetentionJob.class);

    /** Workspaces (or ids) read per round trip while retention walks them. */
    private static final int PAGE = 500;

    private final RetentionProperties properties;
    private final ClusterService clusters;
    private final WorkspaceService workspaces;
    private final CmkKeys cmk;
    private final DataPurge data;
    private final TransactionOperations<?> transactions;

    RetentionJob(RetentionProperties properties, ClusterService clusters, WorkspaceService workspaces, CmkKeys cmk, DataPurge data,
                 TransactionOperations<?> transactions) {
        this.properties = properties;
        this.clusters = clusters;
        this.workspaces = workspaces;
        this.cmk = cmk;
        this.data = data;
        this.transactions = transactions;
    }

    /**
     * What one run did.
     *
     * @param clustersShredded   cluster AEKs deleted (step 1)
     * @param clustersPurged     cluster rows removed (step 3): names released
     * @param workspacesShredded workspace platform AEKs deleted
     * @param workspacesPurged   workspace rows removed
     * @param expiredBlocks      blocks past their workspace's retention
     * @param purgedBlocks       blocks of purged clusters and workspaces
     * @param orphanAeks         platform AEKs of workspaces already gone
     * @param orphanBlocks       blocks of workspaces or clusters already gone
     * @param complete           false when a limit stopped the run: the next run goes on
     */
    public record Report(int clustersShredded, int clustersPurged, int workspacesShredded, int workspacesPurged, long expiredBlocks,
                         long purgedBlocks, int orphanAeks, long orphanBlocks, boolean complete) {
    }

    public Report run() {
        if (!properties.enabled()) {
            LOG.info("retention is disabled (keyward.retention.enabled=false): nothing purged");
            return new Report(0, 0, 0, 0, 0, 0, 0, 0, true);
        }
        Tally t = new Tally();
        List<RuntimeException> failures = new ArrayList<>();
        phase(failures, "deleted clusters", () -> purgeDeletedClusters(t));
        phase(failures, "deleted workspaces", () -> purgeDeletedWorkspaces(t));
        phase(failures, "expired blocks", () -> purgeExpiredBlocks(t));
        phase(failures, "leftovers", () -> purgeLeftovers(t));
        Report report = t.report();
        LOG.info("retention run: {}", report);
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
        return report;
    }

    /**
     * Step (1) of the cluster purge alone, in one transaction: claims up to {@code resourcesPerRun} soft-deleted clusters
     * past their purge date and shreds their AEKs. The rows and blocks stay for steps (2) and (3), which {@link #run()}
     * does next; public so that a test can stop here, as a crash would. Returns the clusters claimed.
     */
    public List<UUID> shredExpiredClusters() {
        return shredExpiredClusters(new Tally());
    }

    // --- clusters

    private List<UUID> shredExpiredClusters(Tally t) {
        List<UUID> claimed = transactions.executeWrite(status -> {
            List<UUID> ids = clusters.claimExpiredDeleted(properties.purgeGrace(), properties.resourcesPerRun());
            for (UUID id : ids) {
                if (cmk.shred(id)) {
                    t.clustersShredded++;
                    LOG.info("cluster {}: AEK shredded (retention over); its data can no longer be decrypted", id);
                }
                data.shredInfrastructureAek(id); // the outer layer's key of a double-encrypted cluster goes with it
            }
            return ids;
        });
        // This instance's cached plaintext goes at once; other instances' expire within keyward.dataplane.aek-cache-ttl,
        // and none can unwrap it again.
        claimed.forEach(data::forgetClusterKey);
        if (claimed.size() >= properties.resourcesPerRun()) {
            t.complete = false; // there may be more: the next run takes them
        }
        return claimed;
    }

    private void purgeDeletedClusters(Tally t) {
        for (UUID id : shredExpiredClusters(t)) {
            if (!deleteAll(t, () -> data.deleteClusterBlocks(id, properties.batchSize()), true)) {
                LOG.info("cluster {}: blocks left for the next run", id);
                continue;
            }
            if (clusters.purgeDeleted(id, properties.purgeGrace())) {
                t.clustersPurged++;
                LOG.info("cluster {}: purged, its name is released", id);
            }
        }
    }

    // --- workspaces

    private void purgeDeletedWorkspaces(Tally t) {
        List<UUID> claimed = transactions.executeWrite(status -> {
            List<UUID> ids = workspaces.claimExpiredDeleted(properties.purgeGrace(), properties.resourcesPerRun());
            for (UUID id : ids) {
                if (data.shredPlatformAek(id)) {
                    t.workspacesShredded++;
                }
            }
            return ids;
        });
        if (claimed.size() >= properties.resourcesPerRun()) {
            t.complete = false;
        }
        for (UUID id : claimed) {
            if (!deleteAll(t, () -> data.deleteWorkspaceBlocks(id, properties.batchSize()), true)) {
                LOG.info("workspace {}: blocks left for the next run", id);
                continue;
            }
            if (workspaces.purgeDeleted(id, properties.purgeGrace())) {
                t.workspacesPurged++;
                LOG.info("workspace {}: purged (platform AEK shredded, blocks deleted), its name is released", id);
            }
        }
    }

    // --- blocks

    /**
     * Blocks past their workspace's retention, workspace by workspace (soft-deleted ones included). Only batches that
     * deleted something count against {@code maxBatches}, so that every run reaches every workspace.
     */
    private void purgeExpiredBlocks(Tally t) {
        int batches = 0;
        UUID after = null;
        List<WorkspaceService.RetentionPeriod> page;
        do {
            page = workspaces.retentionPeriods(after, PAGE);
            for (WorkspaceService.RetentionPeriod p : page) {
                int n;
                do {
                    if (batches >= properties.maxBatches()) {
                        t.complete = false;
                        return;
                    }
                    n = data.deleteExpiredBlocks(p.customerId(), p.days(), properties.batchSize());
                    t.expiredBlocks += n;
                    batches += n > 0 ? 1 : 0;
                } while (n >= properties.batchSize());
            }
            after = page.isEmpty() ? null : page.get(page.size() - 1).customerId();
        } while (page.size() == PAGE);
    }

    /** Platform AEKs first, then blocks, of workspaces and clusters whose row is gone. */
    private void purgeLeftovers(Tally t) {
        int limit = properties.resourcesPerRun();
        List<UUID> orphanAeks = orphans(data::workspacesWithPlatformAek, workspaces::existing, limit);
        for (UUID id : orphanAeks) {
            if (data.shredPlatformAek(id)) {
                t.orphanAeks++;
            }
        }
        List<UUID> goneWorkspaces = orphans(data::workspacesWithBlocks, workspaces::existing, limit);
        for (UUID id : goneWorkspaces) {
            deleteAll(t, () -> data.deleteWorkspaceBlocks(id, properties.batchSize()), false);
        }
        List<UUID> goneClusters = orphans(data::clustersWithBlocks, clusters::existing, limit);
        for (UUID id : goneClusters) {
            deleteAll(t, () -> data.deleteClusterBlocks(id, properties.batchSize()), false);
        }
        if (orphanAeks.size() >= limit || goneWorkspaces.size() >= limit || goneClusters.size() >= limit) {
            t.complete = false;
        }
    }

    /**
     * Up to {@code limit} ids that the data plane holds something of ({@code held}, paged by id) but whose owner has no
     * row any more ({@code existing} says which still have one).
     */
    private static List<UUID> orphans(BiFunction<UUID, Integer, List<UUID>> held, Function<Collection<UUID>, Set<UUID>> existing,
                                      int limit) {
        List<UUID> out = new ArrayList<>();
        UUID after = null;
        while (out.size() < limit) {
            List<UUID> page = held.apply(after, PAGE);
            Set<UUID> alive = existing.apply(page);
            page.stream().filter(id -> !alive.contains(id)).limit(limit - out.size()).forEach(out::add);
            if (page.size() < PAGE) {
                break;
            }
            after = page.get(page.size() - 1);
        }
        return out;
    }

    /** Batches until none is full, each its own transaction; false when {@code maxBatches} stopped it first. */
    private boolean deleteAll(Tally t, IntSupplier batch, boolean ofPurged) {
        for (int i = 0; i < properties.maxBatches(); i++) {
            int n = batch.getAsInt();
            if (ofPurged) {
                t.purgedBlocks += n;
            } else {
                t.orphanBlocks += n;
            }
            if (n < properties.batchSize()) {
                return true;
            }
        }
        t.complete = false;
        return false;
    }

    private static void phase(List<RuntimeException> failures, String name, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            LOG.error("retention: {} failed; the next run takes it up again", name, e);
            failures.add(e);
        }
    }

    private static final class Tally {
        int clustersShredded;
        int clustersPurged;
        int workspacesShredded;
        int workspacesPurged;
        long expiredBlocks;
        long purgedBlocks;
        int orphanAeks;
        long orphanBlocks;
        boolean complete = true;

        Report report() {
            return new Report(clustersShredded, clustersPurged, workspacesShredded, workspacesPurged, expiredBlocks, purgedBlocks,
                    orphanAeks, orphanBlocks, complete);
        }
    }
}
