package io.keyward.app.workspaces;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** What other capabilities (the clusters of the resource provider) ask of workspaces. */
public interface WorkspaceService {

    /** The resource id of the cluster {@code workspaceResourceId} is linked to (a completed link), if any. */
    Optional<String> linkedCluster(String workspaceResourceId);

    /** The active workspace whose customerId (the data plane's workspace id) is {@code customerId}. */
    Optional<WorkspaceTarget> target(UUID customerId);

    /**
     * For retention: the customerIds of soft-deleted workspaces whose 14 days of recovery ended at least {@code grace}
     * ago on the database clock, at most {@code limit}, locked in {@code tx} ({@code FOR UPDATE SKIP LOCKED}).
     */
    List<UUID> claimExpiredDeleted(Connection tx, Duration grace, int limit);

    /**
     * For retention: removes the soft-deleted workspace {@code customerId} for good in {@code tx} if its recovery period
     * ended at least {@code grace} ago (its link ends with it, as a forced delete does). False when there is no such row.
     */
    boolean purgeDeleted(Connection tx, UUID customerId, Duration grace);
}
