package io.keyward.app.workspaces;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.AsyncOperations;
import io.keyward.app.arm.NewOperation;
import io.keyward.app.arm.OperationStatus;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.StepResult;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.authorization.Authorization;
import io.keyward.app.authorization.Scope;
import io.keyward.app.base.UniqueViolation;
import io.keyward.app.clusters.Cluster;
import io.keyward.app.engine.Phase;
import io.keyward.app.clusters.ClusterService;
import io.keyward.app.engine.ResourceDeleted;
import io.micronaut.runtime.event.annotation.EventListener;
import io.keyward.app.identity.Principal;
import io.keyward.app.workspaces.WorkspaceRepository.Row;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The workspaces of the ARM management plane and their link to a dedicated cluster, with the rules of Azure
 * Monitor's dedicated clusters documentation: a workspace links only to a cluster whose provisioning completed, in
 * its region; at most 1,000 workspaces per cluster; at most two link operations per workspace in 30 days; one link
 * or unlink at a time (409 "Workspace link or unlink operation in process."). Links and unlinks are async operations
 * started in the same transaction as the workspace's pending state; {@link ClusterLinkHandler} and
 * {@link ClusterUnlinkHandler} finish them.
 *
 * <p>The clusters and the operations are reached through providers: the cluster service asks this one to unlink
 * workspaces, and the operations runner holds the handlers that call back here, so direct injection would be a cycle.
 */
@Singleton
class WorkspaceCatalog implements WorkspaceService {

    static final int MIN_RETENTION_DAYS = 30;
    static final int MAX_RETENTION_DAYS = 730;
    static final int DEFAULT_RETENTION_DAYS = 30;
    /** A deleted workspace's name stays reserved, and the workspace recoverable, for 14 days (Workspaces_Delete). */
    static final Duration SOFT_DELETE_PERIOD = Duration.ofDays(14);
    static final int MAX_WORKSPACES_PER_CLUSTER = 1000;
    static final int MAX_LINKS_PER_WINDOW = 2;
    static final Duration LINK_WINDOW = Duration.ofDays(30);
    static final String LINK_KIND = "workspaces.link";
    static final String UNLINK_KIND = "workspaces.unlink";

    private static final String IN_PROCESS = "Workspace link or unlink operation in process.";
    private static final String CLUSTER_NOT_FOUND = "Cluster not found, the cluster you specified doesn't exist or was deleted.";
    private static final String WORKSPACE_NOT_FOUND = "Workspace not found. The workspace you specified doesn't exist or was deleted.";
    private static final Pattern WORKSPACE_ID = Pattern.compile(
            "^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.OperationalInsights/workspaces/([^/]+)/?$",
            Pattern.CASE_INSENSITIVE);

    private final WorkspaceRepository repository;
    private final Authorization authorization;
    private final Provider<AsyncOperations> operations;
    private final Provider<ClusterService> clusters;
    private final JsonMapper json;
    private final Clock clock;
    private final TransactionOperations<?> transactions;

    WorkspaceCatalog(WorkspaceRepository repository, Authorization authorization, Provider<AsyncOperations> operations,
                     Provider<ClusterService> clusters, JsonMapper json, Clock clock, TransactionOperations<?> transactions) {
        this.repository = repository;
        this.clock = clock;
        this.transactions = transactions;
        this.authorization = authorization;
        this.operations = operations;
        this.clusters = clusters;
        this.json = json;
    }

    /** Outcome of a PUT: the workspace and whether it was created (201) rather than updated or recovered (200). */
    record Saved(Workspace workspace, boolean created) {
    }

    /** Outcome of a link or unlink request: the operation started, or none when there was nothing to do. */
    record LinkRequest(Workspace workspace, @Nullable AsyncOperation operation) {
    }

    // --- WorkspaceService

    /**
     * A cluster was soft-deleted: an async unlink operation starts, in the deleting transaction, for every workspace linked
     * to it that has no link operation running yet; the operations run once that transaction commits.
     */
    @EventListener
    void clusterDeleted(ResourceDeleted deleted) {
        if (!deleted.type().equals(Cluster.TYPE)) {
            return;
        }
        transactions.executeWrite(status -> {
            for (Workspace w : repository.lockedLinkedTo(deleted.id().toString())) {
                if (w.pending() == null) {
                    startUnlink(w, w.clusterResourceId());
                }
            }
            return null;
        });
    }

    @Override
    public Optional<String> linkedCluster(String workspaceResourceId) {
        Matcher m = workspaceResourceId == null ? null : WORKSPACE_ID.matcher(workspaceResourceId);
        if (m == null || !m.matches()) {
            return Optional.empty();
        }
        String sub = m.group(1).toLowerCase(Locale.ROOT);
        return transactions.executeRead(status -> repository.find(sub, m.group(2), m.group(3), false))
                .map(Workspace::clusterResourceId);
    }

    @Override
    public Optional<WorkspacePlace> place(SubscriptionId sub, ResourceGroupName group, String name) {
        WorkspaceName parsed = WorkspaceName.parse(name);
        return transactions.executeRead(status -> repository.find(sub.value(), group.value(), parsed.value(), false))
                .filter(w -> !w.deleted()).map(w -> new WorkspacePlace(w.customerId(), w.id(), w.tenantId(), w.location()));
    }

    @Override
    public Optional<WorkspaceTarget> target(UUID customerId) {
        return transactions.executeRead(status -> repository.find(customerId, false))
                .filter(w -> w.deletedAt() == null)
                .map(w -> new WorkspaceTarget(w.customerId(), w.id(), w.tenantId(), w.clusterResourceId()));
    }

    @Override
    public List<UUID> claimExpiredDeleted(Duration grace, int limit) {
        return repository.claimExpiredDeleted(SOFT_DELETE_PERIOD.plus(grace), limit);
    }

    @Override
    public boolean purgeDeleted(UUID customerId, Duration grace) {
        return transactions.executeWrite(status -> {
            Optional<Workspace> expired = repository.find(customerId, true);
            if (expired.isEmpty() || !expired.get().deleted() || !repository.deletedBefore(customerId, SOFT_DELETE_PERIOD.plus(grace))) {
                return false;
            }
            purge(expired.get());
            return true;
        });
    }

    @Override
    public List<RetentionPeriod> retentionPeriods(@Nullable UUID after, int limit) {
        return repository.retentions(after, limit).stream().map(r -> new RetentionPeriod(r.customerId(), r.retentionInDays())).toList();
    }

    @Override
    public Set<UUID> existing(Collection<UUID> customerIds) {
        return customerIds.isEmpty() ? Set.of() : Set.copyOf(repository.existing(customerIds));
    }

    // --- workspaces

    Saved createOrUpdate(SubscriptionId sub, ResourceGroupName group, WorkspaceName name, WorkspaceRequest request, Principal caller) {
        try {
            return transactions.executeWrite(status -> {
                authorization.require(workspaceScope(sub, group, name), caller, "Microsoft.OperationalInsights/workspaces/write", true);
                Optional<Workspace> existing = repository.find(sub.value(), group.value(), name.value(), true);
                if (existing.isPresent() && existing.get().deleted()) {
                    Workspace gone = existing.get();
                    if (now().isBefore(gone.deletedAt().plus(SOFT_DELETE_PERIOD))) {
                        return new Saved(recover(gone, request, caller), false);
                    }
                    purge(gone);
                    existing = Optional.empty();
                }
                if (existing.isEmpty()) {
                    Workspace created = newWorkspace(sub, group, name, request, caller);
                    repository.save(Row.of(created));
                    return new Saved(created, true);
                }
                Workspace updated = updated(existing.get(), request, true);
                repository.update(Row.of(updated));
                return new Saved(updated, false);
            });
        } catch (RuntimeException e) {
            if (UniqueViolation.in(e)) {
                throw new ArmException(ArmErrorCode.ConflictError, "The workspace '" + name + "' was created by a concurrent request;"
                        + " retry the request.");
            }
            throw e;
        }
    }

    Workspace update(SubscriptionId sub, ResourceGroupName group, WorkspaceName name, WorkspaceRequest request, Principal caller) {
        return transactions.executeWrite(status -> {
            authorization.require(workspaceScope(sub, group, name), caller, "Microsoft.OperationalInsights/workspaces/write", false);
            Workspace updated = updated(active(sub, group, name, true), request, false);
            repository.update(Row.of(updated));
            return updated;
        });
    }

    Workspace get(SubscriptionId sub, ResourceGroupName group, WorkspaceName name, Principal caller) {
        return transactions.executeRead(status -> {
            authorization.require(workspaceScope(sub, group, name), caller, "Microsoft.OperationalInsights/workspaces/read", false);
            return active(sub, group, name, false);
        });
    }

    /**
     * Soft-deletes the workspace (its link stays, as Azure keeps it for a recovery) or, with {@code force}, deletes
     * it for good, which also ends its link. False when there was none (ARM answers 204).
     */
    boolean delete(SubscriptionId sub, ResourceGroupName group, WorkspaceName name, boolean force, Principal caller) {
        return transactions.executeWrite(status -> {
            if (!authorization.require(workspaceScope(sub, group, name), caller, "Microsoft.OperationalInsights/workspaces/delete", false)) {
                return false;
            }
            Optional<Workspace> found = repository.find(sub.value(), group.value(), name.value(), true);
            if (found.isEmpty() || (found.get().deleted() && !force)) {
                return false;
            }
            Workspace w = found.get();
            if (w.pending() != null) {
                throw new ArmException(ArmErrorCode.ConflictError, IN_PROCESS);
            }
            if (force) {
                purge(w);
            } else {
                Instant now = now();
                repository.update(Row.of(new Workspace(w.customerId(), w.subscriptionId(), w.resourceGroup(), w.name(), w.location(),
                        w.tenantId(), w.sku(), w.retentionInDays(), w.tags(), w.clusterResourceId(), null, w.createdAt(), now, now)));
            }
            return true;
        });
    }

    WorkspacePage list(SubscriptionId sub, @Nullable ResourceGroupName group, int top, @Nullable String afterKey, Principal caller) {
        return transactions.executeRead(status -> {
            if (!authorization.require(Scope.group(sub, group), caller, "Microsoft.OperationalInsights/workspaces/read", false)) {
                return new WorkspacePage(List.of(), null);
            }
            List<Workspace> rows = repository.active(sub.value(), group == null ? null : group.value(), afterKey, top + 1);
            if (rows.size() <= top) {
                return new WorkspacePage(rows, null);
            }
            List<Workspace> items = List.copyOf(rows.subList(0, top));
            Workspace last = items.get(items.size() - 1);
            return new WorkspacePage(items, pageKey(last));
        });
    }

    private static Scope workspaceScope(SubscriptionId sub, ResourceGroupName group, WorkspaceName name) {
        return Scope.of(ArmResourceId.of(sub, group, Workspace.TYPE, name.value()));
    }

    /** Azure checks linkedServices actions on the linked service, below the workspace (so a workspace's role covers it). */
    private static Scope linkScope(SubscriptionId sub, ResourceGroupName group, WorkspaceName name) {
        return workspaceScope(sub, group, name).child("linkedServices", "cluster");
    }

    static String pageKey(Workspace w) {
        return w.resourceGroup().toLowerCase(Locale.ROOT) + "/" + w.name().toLowerCase(Locale.ROOT);
    }

    // --- the cluster link

    /** The workspace with its linked service, for LinkedServices_Get. */
    Workspace linkedService(SubscriptionId sub, ResourceGroupName group, WorkspaceName name, Principal caller) {
        return transactions.executeRead(status -> {
            authorization.require(linkScope(sub, group, name), caller, "Microsoft.OperationalInsights/workspaces/linkedServices/read", false);
            return linkTarget(sub, group, name, false);
        });
    }

    /**
     * Starts linking the workspace to {@code clusterId}; no operation when it is already linked to that cluster
     * (PUT is idempotent). Every refusal is decided here, under the workspace's row lock and the cluster's link lock.
     */
    LinkRequest link(SubscriptionId sub, ResourceGroupName group, WorkspaceName name, ClusterResourceId clusterId, Principal caller) {
        LinkRequest started = transactions.executeWrite(status -> {
            authorization.require(linkScope(sub, group, name), caller, "Microsoft.OperationalInsights/workspaces/linkedServices/write", false);
            Workspace w = linkTarget(sub, group, name, true);
            if (w.pending() != null) {
                throw new ArmException(ArmErrorCode.ConflictError, IN_PROCESS);
            }
            // Linking needs write access to the cluster too: a cluster of another tenant is, to this caller, not there.
            Cluster cluster = clusters.get().find(clusterId.value())
                    .filter(k -> k.tenantId().equalsIgnoreCase(caller.tenantId()))
                    .orElseThrow(() -> new ArmException(ArmErrorCode.BadRequest, CLUSTER_NOT_FOUND, "properties.writeAccessResourceId"));
            Scope clusterScope = Scope.parse(cluster.id()).orElseThrow(() -> new ArmException(ArmErrorCode.BadRequest, CLUSTER_NOT_FOUND,
                    "properties.writeAccessResourceId"));
            authorization.require(clusterScope, caller, "Microsoft.OperationalInsights/clusters/write", false);
            if (w.clusterResourceId() != null) {
                if (w.clusterResourceId().equalsIgnoreCase(cluster.id())) {
                    return new LinkRequest(w, null);
                }
                throw new ArmException(ArmErrorCode.BadRequest, "The workspace '" + w.name() + "' is already linked to cluster '"
                        + w.clusterResourceId() + "'. A workspace that is linked to a cluster cannot be linked to another cluster;"
                        + " unlink it first.", "properties.writeAccessResourceId");
            }
            if (cluster.provisioningState() != Phase.Succeeded) {
                throw new ArmException(ArmErrorCode.BadRequest, "Linking a workspace can be performed only after the completion of"
                        + " the Log Analytics cluster provisioning. The provisioning state of cluster '" + cluster.id() + "' is '"
                        + cluster.provisioningState() + "'; wait for the cluster's operation to complete and try again.",
                        "properties.writeAccessResourceId");
            }
            if (!WorkspaceWire.normalLocation(cluster.location()).equals(WorkspaceWire.normalLocation(w.location()))) {
                throw new ArmException(ArmErrorCode.BadRequest, "Clusters are regional: the workspace '" + w.name() + "' is in '"
                        + w.location() + "' and cluster '" + cluster.id() + "' in '" + cluster.location() + "'. A workspace can be"
                        + " linked only to a cluster in its own region.", "properties.writeAccessResourceId");
            }
            Instant now = now();
            int recent = repository.linkEventsSince(w.customerId(), now.minus(LINK_WINDOW));
            if (recent >= MAX_LINKS_PER_WINDOW) {
                throw new ArmException(ArmErrorCode.BadRequest, "A maximum of two workspace link operations on a particular workspace"
                        + " is allowed in 30 day period, to prevent data fragmentation; workspace '" + w.name() + "' had " + recent
                        + " in the last 30 days. Contact support if you reach the limit.");
            }
            repository.lockCluster(cluster.id());
            int linked = repository.countLinkedOrLinking(cluster.id());
            if (linked >= MAX_WORKSPACES_PER_CLUSTER) {
                throw new ArmException(ArmErrorCode.BadRequest, "A maximum of 1,000 Log Analytics workspaces can be linked to a"
                        + " cluster; cluster '" + cluster.id() + "' has " + linked + " linked or being linked.",
                        "properties.writeAccessResourceId");
            }
            AsyncOperation op = operations.get().start(new NewOperation(Workspace.PROVIDER, normalLocation(w), w.subscriptionId(),
                    w.tenantId(), w.linkedServiceId(), LINK_KIND, OperationStatus.InProgress,
                    payload(new LinkPayload(w.customerId(), w.id(), cluster.id()))));
            Workspace pending = w.withLink(null, new Workspace.Pending(Workspace.LinkKind.LINK, cluster.id(), op.id()), w.sku(), now);
            repository.update(Row.of(pending));
            repository.insertLinkEvent(op.id(), w.customerId(), cluster.id(), now);
            return new LinkRequest(pending, op);
        });
        kick(started);
        return started;
    }

    /** Starts unlinking the workspace from its cluster; no operation when it is not linked (ARM answers 204). */
    LinkRequest unlink(SubscriptionId sub, ResourceGroupName group, WorkspaceName name, Principal caller) {
        LinkRequest started = transactions.executeWrite(status -> {
            authorization.require(linkScope(sub, group, name), caller, "Microsoft.OperationalInsights/workspaces/linkedServices/delete", false);
            Workspace w = linkTarget(sub, group, name, true);
            if (w.pending() != null) {
                throw new ArmException(ArmErrorCode.ConflictError, IN_PROCESS);
            }
            if (w.clusterResourceId() == null) {
                return new LinkRequest(w, null);
            }
            return startUnlink(w, w.clusterResourceId());
        });
        kick(started);
        return started;
    }

    private LinkRequest startUnlink(Workspace w, String clusterId) {
        AsyncOperation op = operations.get().start(new NewOperation(Workspace.PROVIDER, normalLocation(w), w.subscriptionId(),
                w.tenantId(), w.linkedServiceId(), UNLINK_KIND, OperationStatus.Deleting,
                payload(new LinkPayload(w.customerId(), w.id(), clusterId))));
        Workspace pending = w.withLink(clusterId, new Workspace.Pending(Workspace.LinkKind.UNLINK, clusterId, op.id()), w.sku(), now());
        repository.update(Row.of(pending));
        return new LinkRequest(pending, op);
    }

    /** The one step of a link: the workspace takes the cluster, and the cluster learns of it, in one transaction. */
    StepResult completeLink(AsyncOperation op) {
        LinkPayload p = payload(op);
        Optional<Workspace> found = repository.find(p.customerId(), true);
        if (found.isEmpty()) {
            return new StepResult.Failed(ArmErrorCode.ResourceNotFound, WORKSPACE_NOT_FOUND);
        }
        Workspace w = found.get();
        if (!isPendingFor(w, op)) {
            // Already finished by this operation (a re-run can only find its own result) or superseded.
            return p.clusterResourceId().equalsIgnoreCase(w.clusterResourceId()) ? new StepResult.Succeeded(null)
                    : new StepResult.Failed(ArmErrorCode.ConflictError, IN_PROCESS);
        }
        Optional<Cluster> cluster = clusters.get().find(p.clusterResourceId());
        if (cluster.isEmpty()) {
            // The cluster was deleted while the link ran: the link did not happen and does not count against the limit.
            repository.update(Row.of(w.withLink(null, null, w.sku(), now())));
            repository.deleteLinkEvent(op.id());
            return new StepResult.Failed(ArmErrorCode.BadRequest, CLUSTER_NOT_FOUND);
        }
        repository.update(Row.of(w.withLink(cluster.get().id(), null, w.sku(), now())));
        clusters.get().workspaceLinked(cluster.get().id(), w.id(), w.customerId());
        return new StepResult.Succeeded(null);
    }

    /** The one step of an unlink; an unlinked workspace goes back to pay-as-you-go (PerGB2018), as in Azure. */
    StepResult completeUnlink(AsyncOperation op) {
        LinkPayload p = payload(op);
        Optional<Workspace> found = repository.find(p.customerId(), true);
        if (found.isEmpty()) {
            return new StepResult.Succeeded(null); // deleted for good meanwhile, which ended its link
        }
        Workspace w = found.get();
        if (!isPendingFor(w, op)) {
            return w.clusterResourceId() == null ? new StepResult.Succeeded(null)
                    : new StepResult.Failed(ArmErrorCode.ConflictError, IN_PROCESS);
        }
        String cluster = w.clusterResourceId();
        repository.update(Row.of(w.withLink(null, null, cluster == null ? w.sku() : WorkspaceWire.DEFAULT_SKU, now())));
        if (cluster != null) {
            clusters.get().workspaceUnlinked(cluster, w.id());
        }
        return new StepResult.Succeeded(null);
    }

    // --- rules

    private Workspace newWorkspace(SubscriptionId sub, ResourceGroupName group, WorkspaceName name, WorkspaceRequest r, Principal caller) {
        if (r.location() == null || r.location().isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'location' property is required.", "location");
        }
        if (WorkspaceWire.CLUSTER_SKU.equals(r.sku())) {
            throw notLinkedSku(name.value());
        }
        int retention = r.retentionInDays() == null ? DEFAULT_RETENTION_DAYS : requireRetention(r.retentionInDays());
        Instant now = now();
        return new Workspace(UUID.randomUUID(), sub.value(), group.value(), name.value(), r.location(), caller.tenantId(),
                r.sku() == null ? WorkspaceWire.DEFAULT_SKU : r.sku(), retention, r.tags() == null ? Map.of() : r.tags(), null, null,
                now, now, null);
    }

    /**
     * A PUT ({@code replace}) or PATCH of an active workspace: what is not given stays, except tags on PUT. The
     * location is fixed; while linked the pricing tier is the cluster's (LACluster) and a request may only repeat it.
     */
    private Workspace updated(Workspace w, WorkspaceRequest r, boolean replace) {
        if (r.location() != null && !WorkspaceWire.normalLocation(r.location()).equals(WorkspaceWire.normalLocation(w.location()))) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The location of workspace '" + w.name() + "' is '" + w.location()
                    + "' and cannot be changed to '" + r.location() + "'.", "location");
        }
        if (replace && (r.location() == null || r.location().isBlank())) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'location' property is required.", "location");
        }
        String sku = w.sku();
        if (r.sku() != null) {
            boolean linked = w.clusterResourceId() != null;
            boolean clusterSku = WorkspaceWire.CLUSTER_SKU.equals(r.sku());
            if (linked && !clusterSku) {
                throw new ArmException(ArmErrorCode.BadRequest, "The workspace '" + w.name() + "' is linked to cluster '"
                        + w.clusterResourceId() + "' and its pricing tier is LACluster while linked; remove 'sku' from the request"
                        + " or unlink the workspace first.", "properties.sku.name");
            }
            if (!linked && clusterSku) {
                throw notLinkedSku(w.name());
            }
            sku = clusterSku ? w.sku() : r.sku();
        }
        int retention = r.retentionInDays() == null ? w.retentionInDays() : requireRetention(r.retentionInDays());
        Map<String, String> tags = r.tags() == null ? (replace ? Map.of() : w.tags()) : r.tags();
        return new Workspace(w.customerId(), w.subscriptionId(), w.resourceGroup(), w.name(), w.location(), w.tenantId(), sku,
                retention, tags, w.clusterResourceId(), w.pending(), w.createdAt(), now(), w.deletedAt());
    }

    /** Azure's recovery: a PUT of a soft-deleted workspace's name, in its location, brings it back as it was. */
    private Workspace recover(Workspace gone, WorkspaceRequest r, Principal caller) {
        if (r.location() == null || !WorkspaceWire.normalLocation(r.location()).equals(WorkspaceWire.normalLocation(gone.location()))) {
            throw new ArmException(ArmErrorCode.ConflictError, "The workspace name '" + gone.name() + "' is reserved: a workspace of"
                    + " that name in location '" + gone.location() + "' was deleted on " + gone.deletedAt() + " and can be recovered"
                    + " until " + gone.deletedAt().plus(SOFT_DELETE_PERIOD) + " by creating it again in the same location.");
        }
        if (!gone.tenantId().equalsIgnoreCase(caller.tenantId())) {
            throw new ArmException(ArmErrorCode.ConflictError, "The workspace name '" + gone.name() + "' is reserved.");
        }
        Workspace restored = new Workspace(gone.customerId(), gone.subscriptionId(), gone.resourceGroup(), gone.name(), gone.location(),
                gone.tenantId(), gone.sku(), gone.retentionInDays(), gone.tags(), gone.clusterResourceId(), null, gone.createdAt(),
                now(), null);
        Workspace updated = updated(restored, r, true);
        repository.update(Row.of(updated));
        return updated;
    }

    /** Removes the row for good; a link ends with it (the cluster is told in the same transaction). */
    private void purge(Workspace w) {
        if (w.clusterResourceId() != null) {
            clusters.get().workspaceUnlinked(w.clusterResourceId(), w.id());
        }
        repository.deleteById(w.customerId());
    }

    private static int requireRetention(int days) {
        if (days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The retention period of " + days + " days is invalid; a workspace's"
                    + " retentionInDays must be between " + MIN_RETENTION_DAYS + " and " + MAX_RETENTION_DAYS + " days.",
                    "properties.retentionInDays");
        }
        return days;
    }

    private static ArmException notLinkedSku(String name) {
        return new ArmException(ArmErrorCode.BadRequest, "The pricing tier 'LACluster' is set by linking workspace '" + name
                + "' to a cluster (PUT .../linkedServices/cluster); it cannot be chosen directly.", "properties.sku.name");
    }

    private Workspace active(SubscriptionId sub, ResourceGroupName group, WorkspaceName name, boolean forUpdate) {
        return repository.find(sub.value(), group.value(), name.value(), forUpdate).filter(w -> !w.deleted())
                .orElseThrow(() -> new ArmException(ArmErrorCode.ResourceNotFound, "The Resource '" + Workspace.TYPE + "/" + name
                        + "' under resource group '" + group + "' was not found."));
    }

    /** The workspace a link, unlink or linked-service read is about: 404 with the documented message when absent. */
    private Workspace linkTarget(SubscriptionId sub, ResourceGroupName group, WorkspaceName name, boolean forUpdate) {
        return repository.find(sub.value(), group.value(), name.value(), forUpdate).filter(w -> !w.deleted())
                .orElseThrow(() -> new ArmException(ArmErrorCode.ResourceNotFound, WORKSPACE_NOT_FOUND));
    }

    private static boolean isPendingFor(Workspace w, AsyncOperation op) {
        return w.pending() != null && w.pending().operationId().equals(op.id());
    }

    private static String normalLocation(Workspace w) {
        return WorkspaceWire.normalLocation(w.location());
    }

    private void kick(LinkRequest started) {
        if (started.operation() != null) {
            operations.get().kick(started.operation().id());
        }
    }

    private String payload(LinkPayload p) {
        try {
            return json.writeValueAsString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private LinkPayload payload(AsyncOperation op) {
        try {
            return json.readValue(op.payloadJson(), Argument.of(LinkPayload.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Microseconds: what timestamptz keeps, so a returned workspace equals the row read back. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
