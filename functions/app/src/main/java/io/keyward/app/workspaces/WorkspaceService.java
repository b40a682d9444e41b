package io.keyward.app.workspaces;

import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.micronaut.core.annotation.Nullable;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What other capabilities (the clusters of the resource provider, the data plane, retention) ask of workspaces. Writes
 * and locks run in the caller's transaction when there is one.
 */
public interface WorkspaceService {

    /** The resource id of the cluster {@code workspaceResourceId} is linked to (a completed link), if any. */
    Optional<String> linkedCluster(String workspaceResourceId);

    /**
     * The active workspace {@code name} (checked against the spec's naming rule: 400 otherwise) in the group, if any; no
     * access check (the caller checks the subscription's owner).
     */
    Optional<WorkspacePlace> place(SubscriptionId sub, ResourceGroupName group, String name);

    /** The active workspace whose customerId (the data plane's workspace id) is {@code customerId}. */
    Optional<WorkspaceTarget> target(UUID customerId);

    /**
     * For retention: the customerIds of soft-deleted workspaces whose 14 days of recovery ended at least {@code grace}
     * ago on the database clock, at most {@code limit}, locked in the caller's transaction ({@code FOR UPDATE SKIP LOCKED}).
     */
    List<UUID> claimExpiredDeleted(Duration grace, int limit);

    /**
     * For retention: removes the soft-deleted workspace {@code customerId} for good if its recovery period ended at least
     * {@code grace} ago (its link ends with it, as a forced delete does). False when there is no such row.
     */
    boolean purgeDeleted(UUID customerId, Duration grace);

    /** How long a workspace's data is kept: {@code retentionInDays} of days of 24 hours. */
    record RetentionPeriod(UUID customerId, int days) {
    }

    /**
     * For retention: every workspace's retention, active or soft-deleted, in customerId order after {@code after} (null:
     * from the first), at most {@code limit}: keyset paging.
     */
    List<RetentionPeriod> retentionPeriods(@Nullable UUID after, int limit);

    /** For retention: which of {@code customerIds} are workspaces that still exist (active or soft-deleted). */
    Set<UUID> existing(Collection<UUID> customerIds);
}
