package io.keyward.app.clusters;

import java.sql.Connection;
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
     * The plaintext AEK of the cluster with this {@code clusterId}, unwrapped by its customer's vault as the cluster's
     * identity (one vault call; callers cache). The caller owns (and must destroy) the returned material.
     */
    ClusterAek unwrapAek(UUID clusterId);
}
