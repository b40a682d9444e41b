package io.keyward.app.clusters;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** What the workspaces capability asks of clusters. Resource ids are compared without case, as ARM does. */
public interface ClusterService {

    /** The active (not soft-deleted) cluster with this resource id. */
    Optional<Cluster> find(String clusterResourceId);

    /** Records a completed link, in the caller's transaction {@code tx}; a cluster that is gone is ignored. */
    void workspaceLinked(Connection tx, String clusterResourceId, String workspaceResourceId);

    /** Records a completed unlink, in {@code tx}; works on soft-deleted clusters too (delete unlinks asynchronously). */
    void workspaceUnlinked(Connection tx, String clusterResourceId, String workspaceResourceId);

    /** Workspaces currently linked (the 1000-per-cluster rule). */
    int linkedWorkspaceCount(String clusterResourceId);

    /**
     * For retention: the ids of soft-deleted clusters whose purge date passed at least {@code grace} ago on the database
     * clock, at most {@code limit}, locked in {@code tx} ({@code FOR UPDATE SKIP LOCKED}: an instance purging at the
     * same time takes others, and a recovery waits for {@code tx}).
     */
    List<UUID> claimExpiredDeleted(Connection tx, Duration grace, int limit);

    /**
     * For retention: removes the soft-deleted cluster {@code clusterId} for good in {@code tx} if its purge date passed
     * at least {@code grace} ago, shredding its AEK first if it is still there (it should be gone already); its name is
     * free again. False when there is no such row (already purged, or recovered).
     */
    boolean purgeDeleted(Connection tx, UUID clusterId, Duration grace);

}
