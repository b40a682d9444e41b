package io.keyward.app.clusters;

import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.KnownMembers;
import io.keyward.app.arm.StepResult;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.CustomerKey;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.cmk.Refusal;
import io.keyward.app.engine.KeyUpdate;
import io.keyward.app.engine.ManagedIdentity;
import io.keyward.app.engine.KeyedResources;
import io.keyward.app.engine.Phase;
import io.keyward.app.engine.Resource;
import io.keyward.app.engine.ResourceHttp;
import io.keyward.app.engine.Surface;
import io.keyward.app.engine.TrackedResource;
import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Log Analytics dedicated clusters on the engine, with the rules and messages of Azure Monitor's CMK and dedicated-cluster
 * docs: creation is synchronous and needs a system-assigned identity; a key given to an update starts the engine's key
 * update (RSA 2048, 3072 or 4096 of at least {@code keyRsaSize}, the vault in the cluster's region); deleted names are
 * kept 14 days and can be recovered; at most {@code keyward.clusters.max-per-region} per region and subscription.
 * Workspaces link to clusters through {@link ClusterService}.
 */
@Singleton
class Clusters implements Surface<ClusterProperties>, ClusterService {

    static final String NOT_NOW_CREATE = "Operation cannot be executed now. Async operation is in a state other than succeeded."
            + " Cluster must complete its operation before any update operation is performed.";
    static final String NOT_NOW_UPDATE = "Operation cannot be executed now. Wait for the Async operation to complete and try again.";
    static final String DELETE_WHILE_PROVISIONING = "Can't delete a cluster while in provisioning state. Wait for the Async"
            + " operation to complete and try again.";
    static final String FAILED_TO_VALIDATE = "Failed to validate key in Key Vault. Could be due to lack of permissions or when key"
            + " doesn't exist. Verify that you set key and Access Policy in Key Vault.";
    static final String NOT_RECOVERABLE = "Key is not recoverable. Key Vault must be set to Soft-delete and Purge-protection. See"
            + " Key Vault documentation.";
    static final String NO_IDENTITY = "Identity is null or empty. Set Identity with systemAssigned type.";
    /** The docs' limitation: "Cluster update shouldn't include both identity and key identifier details in the same operation." */
    static final String IDENTITY_AND_KEY = "Cluster update shouldn't include both identity and key identifier details in the same"
            + " operation. In case you need to update both, the update should be in two consecutive operations.";
    static final String KEY_ON_CREATE = "KeyVaultProperties are set on creation. Update KeyVaultProperties after cluster creation.";
    static final String CAPACITY_LOCKED = "Capacity is locked for 30 days. Decreasing capacity is permitted 30 days after update.";
    private static final String WRITE = "Microsoft.OperationalInsights/clusters/write";
    private static final String CLUSTERS = "Log Analytics clusters";
    private static final Set<Integer> RSA_SIZES = Set.of(2048, 3072, 4096);
    private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9-]{1,61}[A-Za-z0-9]$");

    static final ApiVersions API_VERSIONS = ApiVersions.of("2020-08-01", "2020-10-01", "2021-06-01", "2022-10-01", "2023-09-01",
            "2025-02-01", "2025-07-01");

    private final KeyedResources engine;
    private final ResourceHttp http;
    private final ClusterWorkspaceRepository links;
    private final ClustersProperties properties;

    Clusters(KeyedResources engine, ResourceHttp http, ClusterWorkspaceRepository links, ClustersProperties properties) {
        this.engine = engine;
        this.http = http;
        this.links = links;
        this.properties = properties;
    }

    /** A cluster with the workspaces linked to it. */
    record Stored(Resource<ClusterProperties> resource, List<ClusterWorkspaceRepository.Link> workspaces) {
    }

    // --- management operations

    @Override
    public KeyedResources.Saved<ClusterProperties> put(ArmResourceId id, @Nullable String json, Principal caller) {
        ClusterWire.ClusterBody body = read(json);
        return engine.put(this, id, caller, WRITE, new KeyedResources.Put<>() {
            @Override
            public KeyedResources.Created<ClusterProperties> create(KeyedResources.Creation c) {
                return new KeyedResources.Created<>(newCluster(c, body, caller), null);
            }

            @Override
            public KeyedResources.Change<ClusterProperties> change(Resource<ClusterProperties> current) {
                return Clusters.this.change(current, body, true, caller);
            }
        });
    }

    @Override
    public KeyedResources.Saved<ClusterProperties> patch(ArmResourceId id, @Nullable String json, Principal caller) {
        ClusterWire.ClusterBody body = read(json);
        return engine.update(this, id, caller, WRITE, current -> change(current, body, false, caller));
    }

    private ClusterWire.ClusterBody read(@Nullable String body) {
        if (body == null || body.isBlank()) {
            throw new ArmException(ArmErrorCode.BadRequest, "The body of the request is null or in bad format.");
        }
        Map<?, ?> raw = http.body(body, Map.class);
        KnownMembers.require(raw, ClusterWire.REQUEST, "Keyward's Log Analytics clusters carry the members of the 2025-07-01 Cluster");
        if (raw.get("properties") instanceof Map<?, ?> p && p.get("replication") instanceof Map<?, ?> r) {
            // 2025-07-01 ClusterReplicationProperties: a Keyward deployment has one region to hold a cluster's data
            for (String member : List.of("enabled", "location", "isAvailabilityZonesEnabled")) {
                Object v = r.get(member);
                if (v != null && !Boolean.FALSE.equals(v)) {
                    throw new ArmException(ArmErrorCode.InvalidParameter, "The property 'properties.replication." + member + "' cannot be"
                            + " honoured: a Keyward deployment has no secondary location to replicate a cluster to.",
                            "properties.replication." + member);
                }
            }
        }
        return http.body(body, ClusterWire.ClusterBody.class);
    }

    /**
     * The CMK docs say "a-z, A-Z, 0-9 and length of 3-63"; the 2022-10-01 spec's pattern also allows inner hyphens, which ARM
     * clients send, so both are accepted.
     */
    @Override
    public String name(String name) {
        return TrackedResource.requireName(name, NAME, ArmErrorCode.BadRequest, "Cluster name is not valid. Cluster name can contain"
                + " characters a-z, A-Z, 0-9 and length of 3-63.", "clusterName");
    }

    static boolean validName(@Nullable String name) {
        return name != null && NAME.matcher(name).matches();
    }

    @Override
    public TrackedResource<ClusterWire.PropertiesOut> out(Resource<ClusterProperties> cluster) {
        return ClusterWire.out(stored(cluster), null);
    }

    @Override
    public TrackedResource<ClusterWire.PropertiesOut> outOne(Resource<ClusterProperties> cluster) {
        return ClusterWire.out(stored(cluster), engine.keyHealth(cluster).orElse(null));
    }

    Stored stored(Resource<ClusterProperties> cluster) {
        return new Stored(cluster, links.linksOf(cluster.uuid()));
    }

    /**
     * Keyward's recovery of a soft-deleted cluster (Azure makes this a support call): the cluster comes back as it was,
     * with its identity and its wrapped AEK, but without workspaces (deletion unlinked them; link them again).
     */
    private Resource<ClusterProperties> recover(ArmResourceId id, Principal caller) {
        return engine.recover(this, id, caller, WRITE, deleted -> requireRegionRoom(deleted.id().subscription(), deleted.location()),
                new ArmException(ArmErrorCode.ConflictError, "The cluster '" + id.name() + "' is not deleted; there is nothing to recover.",
                        "clusterName"),
                new ArmException(ArmErrorCode.ResourceNotFound, "No deleted cluster named '" + id.name() + "' can be recovered in resource"
                        + " group '" + id.resourceGroup() + "': deleted clusters are kept 14 days."));
    }

    private Resource<ClusterProperties> newCluster(KeyedResources.Creation c, ClusterWire.ClusterBody body, Principal caller) {
        requireIdentity(body.identity());
        if (body.properties() != null && body.properties().keyVaultProperties() != null) {
            throw new ArmException(ArmErrorCode.BadRequest, KEY_ON_CREATE, "properties.keyVaultProperties");
        }
        Long capacity = ClusterCapacity.of(body.sku(), true);
        BillingType billing = body.properties() == null || body.properties().billingType() == null ? BillingType.Cluster
                : BillingType.parse(body.properties().billingType());
        String location = KeyedResources.required(body.location(), "location");
        requireRegionRoom(c.id().subscription(), location);
        // Azure's current docs: new clusters are double-encrypted unless the request says otherwise
        boolean doubleEncryption = body.properties() == null || body.properties().isDoubleEncryptionEnabled() == null
                || body.properties().isDoubleEncryptionEnabled();
        boolean zones = body.properties() != null && Boolean.TRUE.equals(body.properties().isAvailabilityZonesEnabled());
        if (zones) {
            // Azure: "can be set as true only in regions where ... Availability Zones" are supported; a Keyward deployment has none
            throw new ArmException(ArmErrorCode.BadRequest, "The region '" + body.location() + "' does not support availability zones in"
                    + " this deployment: isAvailabilityZonesEnabled can only be false.", "properties.isAvailabilityZonesEnabled");
        }
        KeyedResources.Identities identities = identities(null, c.tenantId(), c.id().name(), body.identity(), caller);
        return Resource.create(c.uuid(), c.id(), location, c.tenantId(), identities.principalId(), new ClusterProperties(capacity, billing,
                c.now(), null, doubleEncryption, zones), body.tags() == null ? Map.of() : body.tags(), c.now())
                .withIdentities(identities.principalId(), identities.users());
    }

    /**
     * A cluster's identity: the docs' "single identity ... depending on your scenario", system-assigned or one
     * user-assigned identity, which then reaches the key.
     */
    private KeyedResources.Identities identities(@Nullable Resource<ClusterProperties> current, String tenantId, String name,
                                                 @Nullable ManagedIdentity requested, Principal caller) {
        KeyedResources.Identities next = engine.identitiesAfter(current, tenantId, name, requested, caller, CLUSTERS, false, true);
        if (next.users().isEmpty()) {
            return next;
        }
        return new KeyedResources.Identities(next.principalId(), next.users().withKeyIdentity(next.users().assigned().keySet().iterator().next()));
    }

    /** A PUT ({@code replace}) or PATCH of an active cluster; a given key starts the async key update. */
    private KeyedResources.Change<ClusterProperties> change(Resource<ClusterProperties> current, ClusterWire.ClusterBody body,
                                                            boolean replace, Principal caller) {
        if (replace || body.identity() != null) {
            requireIdentity(body.identity());
        }
        KeyedResources.Identities identities = identities(current, current.tenantId(), current.name(), body.identity(), caller);
        boolean identityChanged = !Objects.equals(identities.principalId(), current.principalId())
                || !identities.users().equals(current.userIdentities());
        KeyedResources.requireSameLocation(current, body.location(), "cluster");
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
        if (in != null) {
            requireUnchanged(in.isDoubleEncryptionEnabled(), p.doubleEncrypted(), "isDoubleEncryptionEnabled");
            requireUnchanged(in.isAvailabilityZonesEnabled(), p.zoneRedundant(), "isAvailabilityZonesEnabled");
        }
        BillingType billing = in == null || in.billingType() == null ? p.billingType() : BillingType.parse(in.billingType());
        KeyUpdate update = null;
        if (in != null && in.keyVaultProperties() != null) {
            ClusterWire.KeyVault k = in.keyVaultProperties();
            CustomerKey key = KeyVaultProperties.parse(k.keyVaultUri(), k.keyName(), k.keyVersion(), k.keyRsaSize());
            // a PUT repeating the key it already has changes nothing
            if (!(replace && key.equals(current.key()) && Objects.equals(k.keyRsaSize(), p.keyRsaSize()))) {
                update = KeyUpdate.of(current.uuid(), key, k.keyRsaSize());
            }
        }
        if (identityChanged && update != null) {
            throw new ArmException(ArmErrorCode.BadRequest, IDENTITY_AND_KEY, "identity");
        }
        if (identityChanged && current.key() != null) {
            // the AEK is bound to the identity that reaches the key: the same key is bound again, as the new identity
            update = KeyUpdate.of(current.uuid(), current.key(), p.keyRsaSize());
        }
        Resource<ClusterProperties> next = current.withTags(body.tags())
                .withProperties(p.with(newCapacity, billing, lastSkuUpdate, p.keyRsaSize()))
                .withIdentities(identities.principalId(), identities.users());
        return new KeyedResources.Change<>(next, update);
    }

    /** Set at creation only (Azure: "cannot be changed after the cluster is created"); repeating the value is no change. */
    private static void requireUnchanged(@Nullable Boolean requested, boolean current, String property) {
        if (requested != null && requested != current) {
            throw new ArmException(ArmErrorCode.BadRequest, "The property '" + property + "' is set when the cluster is created and cannot"
                    + " be changed: the cluster has " + property + " = " + current + ".", "properties." + property);
        }
    }

    private void requireRegionRoom(SubscriptionId sub, String location) {
        if (engine.countActiveIn(this, sub, location) >= properties.maxPerRegion()) {
            throw new ArmException(ArmErrorCode.BadRequest, "The maximum number of clusters per region and subscription is "
                    + properties.maxPerRegion() + ". Subscription '" + sub + "' already has " + properties.maxPerRegion()
                    + " clusters in '" + location + "'.", "location");
        }
    }

    /** A cluster needs its identity (the docs' message without one); SystemAssigned or UserAssigned, not both. */
    private static void requireIdentity(@Nullable ManagedIdentity identity) {
        ManagedIdentity.Kind kind = ManagedIdentity.kind(identity);
        if (kind == ManagedIdentity.Kind.NONE) {
            throw new ArmException(ArmErrorCode.BadRequest, NO_IDENTITY, "identity");
        }
    }

    // --- Surface: what differs from the other keyed resources

    @Override
    public Definition<ClusterProperties> definition() {
        return new Definition<>(Cluster.TYPE, ClusterProperties.class, API_VERSIONS, properties.keyUpdateTimeout(),
                properties.softDeleteRetention(), 100);
    }

    /** Keyward's {@code recover} of a soft-deleted cluster within 14 days (Azure: a support request). */
    @Override
    public Object act(String action, ArmResourceId id, Principal caller) {
        if (!action.equals("recover")) {
            return Surface.super.act(action, id, caller);
        }
        return out(recover(id, caller));
    }

    @Override
    public KeyPolicy keyPolicy(Resource<ClusterProperties> cluster, KeyUpdate update) {
        return new KeyPolicy(RSA_SIZES, update.minRsaSize() == null ? 0 : update.minRsaSize(), true, Set.of());
    }

    /** Azure Monitor's documented messages: one for recoverability, one for everything else, each with the detail. */
    @Override
    public StepResult.Failed keyUpdateFailed(Resource<ClusterProperties> cluster, KeyUpdate update, Binding outcome) {
        if (!(outcome instanceof Binding.Refused r)) {
            return new StepResult.Failed(ArmErrorCode.BadRequest, FAILED_TO_VALIDATE + " The vault could not be reached to validate the key.");
        }
        boolean recoverability = r.reason() == Refusal.NO_SOFT_DELETE || r.reason() == Refusal.NO_PURGE_PROTECTION;
        return new StepResult.Failed(ArmErrorCode.BadRequest, (recoverability ? NOT_RECOVERABLE : FAILED_TO_VALIDATE) + " " + r.detail());
    }

    @Override
    public ArmException notFound(ArmResourceId id) {
        return new ArmException(ArmErrorCode.ResourceNotFound, "Cluster not found, the cluster might have been deleted. The Resource '"
                + Cluster.TYPE + "/" + id.name() + "' under resource group '" + id.resourceGroup() + "' was not found.");
    }

    /** Azure refuses changes while the cluster provisions too (ClusterEntityStatus Creating). */
    @Override
    public boolean refusesChangesIn(Phase phase) {
        return phase.busy() || phase == Phase.Creating;
    }

    @Override
    public ArmException busy(Resource<ClusterProperties> cluster, Request request) {
        return switch (request) {
            case PUT -> new ArmException(ArmErrorCode.BadRequest, NOT_NOW_CREATE);
            case PATCH -> new ArmException(ArmErrorCode.BadRequest, NOT_NOW_UPDATE);
            case DELETE -> new ArmException(ArmErrorCode.ConflictError, DELETE_WHILE_PROVISIONING);
        };
    }

    @Override
    public ArmException nameReserved(Resource<ClusterProperties> deleted) {
        return new ArmException(ArmErrorCode.ConflictError, "A cluster named '" + deleted.name() + "' was deleted on " + deleted.deletedAt()
                + " and its name stays reserved until " + deleted.purgeAt() + ": deleted cluster names are kept 14 days for recovery."
                + " Recover it (POST " + deleted.id() + "/recover) or create the cluster under another name.", "clusterName");
    }

    @Override
    public Resource<ClusterProperties> keyBound(Resource<ClusterProperties> cluster, KeyUpdate update) {
        ClusterProperties p = cluster.properties();
        return cluster.withProperties(p.with(p.capacity(), p.billingType(), p.lastSkuUpdate(), update.minRsaSize()));
    }

    // --- ClusterService

    @Override
    public Optional<Cluster> find(String clusterResourceId) {
        return id(clusterResourceId).flatMap(id -> engine.find(this, id)).map(Clusters::view);
    }

    @Override
    public Optional<Cluster> findByClusterId(UUID clusterId) {
        return engine.findByUuid(this, clusterId).map(Clusters::view);
    }

    private static Cluster view(Resource<ClusterProperties> c) {
        return new Cluster(c.id().toString(), c.id().subscriptionId(), c.id().resourceGroup(), c.name(), c.location(), c.tenantId(),
                String.valueOf(c.keyPrincipal()), c.uuid().toString(), c.phase(), c.key() != null, c.createdAt(), c.updatedAt(),
                c.properties().doubleEncrypted());
    }

    @Override
    public void workspaceLinked(String clusterResourceId, String workspaceResourceId, UUID workspaceCustomerId) {
        id(clusterResourceId).flatMap(id -> engine.find(this, id)).ifPresent(c -> links.link(c.uuid(), workspaceResourceId, workspaceCustomerId,
                engine.now()));
    }

    @Override
    public void workspaceUnlinked(String clusterResourceId, String workspaceResourceId) {
        // soft-deleted clusters too: their delete unlinks their workspaces asynchronously
        id(clusterResourceId).flatMap(id -> engine.findByName(this, id)).ifPresent(c -> links.unlink(c.uuid(), workspaceResourceId));
    }

    @Override
    public int linkedWorkspaceCount(String clusterResourceId) {
        return id(clusterResourceId).flatMap(id -> engine.findByName(this, id)).map(c -> links.countLinks(c.uuid())).orElse(0);
    }

    @Override
    public List<UUID> claimExpiredDeleted(Duration grace, int limit) {
        return engine.claimExpiredDeleted(this, grace, limit);
    }

    @Override
    public boolean purgeDeleted(UUID clusterId, Duration grace) {
        return engine.purgeDeleted(this, clusterId, grace);
    }

    @Override
    public Set<UUID> existing(Collection<UUID> clusterIds) {
        return engine.existing(this, clusterIds);
    }

    private static Optional<ArmResourceId> id(@Nullable String clusterResourceId) {
        return ArmResourceId.parse(clusterResourceId, Cluster.TYPE);
    }
}
