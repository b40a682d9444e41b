package io.keyward.app.clusters;

import java.sql.Connection;
import java.util.Optional;

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

}
