package io.keyward.app.kusto;

import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.KnownMembers;
import io.keyward.app.arm.Refusals;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.arm.StepResult;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.vault.KeyPermission;
import java.util.Set;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.cmk.CustomerKey;
import io.keyward.app.engine.ArmSku;
import io.keyward.app.engine.KeyUpdate;
import io.keyward.app.engine.KeyedResources;
import io.keyward.app.engine.UserIdentities;
import io.keyward.app.engine.Resource;
import io.keyward.app.engine.ResourceHttp;
import io.keyward.app.keyhealth.KeyHealth;
import io.keyward.app.keyhealth.KeyState;
import io.keyward.app.engine.Surface;
import io.keyward.app.engine.TrackedResource;
import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.context.ServerRequestContext;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Data Explorer clusters on the engine: create (synchronous), update (a new key starts the engine's key update), delete
 * (the engine's asynchronous delete, which shreds the AEK), stop and start, and attached database configurations (which
 * make clusters leaders and followers). Rules whose answer needs no vault are checked here and answered 400 at once.
 */
@Singleton
class KustoClusters implements Surface<KustoCluster> {

    static final KeyPolicy POLICY = KeyPolicy.rsa2048(true, Set.of(KeyPermission.RECOVER));
    private static final String CLUSTERS = "Data Explorer clusters";

    static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9]{3,21}$");
    private static final Pattern CONFIG_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$");
    private static final List<String> TIERS = List.of("Basic", "Standard");
    private static final List<String> PRINCIPALS_KINDS = List.of("Union", "Replace", "None");

    static final ApiVersions API_VERSIONS = ApiVersions.of("2019-09-07", "2019-11-09", "2020-02-15", "2020-06-14", "2020-09-18",
            "2021-01-01", "2021-08-27", "2022-02-01", "2022-07-07", "2022-11-11", "2022-12-29", "2023-05-02", "2023-08-15", "2024-04-13");

    private final KeyedResources engine;
    private final ResourceHttp http;
    private final AttachedRepository attached;
    private final CmkKeys cmk;
    private final KustoProperties properties;

    KustoClusters(KeyedResources engine, ResourceHttp http, AttachedRepository attached, CmkKeys cmk, KustoProperties properties) {
        this.engine = engine;
        this.http = http;
        this.attached = attached;
        this.cmk = cmk;
        this.properties = properties;
    }

    ArmResourceId id(String subscriptionId, String resourceGroupName, String clusterName) {
        return ArmResourceId.of(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName), KustoCluster.TYPE,
                name(clusterName));
    }

    // --- clusters

    @Override
    public KeyedResources.Saved<KustoCluster> put(ArmResourceId id, @Nullable String json, Principal caller) {
        KustoWire.ClusterBody body = body(json);
        Preconditions preconditions = Preconditions.ofCurrentRequest();
        return engine.put(this, id, caller, "Microsoft.Kusto/clusters/write", new KeyedResources.Put<>() {
            @Override
            public KeyedResources.Created<KustoCluster> create(KeyedResources.Creation c) {
                preconditions.requireAbsentAllowed(id.name());
                return new KeyedResources.Created<>(newCluster(c, body, caller), null);
            }

            @Override
            public KeyedResources.Change<KustoCluster> change(Resource<KustoCluster> current) {
                preconditions.require(current);
                return KustoClusters.this.change(current, body, caller);
            }
        });
    }

    @Override
    public KeyedResources.Saved<KustoCluster> patch(ArmResourceId id, @Nullable String json, Principal caller) {
        KustoWire.ClusterBody body = body(json);
        Preconditions preconditions = Preconditions.ofCurrentRequest();
        return engine.update(this, id, caller, "Microsoft.Kusto/clusters/write", current -> {
            preconditions.require(current);
            return change(current, body, caller);
        });
    }

    /** The body, its members checked first: unknown ones and settings Keyward cannot honour are refused naming them. */
    private KustoWire.ClusterBody body(@Nullable String json) {
        Refusals refusals = new Refusals(); // every refused member named in the one answer
        if (json != null && !json.isBlank()) {
            KnownMembers.collect(http.body(json, Map.class), KustoWire.CLUSTER_REQUEST, "Keyward's Data Explorer clusters carry the"
                    + " members of the 2024-04-13 Cluster", refusals);
        }
        KustoWire.ClusterBody body = http.body(json, KustoWire.ClusterBody.class);
        if (body.zones() != null && !body.zones().isEmpty()) {
            refusals.add(unsupported("zones", "a Keyward deployment has no availability zones"));
        }
        KustoWire.PropertiesIn p = body.properties();
        if (p != null) {
            refuseUnhonoured(p, refusals);
        }
        refusals.throwIfAny();
        return body;
    }

    /** The 2024-04-13 settings Keyward cannot honour: accepted only at the value that asks for nothing. */
    private static void refuseUnhonoured(KustoWire.PropertiesIn p, Refusals refusals) {
        if (Boolean.TRUE.equals(p.enableDoubleEncryption())) {
            refusals.add(unsupported("properties.enableDoubleEncryption", "Data Explorer clusters have no second (infrastructure) encryption layer"
                    + " in Keyward"));
        }
        refusals.check(() -> requireOneOf(p.publicNetworkAccess(), "properties.publicNetworkAccess", "Enabled", "Disabled"));
        if ("Disabled".equals(p.publicNetworkAccess())) {
            refusals.add(unsupported("properties.publicNetworkAccess", "Keyward has no private endpoints, so public access cannot be disabled"));
        }
        refusals.check(() -> requireOneOf(p.engineType(), "properties.engineType", "V2", "V3"));
        if ("V2".equals(p.engineType())) {
            refusals.add(unsupported("properties.engineType", "only the V3 engine is modelled"));
        }
        refusals.check(() -> requireOneOf(p.restrictOutboundNetworkAccess(), "properties.restrictOutboundNetworkAccess", "Enabled", "Disabled"));
        if ("Enabled".equals(p.restrictOutboundNetworkAccess())) {
            refusals.add(unsupported("properties.restrictOutboundNetworkAccess", "Keyward does not filter a cluster's outbound traffic"));
        }
        refusals.check(() -> requireOneOf(p.publicIPType(), "properties.publicIPType", "IPv4", "DualStack"));
        if ("DualStack".equals(p.publicIPType())) {
            refusals.add(unsupported("properties.publicIPType", "Keyward allocates no public addresses"));
        }
        if (p.optimizedAutoscale() != null && Boolean.TRUE.equals(p.optimizedAutoscale().get("isEnabled"))) {
            refusals.add(unsupported("properties.optimizedAutoscale", "Keyward does not scale clusters"));
        }
        if (p.virtualNetworkConfiguration() != null) {
            refusals.add(unsupported("properties.virtualNetworkConfiguration", "Keyward does not inject clusters into virtual networks"));
        }
        if (p.allowedIpRangeList() != null && !p.allowedIpRangeList().isEmpty()) {
            refusals.add(unsupported("properties.allowedIpRangeList", "Keyward has no cluster endpoint whose callers it would filter"));
        }
        if (p.allowedFqdnList() != null && !p.allowedFqdnList().isEmpty()) {
            refusals.add(unsupported("properties.allowedFqdnList", "Keyward does not filter a cluster's outbound traffic"));
        }
        if (p.calloutPolicies() != null && !p.calloutPolicies().isEmpty()) {
            refusals.add(unsupported("properties.calloutPolicies", "Keyward runs no queries that would call out"));
        }
        if (p.languageExtensions() != null && p.languageExtensions().get("value") instanceof List<?> l && !l.isEmpty()) {
            refusals.add(unsupported("properties.languageExtensions", "Keyward runs no language extensions"));
        }
        if (p.virtualClusterGraduationProperties() != null) {
            refusals.add(unsupported("properties.virtualClusterGraduationProperties", "Keyward has no virtual clusters"));
        }
    }

    private static void requireOneOf(@Nullable String value, String target, String... allowed) {
        if (value != null && !List.of(allowed).contains(value)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The property '" + target + "' must be one of " + List.of(allowed)
                    + ", not '" + value + "'.", target);
        }
    }

    private static ArmException unsupported(String target, String why) {
        return new ArmException(ArmErrorCode.InvalidParameter, "The property '" + target + "' cannot be honoured: " + why
                + "; remove it or send its default.", target);
    }

    /**
     * {@code If-Match} and {@code If-None-Match} of Clusters_CreateOrUpdate and Clusters_Update (2024-04-13): checked
     * against the cluster's etag inside the engine's transaction, so no concurrent write slips between check and change.
     */
    private record Preconditions(@Nullable String ifMatch, @Nullable String ifNoneMatch) {

        static Preconditions ofCurrentRequest() {
            return ServerRequestContext.currentRequest().map(r -> new Preconditions(r.getHeaders().get("If-Match"),
                    r.getHeaders().get("If-None-Match"))).orElse(new Preconditions(null, null));
        }

        /** A create: {@code If-Match} (any value) needs a cluster that exists. */
        void requireAbsentAllowed(String name) {
            if (ifMatch != null) {
                throw new ArmException(ArmErrorCode.PreconditionFailed, "Cluster '" + name + "' does not exist, and the request's If-Match"
                        + " requires that it does.", "If-Match");
            }
        }

        void require(Resource<KustoCluster> current) {
            String etag = KustoWire.etag(current);
            if (ifMatch != null && !ifMatch.trim().equals("*") && !ifMatch.trim().equals(etag)) {
                throw new ArmException(ArmErrorCode.PreconditionFailed, "The If-Match etag does not match cluster '" + current.name()
                        + "''s current etag " + etag + "; read it again.", "If-Match");
            }
            if (ifNoneMatch != null && (ifNoneMatch.trim().equals("*") || ifNoneMatch.trim().equals(etag))) {
                throw new ArmException(ArmErrorCode.PreconditionFailed, "Cluster '" + current.name() + "' exists, and the request's"
                        + " If-None-Match forbids overwriting it.", "If-None-Match");
            }
        }
    }

    @Override
    public String name(String clusterName) {
        return TrackedResource.requireName(clusterName, NAME, ArmErrorCode.InvalidParameter, "Cluster name '" + clusterName + "' is invalid:"
                + " it must be 4-22 characters, lowercase letters and digits, starting with a letter.", "clusterName");
    }

    /**
     * The cluster as the wire shows it: a running cluster whose key the key-health poller found revoked is Unavailable,
     * with the vault's refusal as {@code stateReason}; the next poll that unwraps its AEK makes it Running again.
     */
    @Override
    public TrackedResource<KustoWire.PropertiesOut> out(Resource<KustoCluster> c) {
        String reason = null;
        Optional<KeyHealth.Status> health = engine.keyHealth(c);
        if (health.isPresent() && health.get().state() == KeyState.Revoked && KustoCluster.state(c).equals("Running")) {
            reason = "The cluster's customer-managed key is inaccessible"
                    + (health.get().lastError() == null ? "." : ": " + health.get().lastError());
        }
        return KustoWire.out(c, reason);
    }

    /** Stops a running cluster: its key is no longer polled until it starts again. */
    private Resource<KustoCluster> stop(ArmResourceId id, Principal caller) {
        return engine.mutate(this, id, caller, "Microsoft.Kusto/clusters/stop/action",
                c -> c.properties().stopped() ? c : c.withProperties(c.properties().withStopped(true)));
    }

    /**
     * Starts a stopped cluster. Starting needs the cluster's data, so a cluster with a customer key unwraps its AEK through
     * the vault first (outside any transaction): a key the vault refuses keeps the cluster stopped (403
     * CustomerManagedKeyInaccessible).
     */
    private Resource<KustoCluster> start(ArmResourceId id, Principal caller) {
        Resource<KustoCluster> current = engine.requireIdle(this, engine.get(this, id, caller, "Microsoft.Kusto/clusters/read"),
                Surface.Request.PATCH);
        if (!current.properties().stopped()) {
            return current;
        }
        engine.requireKeyUsable(current, "Cluster '" + id.name() + "' cannot start");
        return engine.mutate(this, id, caller, "Microsoft.Kusto/clusters/start/action",
                c -> c.properties().stopped() ? c.withProperties(c.properties().withStopped(false)) : c);
    }

    // --- name availability and skus

    /**
     * Clusters_CheckNameAvailability: a name is taken when a cluster of the caller's subscription (active or soft-deleted,
     * in any group) has it; Keyward's names are unique per subscription, not world-wide as Data Explorer's DNS names are.
     */
    KustoWire.NameCheckResult checkName(SubscriptionId sub, KustoWire.NameCheck check, Principal caller) {
        if (check.type() == null || !check.type().equalsIgnoreCase(KustoCluster.TYPE)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'type' must be '" + KustoCluster.TYPE + "'.", "type");
        }
        String wanted = check.name();
        if (wanted == null || !NAME.matcher(wanted).matches()) {
            return new KustoWire.NameCheckResult(false, wanted, "Name '" + wanted + "' is invalid: it must be 4-22 characters, lowercase"
                    + " letters and digits, starting with a letter.", "Invalid");
        }
        UUID after = null;
        do {
            KeyedResources.Page<KustoCluster> page = engine.list(this, sub, null, caller, "Microsoft.Kusto/clusters/read", after, 1000);
            if (page.items().stream().anyMatch(c -> c.name().equalsIgnoreCase(wanted))) {
                return new KustoWire.NameCheckResult(false, wanted, "Name '" + wanted + "' is already taken.", "AlreadyExists");
            }
            after = page.last();
        } while (after != null);
        return new KustoWire.NameCheckResult(true, wanted, null, null);
    }

    /** Clusters_ListSkus: the catalogue, to a caller that may read the subscription's clusters (as a list of them checks). */
    KustoSkus.DescriptionList skus(SubscriptionId sub, Principal caller) {
        engine.list(this, sub, null, caller, "Microsoft.Kusto/clusters/read", null, 1);
        return KustoSkus.all();
    }

    /** Clusters_ListSkusByResource: the skus the cluster can be scaled to, read with the cluster's read permission. */
    KustoSkus.ResourceSkuList skus(ArmResourceId id, Principal caller) {
        return KustoSkus.of(engine.get(this, id, caller, "Microsoft.Kusto/clusters/read").properties().sku());
    }

    // --- attached database configurations

    record SavedAttached(Resource<KustoCluster> follower, AttachedRepository.Attached attached, boolean created) {
    }

    SavedAttached attach(ArmResourceId followerId, String configName, KustoWire.AttachedBody body, Principal caller) {
        return engine.inTransaction(() -> attachInTransaction(followerId, configName, body, caller));
    }

    private SavedAttached attachInTransaction(ArmResourceId followerId, String configName, KustoWire.AttachedBody body, Principal caller) {
        if (configName == null || !CONFIG_NAME.matcher(configName).matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "Attached database configuration name '" + configName + "' is invalid.",
                    "attachedDatabaseConfigurationName");
        }
        KustoWire.AttachedPropertiesIn p = body.properties();
        if (p == null || p.clusterResourceId() == null || p.databaseName() == null || p.databaseName().isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "properties.clusterResourceId and properties.databaseName are required.",
                    "properties");
        }
        if (p.databaseNamePrefix() != null && !p.databaseNamePrefix().isEmpty()) {
            throw unsupported("properties.databaseNamePrefix", "a Keyward follower follows a leader's databases under their own names");
        }
        String kind = p.defaultPrincipalsModificationKind() == null ? "Union" : p.defaultPrincipalsModificationKind();
        if (!PRINCIPALS_KINDS.contains(kind)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "properties.defaultPrincipalsModificationKind must be one of "
                    + PRINCIPALS_KINDS + ", not '" + kind + "'.", "properties.defaultPrincipalsModificationKind");
        }
        ArmResourceId leaderId = ArmResourceId.parse(p.clusterResourceId(), KustoCluster.TYPE).orElseThrow(() -> new ArmException(
                ArmErrorCode.InvalidParameter, "properties.clusterResourceId '" + p.clusterResourceId() + "' is not the resource id of a"
                + " Microsoft.Kusto/clusters resource.", "properties.clusterResourceId"));
        Resource<KustoCluster> follower = engine.requireIdle(this, engine.get(this, followerId, caller,
                "Microsoft.Kusto/clusters/attachedDatabaseConfigurations/write"), Surface.Request.PATCH);
        Resource<KustoCluster> leader;
        try {
            leader = engine.get(this, leaderId, caller, "Microsoft.Kusto/clusters/read");
        } catch (ArmException e) {
            if (e.code() != ArmErrorCode.ResourceNotFound) {
                throw e;
            }
            throw new ArmException(ArmErrorCode.InvalidParameter, "The leader cluster '" + p.clusterResourceId() + "' was not found.",
                    "properties.clusterResourceId");
        }
        if (leader.uuid().equals(follower.uuid())) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "A cluster cannot follow its own databases.", "properties.clusterResourceId");
        }
        for (Resource<KustoCluster> side : List.of(follower, leader)) {
            if (side.key() != null || side.phase().busy()) {
                throw new ArmException(ArmErrorCode.BadRequest, KustoKeys.LEADER_FOLLOWER + " Cluster '" + side.name()
                        + "' uses a customer-managed key.", "properties.clusterResourceId");
            }
        }
        Optional<AttachedRepository.Attached> before = attached.find(follower.uuid(), configName);
        AttachedRepository.Attached a = new AttachedRepository.Attached(follower.uuid(), before.map(AttachedRepository.Attached::name)
                .orElse(configName), leader.id().toString(), leader.uuid(), p.databaseName(), kind,
                before.map(AttachedRepository.Attached::createdAt).orElse(engine.now()));
        attached.remove(a.follower(), a.name());
        attached.insert(a.follower(), a.name(), a.leaderResourceId(), a.leader(), a.databaseName(), a.principalsKind(), a.createdAt());
        return new SavedAttached(follower, a, before.isEmpty());
    }

    SavedAttached attached(ArmResourceId followerId, String configName, Principal caller) {
        Resource<KustoCluster> follower = engine.get(this, followerId, caller, "Microsoft.Kusto/clusters/attachedDatabaseConfigurations/read");
        AttachedRepository.Attached a = attached.find(follower.uuid(), configName).orElseThrow(() -> new ArmException(
                ArmErrorCode.ResourceNotFound, "The attached database configuration '" + configName + "' of cluster '" + followerId.name()
                + "' was not found."));
        return new SavedAttached(follower, a, false);
    }

    record AttachedPage(Resource<KustoCluster> follower, List<AttachedRepository.Attached> items) {
    }

    AttachedPage listAttached(ArmResourceId followerId, Principal caller) {
        Resource<KustoCluster> follower = engine.get(this, followerId, caller, "Microsoft.Kusto/clusters/attachedDatabaseConfigurations/read");
        return new AttachedPage(follower, attached.listOf(follower.uuid()));
    }

    boolean detach(ArmResourceId followerId, String configName, Principal caller) {
        return engine.inTransaction(() -> detachInTransaction(followerId, configName, caller));
    }

    private boolean detachInTransaction(ArmResourceId followerId, String configName, Principal caller) {
        Optional<Resource<KustoCluster>> follower;
        try {
            follower = Optional.of(engine.get(this, followerId, caller, "Microsoft.Kusto/clusters/attachedDatabaseConfigurations/delete"));
        } catch (ArmException e) {
            if (e.code() != ArmErrorCode.ResourceNotFound) {
                throw e;
            }
            follower = Optional.empty();
        }
        return follower.isPresent() && attached.remove(follower.get().uuid(), configName) > 0;
    }

    // --- rules

    private Resource<KustoCluster> newCluster(KeyedResources.Creation c, KustoWire.ClusterBody body, Principal caller) {
        if (body.properties() != null && body.properties().keyVaultProperties() != null) {
            throw new ArmException(ArmErrorCode.CannotProvideKeyVaultPropertiesDuringCreation, KustoKeys.ON_CREATE,
                    "properties.keyVaultProperties");
        }
        String location = KeyedResources.required(body.location(), "location");
        if (body.sku() == null) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'sku' property is required.", "sku");
        }
        ArmSku sku = sku(body.sku(), null);
        KeyedResources.Identities identities = engine.identitiesAfter(null, c.tenantId(), c.id().name(), body.identity(), caller, CLUSTERS,
                true, false);
        return Resource.create(c.uuid(), c.id(), location, c.tenantId(), identities.principalId(), new KustoCluster(sku, false,
                        settings(KustoCluster.Settings.DEFAULTS, body.properties())),
                body.tags() == null ? Map.of() : body.tags(), c.now()).withIdentities(identities.principalId(), identities.users());
    }

    /** A PUT or PATCH of an existing cluster (absent members keep their values); a new key starts the async key update. */
    private KeyedResources.Change<KustoCluster> change(Resource<KustoCluster> current, KustoWire.ClusterBody body, Principal caller) {
        KeyedResources.requireSameLocation(current, body.location(), "cluster");
        ArmSku sku = body.sku() == null ? current.properties().sku() : sku(body.sku(), current.properties().sku());
        // The wire format first, so that a request refused for it changes nothing (not even a new identity).
        CustomerKey key = null;
        KustoWire.KeyVault wire = body.properties() == null ? null : body.properties().keyVaultProperties();
        if (wire != null) {
            key = KustoKeys.parse(wire);
        }
        KeyedResources.Identities identities = engine.identitiesAfter(current, current.tenantId(), current.name(), body.identity(), caller,
                CLUSTERS, true, false);
        UUID principal = identities.principalId();
        UserIdentities users = identities.users();
        if (wire != null) {
            // keyVaultProperties.userIdentity: the key is reached as that user-assigned identity (one the cluster has)
            String userIdentity = KustoKeys.namesUserIdentity(wire) ? wire.userIdentity() : null;
            if (userIdentity != null && users.find(userIdentity).isEmpty()) {
                throw new ArmException(ArmErrorCode.InvalidKeyVaultProperties, "The user identity '" + userIdentity + "' of"
                        + " keyVaultProperties is not one of the cluster's user-assigned identities (identity.userAssignedIdentities).",
                        "properties.keyVaultProperties.userIdentity");
            }
            users = users.withKeyIdentity(userIdentity);
        }
        UUID keyPrincipal = users.keyPrincipal() != null ? users.keyPrincipal() : principal;
        if (current.key() != null && key == null && keyPrincipal == null) {
            throw new ArmException(ArmErrorCode.BadRequest, "The identity of '" + current.name() + "' that reaches its customer-managed key"
                    + " cannot be removed while the key encrypts its data.", "identity");
        }
        if (key != null) {
            if (keyPrincipal == null) {
                throw new ArmException(ArmErrorCode.KeyVaultPropertiesOnlyForSystemAssignedResources, KustoKeys.SYSTEM_ASSIGNED_ONLY,
                        "identity");
            }
            if (attached.inRelation(current.uuid())) {
                throw new ArmException(ArmErrorCode.BadRequest, KustoKeys.LEADER_FOLLOWER + " Cluster '" + current.name()
                        + "' follows or is followed by another cluster (attachedDatabaseConfigurations).", "properties.keyVaultProperties");
            }
            if (key.equals(current.key()) && keyPrincipal.equals(current.keyPrincipal())) {
                key = null; // repeating the key it has, as the identity it has, changes nothing
            }
        }
        if (key == null && current.key() != null && !keyPrincipal.equals(current.keyPrincipal())) {
            key = current.key(); // another identity reaches the key now: the AEK is bound again, as it
        }
        Resource<KustoCluster> next = current.withTags(body.tags()).withIdentities(principal, users)
                .withProperties(new KustoCluster(sku, current.properties().stopped(),
                        settings(current.properties().settingsOrDefaults(), body.properties())));
        return new KeyedResources.Change<>(next, key == null ? null : KeyUpdate.of(current.uuid(), key, null));
    }

    /** The settings after a request: each member sent replaces its value, absent members keep theirs. */
    private static KustoCluster.Settings settings(KustoCluster.Settings before, @Nullable KustoWire.PropertiesIn p) {
        if (p == null) {
            return before;
        }
        return new KustoCluster.Settings(
                p.enablePurge() != null ? p.enablePurge() : before.enablePurge(),
                p.enableStreamingIngest() != null ? p.enableStreamingIngest() : before.enableStreamingIngest(),
                p.enableAutoStop() != null ? p.enableAutoStop() : before.enableAutoStop(),
                p.enableDiskEncryption() != null ? p.enableDiskEncryption() : before.enableDiskEncryption(),
                p.trustedExternalTenants() != null ? values(p.trustedExternalTenants().stream().map(KustoWire.TenantIn::value).toList(),
                        "properties.trustedExternalTenants") : before.trustedExternalTenants(),
                p.acceptedAudiences() != null ? values(p.acceptedAudiences().stream().map(KustoWire.AudienceIn::value).toList(),
                        "properties.acceptedAudiences") : before.acceptedAudiences());
    }

    private static List<String> values(List<String> values, String target) {
        for (String v : values) {
            if (v == null || v.isBlank() || v.length() > 256) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "Each entry of '" + target + "' needs a 'value' of 1-256 characters.",
                        target);
            }
        }
        return values;
    }

    private static ArmSku sku(ArmSku s, @Nullable ArmSku current) {
        String name = s.name() != null ? s.name() : current == null ? null : current.name();
        String tier = s.tier() != null ? s.tier() : current == null ? null : current.tier();
        if (name == null || name.isBlank() || name.length() > 64) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'sku.name' property is required.", "sku.name");
        }
        if (tier == null || TIERS.stream().noneMatch(tier::equals)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'sku.tier' property must be Basic or Standard, not '" + tier + "'.",
                    "sku.tier");
        }
        int capacity = s.capacity() != null ? s.capacity() : current != null ? current.capacity() : tier.equals("Basic") ? 1 : 2;
        if (capacity < 1 || capacity > 1000) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'sku.capacity' property must be between 1 and 1000, not "
                    + capacity + ".", "sku.capacity");
        }
        return new ArmSku(name, tier, capacity);
    }

    // --- Surface: what differs from the other keyed resources

    /** Data Explorer lists have no nextLink: a list answers every cluster (of a subscription or group) at once. */
    @Override
    public Definition<KustoCluster> definition() {
        return new Definition<>(KustoCluster.TYPE, KustoCluster.class, API_VERSIONS, properties.keyUpdateTimeout(), null, 0);
    }

    /** {@code stop} and {@code start}: 200 with no body, as Data Explorer answers once the operation is done. */
    @Override
    public Object act(String action, ArmResourceId id, Principal caller) {
        switch (action) {
            case "stop" -> stop(id, caller);
            case "start" -> start(id, caller);
            default -> Surface.super.act(action, id, caller);
        }
        return null;
    }

    @Override
    public KeyPolicy keyPolicy(Resource<KustoCluster> cluster, KeyUpdate update) {
        return POLICY;
    }

    @Override
    public StepResult.Failed keyUpdateFailed(Resource<KustoCluster> cluster, KeyUpdate update, Binding outcome) {
        return outcome instanceof Binding.Refused r ? KustoKeys.failure(r, update.key()) : new StepResult.Failed(ArmErrorCode.KeyVaultUnavailable,
                "KeyVault '" + update.vaultUri() + "' could not be reached to validate the key within "
                + properties.keyUpdateTimeout().toMinutes() + " minutes.");
    }

    @Override
    public ArmException busy(Resource<KustoCluster> cluster, Request request) {
        return new ArmException(ArmErrorCode.ConflictError, "Cluster '" + cluster.name() + "' is in state " + KustoCluster.state(cluster)
                + ": an operation on it is in progress. Wait for it to complete and try again.");
    }

    @Override
    public boolean polled(Resource<KustoCluster> cluster) {
        return !cluster.properties().stopped();
    }
}
