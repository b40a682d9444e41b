package io.keyward.app.clusters;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.AsyncOperations;
import io.keyward.app.arm.NewOperation;
import io.keyward.app.arm.OperationStatus;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.StoreException;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.keyward.app.vault.VaultService;
import io.keyward.app.workspaces.WorkspaceService;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clusters of the resource provider: create, update (the key update is an async operation), soft delete,
 * recover, and the rules and messages of Azure Monitor's CMK and dedicated-cluster docs. Expected refusals are
 * {@link ArmException}s; tenant isolation is the vault capability's subscription rule.
 */
@Singleton
class ClusterCatalog implements ClusterService {

    static final String NOT_NOW_CREATE = "Operation cannot be executed now. Async operation is in a state other than succeeded."
            + " Cluster must complete its operation before any update operation is performed.";
    static final String NOT_NOW_UPDATE = "Operation cannot be executed now. Wait for the Async operation to complete and try again.";
    static final String DELETE_WHILE_PROVISIONING = "Can't delete a cluster while in provisioning state. Wait for the Async"
            + " operation to complete and try again.";
    static final String NO_IDENTITY = "Identity is null or empty. Set Identity with systemAssigned type.";
    static final String KEY_ON_CREATE = "KeyVaultProperties are set on creation. Update KeyVaultProperties after cluster creation.";
    static final String CAPACITY_LOCKED = "Capacity is locked for 30 days. Decreasing capacity is permitted 30 days after update.";
    private static final Pattern RESOURCE_ID = Pattern.compile(
            "^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.OperationalInsights/clusters/([^/]+)/?$",
            Pattern.CASE_INSENSITIVE);
    private static final Logger LOG = LoggerFactory.getLogger(ClusterCatalog.class);

    private final ClusterRepository repository;
    private final VaultService vaults;
    private final IdentityService identities;
    private final AsyncOperations operations;
    private final Provider<WorkspaceService> workspaces;
    private final ClustersProperties properties;
    private final JsonMapper json;
    private final CmkKeys cmk;
    private final Clock clock = Clock.systemUTC();

    ClusterCatalog(ClusterRepository repository, VaultService vaults, IdentityService identities, AsyncOperations operations,
                   Provider<WorkspaceService> workspaces, ClustersProperties properties, JsonMapper json,
                   CmkKeys cmk) {
        this.cmk = cmk;
        this.repository = repository;
        this.vaults = vaults;
        this.identities = identities;
        this.operations = operations;
        this.workspaces = workspaces;
        this.properties = properties;
        this.json = json;
    }

    /** A PUT or PATCH: the cluster after it, whether it was created (201), and the key update it started, if any. */
    record Saved(StoredCluster cluster, boolean created, @Nullable AsyncOperation keyUpdate) {
    }

    record Page(List<StoredCluster> items, @Nullable UUID last) {
    }

    // --- ClusterService

    @Override
    public Optional<Cluster> find(String clusterResourceId) {
        return parseId(clusterResourceId).flatMap(id -> repository.read(c -> repository.find(c, id.sub(), id.group(), id.name(), false)))
                .filter(s -> !s.deleted()).map(StoredCluster::view);
    }

    @Override
    public void workspaceLinked(Connection tx, String clusterResourceId, String workspaceResourceId) {
        sql(() -> {
            Optional<StoredCluster> cluster = byId(tx, clusterResourceId);
            if (cluster.isPresent() && !cluster.get().deleted()) {
                repository.link(tx, cluster.get().clusterId(), workspaceResourceId, now());
            }
        });
    }

    @Override
    public void workspaceUnlinked(Connection tx, String clusterResourceId, String workspaceResourceId) {
        sql(() -> {
            Optional<StoredCluster> cluster = byId(tx, clusterResourceId);
            if (cluster.isPresent()) {
                repository.unlink(tx, cluster.get().clusterId(), workspaceResourceId);
            }
        });
    }

    @Override
    public int linkedWorkspaceCount(String clusterResourceId) {
        return repository.read(c -> {
            Optional<StoredCluster> cluster = byId(c, clusterResourceId);
            return cluster.isEmpty() ? 0 : repository.linkCount(c, cluster.get().clusterId());
        });
    }

    @Override
    public List<UUID> claimExpiredDeleted(Connection tx, Duration grace, int limit) {
        try {
            return repository.claimExpiredDeleted(tx, grace, limit);
        } catch (SQLException e) {
            throw new StoreException("cluster", e);
        }
    }

    @Override
    public boolean purgeDeleted(Connection tx, UUID clusterId, Duration grace) {
        try {
            Optional<StoredCluster> expired = repository.findExpiredDeleted(tx, clusterId, grace);
            if (expired.isEmpty()) {
                return false;
            }
            purge(tx, expired.get());
            return true;
        } catch (SQLException e) {
            throw new StoreException("cluster", e);
        }
    }

    // --- management operations

    Saved createOrUpdate(SubscriptionId sub, ResourceGroupName group, ClusterName name, ClusterWire.ClusterBody body, Principal caller) {
        Saved saved;
        try {
            saved = repository.inTransaction(c -> {
                vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.OperationalInsights/clusters/write", true);
                repository.lockSubscription(c, sub.value());
                Optional<StoredCluster> existing = repository.find(c, sub.value(), group.value(), name.value(), true);
                if (existing.isPresent() && existing.get().deleted() && !now().isBefore(existing.get().scheduledPurgeAt())) {
                    purge(c, existing.get());
                    existing = Optional.empty();
                }
                if (existing.isEmpty()) {
                    return new Saved(create(c, sub, group, name, body, caller), true, null);
                }
                StoredCluster current = existing.get();
                if (current.deleted()) {
                    throw new ArmException(ArmErrorCode.ConflictError, "A cluster named '" + name.value() + "' was deleted on "
                            + current.deletedAt() + " and its name stays reserved until " + current.scheduledPurgeAt()
                            + ": deleted cluster names are kept 14 days for recovery. Recover it (POST " + current.id()
                            + "/recover) or create the cluster under another name.", "clusterName");
                }
                if (busy(current)) {
                    throw new ArmException(ArmErrorCode.BadRequest, NOT_NOW_CREATE);
                }
                return change(c, current, body, true);
            });
        } catch (StoreException e) {
            if (e.uniqueViolation()) {
                throw new ArmException(ArmErrorCode.ConflictError, "A cluster named '" + name.value() + "' is being created by another"
                        + " request.", "clusterName");
            }
            throw e;
        }
        kick(saved);
        return saved;
    }

    Saved update(SubscriptionId sub, ResourceGroupName group, ClusterName name, ClusterWire.ClusterBody body, Principal caller) {
        Saved saved = repository.inTransaction(c -> {
            vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.OperationalInsights/clusters/write", false);
            StoredCluster current = active(c, sub, group, name, true);
            if (busy(current)) {
                throw new ArmException(ArmErrorCode.BadRequest, NOT_NOW_UPDATE);
            }
            return change(c, current, body, false);
        });
        kick(saved);
        return saved;
    }

    StoredCluster get(SubscriptionId sub, ResourceGroupName group, ClusterName name, Principal caller) {
        return repository.read(c -> {
            vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.OperationalInsights/clusters/read", false);
            return active(c, sub, group, name, false);
        });
    }

    Page list(SubscriptionId sub, @Nullable ResourceGroupName group, int top, @Nullable UUID after, Principal caller) {
        return repository.read(c -> {
            if (!vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.OperationalInsights/clusters/read", false)) {
                return new Page(List.of(), null);
            }
            List<StoredCluster> rows = repository.listActive(c, sub.value(), group == null ? null : group.value(), after, top + 1);
            if (rows.size() <= top) {
                return new Page(rows, null);
            }
            List<StoredCluster> items = List.copyOf(rows.subList(0, top));
            return new Page(items, items.get(items.size() - 1).clusterId());
        });
    }

    /**
     * Soft delete: the cluster disappears from GET and lists, its name stays reserved for 14 days, and every linked
     * workspace gets an async unlink (the workspaces capability's operations). False when there was none (204).
     */
    boolean delete(SubscriptionId sub, ResourceGroupName group, ClusterName name, Principal caller) {
        return repository.inTransaction(c -> {
            vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.OperationalInsights/clusters/delete", false);
            Optional<StoredCluster> found = repository.find(c, sub.value(), group.value(), name.value(), true).filter(s -> !s.deleted());
            if (found.isEmpty()) {
                return false;
            }
            StoredCluster current = found.get();
            if (busy(current)) {
                throw new ArmException(ArmErrorCode.ConflictError, DELETE_WHILE_PROVISIONING);
            }
            Instant now = now();
            repository.update(c, current.deletedAt(now, now.plus(properties.softDeleteRetention()), now));
            cmk.setActive(c, current.clusterId(), false);
            workspaces.get().unlinkAllFrom(c, current.id());
            LOG.info("cluster {} soft-deleted; its name is reserved until {}", current.id(), now.plus(properties.softDeleteRetention()));
            return true;
        });
    }

    /**
     * Keyward's recovery of a soft-deleted cluster (Azure makes this a support call): the cluster comes back as it was,
     * with its identity and its wrapped AEK, but without workspaces (deletion unlinked them; link them again).
     */
    StoredCluster recover(SubscriptionId sub, ResourceGroupName group, ClusterName name, Principal caller) {
        return repository.inTransaction(c -> {
            vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.OperationalInsights/clusters/write", false);
            repository.lockSubscription(c, sub.value());
            Optional<StoredCluster> found = repository.find(c, sub.value(), group.value(), name.value(), true);
            if (found.isPresent() && !found.get().deleted()) {
                throw new ArmException(ArmErrorCode.ConflictError, "The cluster '" + name.value() + "' is not deleted; there is nothing"
                        + " to recover.", "clusterName");
            }
            StoredCluster deleted = found.filter(s -> now().isBefore(s.scheduledPurgeAt()))
                    .orElseThrow(() -> new ArmException(ArmErrorCode.ResourceNotFound, "No deleted cluster named '" + name.value()
                            + "' can be recovered in resource group '" + group + "': deleted clusters are kept 14 days."));
            requireRegionRoom(c, sub, deleted.location());
            StoredCluster recovered = deleted.deletedAt(null, null, now());
            repository.update(c, recovered);
            cmk.setActive(c, recovered.clusterId(), true);
            return recovered;
        });
    }

    // --- rules

    private StoredCluster create(Connection c, SubscriptionId sub, ResourceGroupName group, ClusterName name, ClusterWire.ClusterBody body,
                                 Principal caller) throws SQLException {
        requireSystemAssigned(body.identity());
        if (body.properties() != null && body.properties().keyVaultProperties() != null) {
            throw new ArmException(ArmErrorCode.BadRequest, KEY_ON_CREATE, "properties.keyVaultProperties");
        }
        Long capacity = ClusterCapacity.of(body.sku(), true);
        BillingType billing = body.properties() == null || body.properties().billingType() == null ? BillingType.Cluster
                : BillingType.parse(body.properties().billingType());
        if (body.location() == null || body.location().isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'location' property is required.", "location");
        }
        requireRegionRoom(c, sub, body.location());
        // The system-assigned identity: a managed-identity principal of the caller's tenant, so that a vault access
        // policy can name its object id, and Keyward can call the vault as it.
        Principal identity = identities.createPrincipal(caller.tenantId(), PrincipalType.MANAGED_IDENTITY, name.value());
        Instant now = now();
        StoredCluster created = new StoredCluster(UUID.randomUUID(), sub.value(), group.value(), name.value(), body.location(),
                caller.tenantId(), UUID.fromString(identity.objectId()), capacity, billing, ClusterProvisioningState.Succeeded, null,
                body.tags() == null ? Map.of() : body.tags(), now, now, now, null, null, List.of());
        repository.insert(c, created);
        LOG.info("cluster {} created with identity {}", created.id(), identity.objectId());
        return created;
    }

    /** A PUT ({@code replace}) or PATCH of an active cluster; a given key starts the async key update. */
    private Saved change(Connection c, StoredCluster current, ClusterWire.ClusterBody body, boolean replace) throws SQLException {
        if (replace || body.identity() != null) {
            requireSystemAssigned(body.identity());
        }
        if (body.location() != null && !normalLocation(body.location()).equals(normalLocation(current.location()))) {
            throw new ArmException(ArmErrorCode.BadRequest, "The location of cluster '" + current.name() + "' is '" + current.location()
                    + "' and cannot be changed to '" + body.location() + "'.", "location");
        }
        Long capacity = ClusterCapacity.of(body.sku(), replace);
        Instant now = now();
        Instant lastSkuUpdate = current.lastSkuUpdate();
        long newCapacity = current.capacity();
        if (capacity != null && capacity != current.capacity()) {
            if (capacity < current.capacity() && now.isBefore(current.lastSkuUpdate().plus(properties.capacityDecreaseLock()))) {
                throw new ArmException(ArmErrorCode.BadRequest, CAPACITY_LOCKED, "sku.capacity");
            }
            newCapacity = capacity;
            lastSkuUpdate = now;
        }
        ClusterWire.PropertiesIn p = body.properties();
        BillingType billing = p == null || p.billingType() == null ? current.billingType() : BillingType.parse(p.billingType());
        Map<String, String> tags = body.tags() == null ? current.tags() : body.tags();
        KeyVaultProperties key = null;
        if (p != null && p.keyVaultProperties() != null) {
            ClusterWire.KeyVault k = p.keyVaultProperties();
            key = KeyVaultProperties.parse(k.keyVaultUri(), k.keyName(), k.keyVersion(), k.keyRsaSize());
            if (replace && key.equals(current.key())) {
                key = null; // a PUT repeating the key it already has changes nothing
            }
        }
        ClusterProvisioningState state = key == null ? current.state() : ClusterProvisioningState.Updating;
        StoredCluster updated = current.with(newCapacity, billing, tags, state, current.key(), now, lastSkuUpdate);
        repository.update(c, updated);
        AsyncOperation op = null;
        if (key != null) {
            op = operations.start(c, new NewOperation(Cluster.PROVIDER, normalLocation(current.location()), current.subscriptionId(),
                    current.tenantId(), current.id(), KeyUpdateHandler.KIND, OperationStatus.Updating, write(key)));
            LOG.info("cluster {}: key update {} started for {} key '{}'", current.id(), op.id(), key.keyVaultUri(), key.keyName());
        }
        return new Saved(updated, false, op);
    }

    private void kick(Saved saved) {
        if (saved.keyUpdate() != null) {
            operations.kick(saved.keyUpdate().id());
        }
    }

    /** Azure refuses changes while the cluster provisions or an async operation on it runs. */
    private boolean busy(StoredCluster cluster) {
        return cluster.state().busy() || operations.hasActive(cluster.id());
    }

    private void requireRegionRoom(Connection c, SubscriptionId sub, String location) throws SQLException {
        if (repository.countActive(c, sub.value(), normalLocation(location)) >= properties.maxPerRegion()) {
            throw new ArmException(ArmErrorCode.BadRequest, "The maximum number of clusters per region and subscription is "
                    + properties.maxPerRegion() + ". Subscription '" + sub + "' already has " + properties.maxPerRegion()
                    + " clusters in '" + location + "'.", "location");
        }
    }

    private static void requireSystemAssigned(@Nullable ClusterWire.Identity identity) {
        if (identity == null || identity.type() == null || !identity.type().equalsIgnoreCase("SystemAssigned")) {
            throw new ArmException(ArmErrorCode.BadRequest, NO_IDENTITY, "identity");
        }
    }

    private StoredCluster active(Connection c, SubscriptionId sub, ResourceGroupName group, ClusterName name, boolean forUpdate)
            throws SQLException {
        return repository.find(c, sub.value(), group.value(), name.value(), forUpdate).filter(s -> !s.deleted())
                .orElseThrow(() -> new ArmException(ArmErrorCode.ResourceNotFound, "Cluster not found, the cluster might have been"
                        + " deleted. The Resource '" + Cluster.TYPE + "/" + name.value() + "' under resource group '" + group
                        + "' was not found."));
    }

    private void purge(Connection c, StoredCluster expired) throws SQLException {
        cmk.shred(c, expired.clusterId()); // the wrapped AEK first: nothing sealed under it can be opened again
        repository.delete(c, expired.clusterId());
        LOG.info("cluster {} purged: deleted on {}, retention over", expired.id(), expired.deletedAt());
    }

    private Optional<StoredCluster> byId(Connection c, String clusterResourceId) throws SQLException {
        Optional<ParsedId> id = parseId(clusterResourceId);
        return id.isEmpty() ? Optional.empty() : repository.find(c, id.get().sub(), id.get().group(), id.get().name(), false);
    }

    record ParsedId(String sub, String group, String name) {
    }

    static Optional<ParsedId> parseId(@Nullable String resourceId) {
        Matcher m = resourceId == null ? null : RESOURCE_ID.matcher(resourceId);
        return m == null || !m.matches() ? Optional.empty()
                : Optional.of(new ParsedId(m.group(1).toLowerCase(Locale.ROOT), m.group(2), m.group(3)));
    }

    /** ARM compares locations without case and spaces: "West Europe" is "westeurope". */
    static String normalLocation(String location) {
        return CmkKeys.normalLocation(location);
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    private interface SqlAction {
        void run() throws SQLException;
    }

    private static void sql(SqlAction action) {
        try {
            action.run();
        } catch (SQLException e) {
            throw new StoreException("cluster", e);
        }
    }

    /** Microseconds: what timestamptz keeps, so a returned cluster equals the row read back. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
