package io.keyward.app.clusters;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.cmk.CustomerKey;
import io.keyward.app.engine.KeyUpdate;
import io.keyward.app.engine.KeyedResources;
import io.keyward.app.engine.Phase;
import io.keyward.app.engine.Resource;
import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The clusters of the resource provider on the engine: creation (synchronous), updates (a given key starts the engine's
 * key update), soft delete and recovery, and the rules and messages of Azure Monitor's CMK and dedicated-cluster docs
 * that need no vault. Workspaces link to clusters through {@link ClusterService}.
 */
@Singleton
class ClusterCatalog implements ClusterService {

    static final String NO_IDENTITY = "Identity is null or empty. Set Identity with systemAssigned type.";
    static final String KEY_ON_CREATE = "KeyVaultProperties are set on creation. Update KeyVaultProperties after cluster creation.";
    static final String CAPACITY_LOCKED = "Capacity is locked for 30 days. Decreasing capacity is permitted 30 days after update.";

    private final KeyedResources engine;
    private final ClusterSurface surface;
    private final ClusterWorkspaceRepository links;
    private final ClustersProperties properties;

    ClusterCatalog(KeyedResources engine, ClusterSurface surface, ClusterWorkspaceRepository links, ClustersProperties properties) {
        this.engine = engine;
        this.surface = surface;
        this.links = links;
        this.properties = properties;
    }

    /** A cluster with the workspaces linked to it. */
    record Stored(Resource<ClusterProperties> resource, List<ClusterWorkspaceRepository.Link> workspaces) {
    }

    // --- ClusterService

    @Override
    public Optional<Cluster> find(String clusterResourceId) {
        return id(clusterResourceId).flatMap(id -> engine.find(surface, id)).map(ClusterCatalog::view);
    }

    @Override
    public void workspaceLinked(String clusterResourceId, String workspaceResourceId) {
        id(clusterResourceId).flatMap(id -> engine.find(surface, id))
                .ifPresent(c -> links.link(c.uuid(), workspaceResourceId, engine.now()));
    }

    @Override
    public void workspaceUnlinked(String clusterResourceId, String workspaceResourceId) {
        // soft-deleted clusters too: their delete unlinks their workspaces asynchronously
        id(clusterResourceId).flatMap(id -> engine.findByName(surface, id)).ifPresent(c -> links.unlink(c.uuid(), workspaceResourceId));
    }

    @Override
    public int linkedWorkspaceCount(String clusterResourceId) {
        return id(clusterResourceId).flatMap(id -> engine.findByName(surface, id)).map(c -> links.countLinks(c.uuid())).orElse(0);
    }

    @Override
    public List<UUID> claimExpiredDeleted(Duration grace, int limit) {
        return engine.claimExpiredDeleted(surface, grace, limit);
    }

    @Override
    public boolean purgeDeleted(UUID clusterId, Duration grace) {
        return engine.purgeDeleted(surface, clusterId, grace);
    }

    // --- management operations

    KeyedResources.Saved<ClusterProperties> createOrUpdate(ArmResourceId id, ClusterWire.ClusterBody body, Principal caller) {
        return engine.put(surface, id, caller, "Microsoft.OperationalInsights/clusters/write", new KeyedResources.Put<>() {
            @Override
            public KeyedResources.Created<ClusterProperties> create(KeyedResources.Creation c) {
                return new KeyedResources.Created<>(newCluster(c, body), null);
            }

            @Override
            public KeyedResources.Change<ClusterProperties> change(Resource<ClusterProperties> current) {
                return ClusterCatalog.this.change(current, body, true);
            }
        });
    }

    KeyedResources.Saved<ClusterProperties> update(ArmResourceId id, ClusterWire.ClusterBody body, Principal caller) {
        return engine.update(surface, id, caller, "Microsoft.OperationalInsights/clusters/write", current -> change(current, body, false));
    }

    Stored get(ArmResourceId id, Principal caller) {
        return stored(engine.get(surface, id, caller, "Microsoft.OperationalInsights/clusters/read"));
    }

    KeyedResources.Page<ClusterProperties> list(SubscriptionId sub, @Nullable ResourceGroupName group, int top, @Nullable UUID after,
                                                Principal caller) {
        return engine.list(surface, sub, group, caller, "Microsoft.OperationalInsights/clusters/read", after, top);
    }

    Stored stored(Resource<ClusterProperties> cluster) {
        return new Stored(cluster, links.linksOf(cluster.uuid()));
    }

    /**
     * Soft delete: the cluster disappears from GET and lists, its name stays reserved for 14 days, and every linked
     * workspace gets an async unlink (the workspaces capability listens). False when there was none (204).
     */
    boolean delete(ArmResourceId id, Principal caller) {
        return engine.delete(surface, id, caller, "Microsoft.OperationalInsights/clusters/delete").existed();
    }

    /**
     * Keyward's recovery of a soft-deleted cluster (Azure makes this a support call): the cluster comes back as it was,
     * with its identity and its wrapped AEK, but without workspaces (deletion unlinked them; link them again).
     */
    Stored recover(ArmResourceId id, Principal caller) {
        return stored(engine.recover(surface, id, caller, "Microsoft.OperationalInsights/clusters/write",
                deleted -> requireRegionRoom(deleted.id().subscription(), deleted.location()),
                new ArmException(ArmErrorCode.ConflictError, "The cluster '" + id.name() + "' is not deleted; there is nothing to recover.",
                        "clusterName"),
                new ArmException(ArmErrorCode.ResourceNotFound, "No deleted cluster named '" + id.name() + "' can be recovered in resource"
                        + " group '" + id.resourceGroup() + "': deleted clusters are kept 14 days.")));
    }

    // --- rules

    private Resource<ClusterProperties> newCluster(KeyedResources.Creation c, ClusterWire.ClusterBody body) {
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
        requireRegionRoom(c.id().subscription(), body.location());
        return Resource.create(c.uuid(), c.id(), body.location(), c.tenantId(), c.newIdentity(),
                new ClusterProperties(capacity, billing, c.now(), null), body.tags() == null ? Map.of() : body.tags(), c.now());
    }

    /** A PUT ({@code replace}) or PATCH of an active cluster; a given key starts the async key update. */
    private KeyedResources.Change<ClusterProperties> change(Resource<ClusterProperties> current, ClusterWire.ClusterBody body,
                                                            boolean replace) {
        if (replace || body.identity() != null) {
            requireSystemAssigned(body.identity());
        }
        if (body.location() != null && !KeyedResources.normalLocation(body.location()).equals(KeyedResources.normalLocation(current.location()))) {
            throw new ArmException(ArmErrorCode.BadRequest, "The location of cluster '" + current.name() + "' is '" + current.location()
                    + "' and cannot be changed to '" + body.location() + "'.", "location");
        }
        ClusterProperties p = current.properties();
        Long capacity = ClusterCapacity.of(body.sku(), replace);
        Instant now = engine.now();
        Instant lastSkuUpdate = p.lastSkuUpdate();
        long newCapacity = p.capacity();
        if (capacity != null && capacity != p.capacity()) {
            if (capacity < p.capacity() && now.isBefore(p.lastSkuUpdate().plus(properties.capacityDecreaseLock()))) {
                throw new ArmException(ArmErrorCode.BadRequest, CAPACITY_LOCKED, "sku.capacity");
            }
            newCapacity = capacity;
            lastSkuUpdate = now;
        }
        ClusterWire.PropertiesIn in = body.properties();
        BillingType billing = in == null || in.billingType() == null ? p.billingType() : BillingType.parse(in.billingType());
        KeyUpdate update = null;
        if (in != null && in.keyVaultProperties() != null) {
            ClusterWire.KeyVault k = in.keyVaultProperties();
            KeyVaultProperties key = KeyVaultProperties.parse(k.keyVaultUri(), k.keyName(), k.keyVersion(), k.keyRsaSize());
            CustomerKey wanted = new CustomerKey(key.keyVaultUri(), key.keyName(), key.keyVersion());
            // a PUT repeating the key it already has changes nothing
            if (!(replace && wanted.equals(current.key()) && java.util.Objects.equals(key.keyRsaSize(), p.keyRsaSize()))) {
                update = KeyUpdate.of(current.uuid(), wanted, key.keyRsaSize());
            }
        }
        Resource<ClusterProperties> next = current.withTags(body.tags())
                .withProperties(new ClusterProperties(newCapacity, billing, lastSkuUpdate, p.keyRsaSize()));
        return new KeyedResources.Change<>(next, update);
    }

    private void requireRegionRoom(SubscriptionId sub, String location) {
        if (engine.countActiveIn(surface, sub, location) >= properties.maxPerRegion()) {
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

    static ClusterProvisioningState state(Phase phase) {
        return ClusterProvisioningState.valueOf(phase.name());
    }

    private static Cluster view(Resource<ClusterProperties> c) {
        return new Cluster(c.id().toString(), c.id().subscriptionId(), c.id().resourceGroup(), c.name(), c.location(), c.tenantId(),
                c.principalId().toString(), c.uuid().toString(), state(c.phase()), c.key() != null, c.createdAt(), c.updatedAt());
    }

    private static Optional<ArmResourceId> id(@Nullable String clusterResourceId) {
        return ArmResourceId.parse(clusterResourceId, Cluster.TYPE);
    }
}
