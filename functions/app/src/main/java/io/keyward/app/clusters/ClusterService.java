package io.keyward.app.clusters;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What the workspaces, the data plane and retention ask of clusters. Resource ids are compared without case, as ARM does.
 * Writes run in the caller's transaction when there is one.
 */
public interface ClusterService {

    /** The active (not soft-deleted) cluster with this resource id. */
    Optional<Cluster> find(String clusterResourceId);

    /** The cluster (active or soft-deleted) whose clusterId is {@code clusterId}. */
    Optional<Cluster> findByClusterId(UUID clusterId);

    /** Records a completed link (with the workspace's immutable id, its customerId); a cluster that is gone is ignored. */
    void workspaceLinked(String clusterResourceId, String workspaceResourceId, UUID workspaceCustomerId);

    /** Records a completed unlink; works on soft-deleted clusters too (delete unlinks asynchronously). */
    void workspaceUnlinked(String clusterResourceId, String workspaceResourceId);

    /** Workspaces currently linked (the 1000-per-cluster rule). */
    int linkedWorkspaceCount(String clusterResourceId);

    /**
     * For retention: the ids of soft-deleted clusters whose purge date passed at least {@code grace} ago on the database
     * clock, at most {@code limit}, locked in the caller's transaction ({@code FOR UPDATE SKIP LOCKED}: an instance purging
     * at the same time takes others, and a recovery waits for it).
     */
    List<UUID> claimExpiredDeleted(Duration grace, int limit);

    /**
     * For retention: removes the soft-deleted cluster {@code clusterId} for good if its purge date passed at least
     * {@code grace} ago, shredding its AEK first if it is still there (it should be gone already); its name is free again.
     * False when there is no such row (already purged, or recovered).
     */
    boolean purgeDeleted(UUID clusterId, Duration grace);

    /** For retention: which of {@code clusterIds} are clusters that still exist (active or soft-deleted). */
    Set<UUID> existing(Collection<UUID> clusterIds);
}
