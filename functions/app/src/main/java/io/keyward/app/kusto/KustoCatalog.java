package io.keyward.app.kusto;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.AsyncOperations;
import io.keyward.app.arm.NewOperation;
import io.keyward.app.arm.OperationStatus;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.StoreException;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.cmk.AekResult;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.cmk.CustomerKey;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.keyward.app.vault.VaultService;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
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
 * Data Explorer clusters as a thin facade over the CMK core: create (synchronous), update (the key update is an async
 * operation whose step is {@link KustoKeyUpdateHandler}), delete (an async operation that shreds the cluster's AEK),
 * stop and start, and attached database configurations (which make clusters leaders and followers). Rules whose answer
 * needs no vault are checked here and answered 400 at once; the key itself is checked by the vault in the operation.
 */
@Singleton
class KustoCatalog {

    static final Pattern NAME = Pattern.compile("^[a-z][a-z0-9]{3,21}$");
    private static final Pattern CONFIG_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$");
    private static final Pattern RESOURCE_ID = Pattern.compile(
            "^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.Kusto/clusters/([^/]+)/?$", Pattern.CASE_INSENSITIVE);
    private static final List<String> TIERS = List.of("Basic", "Standard");
    private static final List<String> PRINCIPALS_KINDS = List.of("Union", "Replace", "None");
    private static final Logger LOG = LoggerFactory.getLogger(KustoCatalog.class);

    private final KustoRepository repository;
    private final VaultService vaults;
    private final IdentityService identities;
    private final AsyncOperations operations;
    private final CmkKeys cmk;
    private final JsonMapper json;
    private final Clock clock = Clock.systemUTC();

    KustoCatalog(KustoRepository repository, VaultService vaults, IdentityService identities, AsyncOperations operations, CmkKeys cmk,
                 JsonMapper json) {
        this.repository = repository;
        this.vaults = vaults;
        this.identities = identities;
        this.operations = operations;
        this.cmk = cmk;
        this.json = json;
    }

    /** A PUT or PATCH: the cluster after it, whether it was created, and the key update it started, if any. */
    record Saved(KustoCluster cluster, boolean created, @Nullable AsyncOperation operation) {
    }

    record SavedAttached(KustoCluster follower, KustoRepository.Attached attached, boolean created) {
    }

    static String name(String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "Cluster name '" + value + "' is invalid: it must be 4-22 characters,"
                    + " lowercase letters and digits, starting with a letter.", "clusterName");
        }
        return value;
    }

    // --- clusters

    Saved createOrUpdate(SubscriptionId sub, ResourceGroupName group, String name, KustoWire.ClusterBody body, Principal caller) {
        Saved saved;
        try {
            saved = repository.inTransaction(c -> {
                vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.Kusto/clusters/write", true);
                Optional<KustoCluster> existing = repository.find(c, sub.value(), group.value(), name, true);
                if (existing.isEmpty()) {
                    return new Saved(create(c, sub, group, name, body, caller), true, null);
                }
                return change(c, existing.get(), body);
            });
        } catch (StoreException e) {
            if (e.uniqueViolation()) {
                throw new ArmException(ArmErrorCode.ConflictError, "A cluster named '" + name + "' is being created by another request.",
                        "clusterName");
            }
            throw e;
        }
        kick(saved.operation());
        return saved;
    }

    Saved update(SubscriptionId sub, ResourceGroupName group, String name, KustoWire.ClusterBody body, Principal caller) {
        Saved saved = repository.inTransaction(c -> {
            vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.Kusto/clusters/write", false);
            return change(c, existing(c, sub, group, name, true), body);
        });
        kick(saved.operation());
        return saved;
    }

    KustoCluster get(SubscriptionId sub, ResourceGroupName group, String name, Principal caller) {
        return repository.read(c -> {
            if (!vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.Kusto/clusters/read", false)) {
                throw notFound(group, name);
            }
            return existing(c, sub, group, name, false);
        });
    }

    List<KustoCluster> list(SubscriptionId sub, @Nullable ResourceGroupName group, Principal caller) {
        return repository.read(c -> vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.Kusto/clusters/read", false)
                ? repository.list(c, sub.value(), group == null ? null : group.value()) : List.of());
    }

    /**
     * Starts the asynchronous delete (empty when there is no such cluster: 204). Data Explorer keeps no deleted clusters,
     * so the operation deletes the row and shreds the cluster's wrapped AEK in one transaction.
     */
    Optional<AsyncOperation> delete(SubscriptionId sub, ResourceGroupName group, String name, Principal caller) {
        Optional<AsyncOperation> op = repository.inTransaction(c -> {
            vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.Kusto/clusters/delete", false);
            Optional<KustoCluster> found = repository.find(c, sub.value(), group.value(), name, true);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            KustoCluster current = requireIdle(found.get());
            repository.update(c, current.withStates(KustoCluster.ProvisioningState.Deleting, KustoCluster.State.Deleting, now()));
            cmk.setActive(c, current.uuid(), false); // no more polling of a key that is about to be shredded
            return Optional.of(operations.start(c, new NewOperation(KustoCluster.PROVIDER, CmkKeys.normalLocation(current.location()),
                    current.subscriptionId(), current.tenantId(), current.id(), KustoDeleteHandler.KIND, OperationStatus.Deleting,
                    write(new KustoDeleteHandler.Payload(current.uuid())))));
        });
        op.ifPresent(o -> kick(o));
        return op;
    }

    /** Stops a running cluster: its key is no longer polled (the CMK core's inactive rows) until it starts again. */
    KustoCluster stop(SubscriptionId sub, ResourceGroupName group, String name, Principal caller) {
        return repository.inTransaction(c -> {
            vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.Kusto/clusters/stop/action", false);
            KustoCluster current = requireIdle(existing(c, sub, group, name, true));
            if (current.state() == KustoCluster.State.Stopped) {
                return current;
            }
            KustoCluster stopped = current.withStates(KustoCluster.ProvisioningState.Succeeded, KustoCluster.State.Stopped, now());
            repository.update(c, stopped);
            cmk.setActive(c, current.uuid(), false);
            return stopped;
        });
    }

    /**
     * Starts a stopped cluster. Starting needs the cluster's data, so a cluster with a customer key unwraps its AEK through
     * the vault first: a key the vault refuses keeps the cluster stopped (403 CustomerManagedKeyInaccessible).
     */
    KustoCluster start(SubscriptionId sub, ResourceGroupName group, String name, Principal caller) {
        KustoCluster current = repository.read(c -> {
            vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.Kusto/clusters/start/action", false);
            return requireIdle(existing(c, sub, group, name, false));
        });
        if (current.state() != KustoCluster.State.Stopped) {
            return current;
        }
        if (current.key() != null) {
            AekResult aek = cmk.unwrap(current.uuid());
            if (aek instanceof AekResult.Unwrapped u) {
                u.aek().destroy();
            } else if (aek instanceof AekResult.Refused r) {
                throw new ArmException(ArmErrorCode.CustomerManagedKeyInaccessible, "Cluster '" + name + "' cannot start: its"
                        + " customer-managed key cannot be used. " + r.message());
            } else if (aek instanceof AekResult.Unavailable u) {
                throw new ArmException(ArmErrorCode.KeyVaultUnavailable, "Cluster '" + name + "' cannot start: the key vault could not"
                        + " be reached (" + u.reason() + "). Try again later.");
            }
        }
        return repository.inTransaction(c -> {
            KustoCluster again = requireIdle(existing(c, sub, group, name, true));
            if (again.state() != KustoCluster.State.Stopped) {
                return again;
            }
            KustoCluster started = again.withStates(KustoCluster.ProvisioningState.Succeeded, KustoCluster.State.Running, now());
            repository.update(c, started);
            if (started.key() != null) {
                cmk.setActive(c, started.uuid(), true);
            }
            return started;
        });
    }

    // --- attached database configurations

    SavedAttached attach(SubscriptionId sub, ResourceGroupName group, String clusterName, String configName, KustoWire.AttachedBody body,
                         Principal caller) {
        if (configName == null || !CONFIG_NAME.matcher(configName).matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "Attached database configuration name '" + configName + "' is invalid.",
                    "attachedDatabaseConfigurationName");
        }
        KustoWire.AttachedPropertiesIn p = body.properties();
        if (p == null || p.clusterResourceId() == null || p.databaseName() == null || p.databaseName().isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "properties.clusterResourceId and properties.databaseName are required.",
                    "properties");
        }
        String kind = p.defaultPrincipalsModificationKind() == null ? "Union" : p.defaultPrincipalsModificationKind();
        if (!PRINCIPALS_KINDS.contains(kind)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "properties.defaultPrincipalsModificationKind must be one of "
                    + PRINCIPALS_KINDS + ", not '" + kind + "'.", "properties.defaultPrincipalsModificationKind");
        }
        Matcher leaderId = RESOURCE_ID.matcher(p.clusterResourceId());
        if (!leaderId.matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "properties.clusterResourceId '" + p.clusterResourceId()
                    + "' is not the resource id of a Microsoft.Kusto/clusters resource.", "properties.clusterResourceId");
        }
        return repository.inTransaction(c -> {
            vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.Kusto/clusters/attachedDatabaseConfigurations/write", false);
            KustoCluster follower = requireIdle(existing(c, sub, group, clusterName, true));
            SubscriptionId leaderSub = SubscriptionId.parse(leaderId.group(1));
            Optional<KustoCluster> leader = vaults.requireSubscriptionOwner(c, leaderSub, caller, "Microsoft.Kusto/clusters/read", false)
                    ? repository.find(c, leaderSub.value(), leaderId.group(2), leaderId.group(3), true) : Optional.empty();
            if (leader.isEmpty()) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "The leader cluster '" + p.clusterResourceId() + "' was not found.",
                        "properties.clusterResourceId");
            }
            if (leader.get().uuid().equals(follower.uuid())) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "A cluster cannot follow its own databases.",
                        "properties.clusterResourceId");
            }
            for (KustoCluster side : List.of(follower, leader.get())) {
                if (side.key() != null || operations.hasActive(side.id())) {
                    throw new ArmException(ArmErrorCode.BadRequest, KustoKeys.LEADER_FOLLOWER + " Cluster '" + side.name()
                            + "' uses a customer-managed key.", "properties.clusterResourceId");
                }
            }
            Optional<KustoRepository.Attached> before = repository.findAttached(c, follower.uuid(), configName);
            KustoRepository.Attached a = new KustoRepository.Attached(follower.uuid(), before.map(KustoRepository.Attached::name)
                    .orElse(configName), leader.get().id(), leader.get().uuid(), p.databaseName(), kind,
                    before.map(KustoRepository.Attached::createdAt).orElse(now()));
            repository.upsertAttached(c, a);
            return new SavedAttached(follower, a, before.isEmpty());
        });
    }

    SavedAttached attached(SubscriptionId sub, ResourceGroupName group, String clusterName, String configName, Principal caller) {
        return repository.read(c -> {
            if (!vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.Kusto/clusters/attachedDatabaseConfigurations/read", false)) {
                throw notFound(group, clusterName);
            }
            KustoCluster follower = existing(c, sub, group, clusterName, false);
            KustoRepository.Attached a = repository.findAttached(c, follower.uuid(), configName).orElseThrow(() -> new ArmException(
                    ArmErrorCode.ResourceNotFound, "The attached database configuration '" + configName + "' of cluster '" + clusterName
                    + "' was not found."));
            return new SavedAttached(follower, a, false);
        });
    }

    record AttachedPage(KustoCluster follower, List<KustoRepository.Attached> items) {
    }

    AttachedPage listAttached(SubscriptionId sub, ResourceGroupName group, String clusterName, Principal caller) {
        return repository.read(c -> {
            if (!vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.Kusto/clusters/attachedDatabaseConfigurations/read", false)) {
                throw notFound(group, clusterName);
            }
            KustoCluster follower = existing(c, sub, group, clusterName, false);
            return new AttachedPage(follower, repository.listAttached(c, follower.uuid()));
        });
    }

    boolean detach(SubscriptionId sub, ResourceGroupName group, String clusterName, String configName, Principal caller) {
        return repository.inTransaction(c -> {
            vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.Kusto/clusters/attachedDatabaseConfigurations/delete", false);
            Optional<KustoCluster> follower = repository.find(c, sub.value(), group.value(), clusterName, true);
            return follower.isPresent() && repository.deleteAttached(c, follower.get().uuid(), configName);
        });
    }

    // --- rules

    private KustoCluster create(Connection c, SubscriptionId sub, ResourceGroupName group, String name, KustoWire.ClusterBody body,
                                Principal caller) throws SQLException {
        if (body.properties() != null && body.properties().keyVaultProperties() != null) {
            throw new ArmException(ArmErrorCode.CannotProvideKeyVaultPropertiesDuringCreation, KustoKeys.ON_CREATE,
                    "properties.keyVaultProperties");
        }
        if (body.location() == null || body.location().isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'location' property is required.", "location");
        }
        if (body.sku() == null) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'sku' property is required.", "sku");
        }
        KustoCluster.Sku sku = sku(body.sku(), null);
        UUID principal = null;
        if (systemAssigned(body.identity())) {
            // A managed-identity principal of the caller's tenant, so that a vault access policy can name its object id
            // and the CMK core can call the vault as it.
            principal = UUID.fromString(identities.createPrincipal(caller.tenantId(), PrincipalType.MANAGED_IDENTITY, name).objectId());
        }
        Instant now = now();
        KustoCluster created = new KustoCluster(UUID.randomUUID(), sub.value(), group.value(), name, body.location(), caller.tenantId(),
                principal, sku, KustoCluster.ProvisioningState.Succeeded, KustoCluster.State.Running, null,
                body.tags() == null ? Map.of() : body.tags(), now, now);
        repository.insert(c, created);
        LOG.info("kusto cluster {} created{}", created.id(), principal == null ? "" : " with identity " + principal);
        return created;
    }

    /** A PUT or PATCH of an existing cluster (absent members keep their values); a new key starts the async key update. */
    private Saved change(Connection c, KustoCluster current, KustoWire.ClusterBody body) throws SQLException {
        requireIdle(current);
        if (body.location() != null && !CmkKeys.normalLocation(body.location()).equals(CmkKeys.normalLocation(current.location()))) {
            throw new ArmException(ArmErrorCode.BadRequest, "The location of cluster '" + current.name() + "' is '" + current.location()
                    + "' and cannot be changed to '" + body.location() + "'.", "location");
        }
        KustoCluster.Sku sku = body.sku() == null ? current.sku() : sku(body.sku(), current.sku());
        Map<String, String> tags = body.tags() == null ? current.tags() : body.tags();
        // The wire format first, so that a request refused for it changes nothing (not even a new identity).
        CustomerKey key = null;
        KustoWire.KeyVault wire = body.properties() == null ? null : body.properties().keyVaultProperties();
        if (wire != null) {
            if (KustoKeys.namesUserIdentity(wire)) {
                throw new ArmException(ArmErrorCode.KeyVaultPropertiesOnlyForSystemAssignedResources, KustoKeys.SYSTEM_ASSIGNED_ONLY,
                        "properties.keyVaultProperties.userIdentity");
            }
            key = KustoKeys.parse(wire);
        }
        // The docs' ARM template updates the key with a PUT that names no identity: an absent identity keeps the current one.
        UUID principal = current.principalId();
        if (body.identity() != null) {
            if (systemAssigned(body.identity())) {
                if (principal == null) {
                    principal = UUID.fromString(identities.createPrincipal(current.tenantId(), PrincipalType.MANAGED_IDENTITY,
                            current.name()).objectId());
                }
            } else if (current.key() != null) {
                throw new ArmException(ArmErrorCode.BadRequest, "The system-assigned identity of cluster '" + current.name()
                        + "' cannot be removed while customer-managed keys encrypt its data: the cluster reaches its key as that identity.",
                        "identity");
            } else {
                principal = null;
            }
        }
        if (key != null) {
            if (principal == null) {
                throw new ArmException(ArmErrorCode.KeyVaultPropertiesOnlyForSystemAssignedResources, KustoKeys.SYSTEM_ASSIGNED_ONLY,
                        "identity");
            }
            if (repository.inFollowerRelation(c, current.uuid())) {
                throw new ArmException(ArmErrorCode.BadRequest, KustoKeys.LEADER_FOLLOWER + " Cluster '" + current.name()
                        + "' follows or is followed by another cluster (attachedDatabaseConfigurations).", "properties.keyVaultProperties");
            }
            if (key.equals(current.key())) {
                key = null; // repeating the key it has changes nothing
            }
        }
        Instant now = now();
        KustoCluster updated = current.with(sku, tags, principal, now);
        AsyncOperation op = null;
        if (key != null) {
            updated = updated.withStates(KustoCluster.ProvisioningState.Running, KustoCluster.State.Updating, now);
            op = operations.start(c, new NewOperation(KustoCluster.PROVIDER, CmkKeys.normalLocation(current.location()),
                    current.subscriptionId(), current.tenantId(), current.id(), KustoKeyUpdateHandler.KIND, OperationStatus.Updating,
                    write(new KeyUpdate(current.uuid(), key.vaultUri(), key.keyName(), key.keyVersion(), current.state()))));
            LOG.info("kusto cluster {}: key update {} started for {} key '{}'", current.id(), op.id(), key.vaultUri(), key.keyName());
        }
        repository.update(c, updated);
        return new Saved(updated, false, op);
    }

    /**
     * Whether {@code identity} asks for the system-assigned identity ({@code None} or absent: no identity). User-assigned
     * identities do not exist in Keyward; asking for one is refused rather than silently ignored.
     */
    private static boolean systemAssigned(@Nullable KustoWire.Identity identity) {
        String type = identity == null || identity.type() == null ? "None" : identity.type().replace(" ", "");
        if (type.equalsIgnoreCase("SystemAssigned")) {
            return true;
        }
        if (type.equalsIgnoreCase("None")) {
            return false;
        }
        if (type.toLowerCase(Locale.ROOT).contains("userassigned")) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "Keyward's Data Explorer clusters support the SystemAssigned identity"
                    + " only; user-assigned identities (identity type '" + identity.type() + "') are not supported.", "identity.type");
        }
        throw new ArmException(ArmErrorCode.InvalidParameter, "The identity type '" + identity.type() + "' is invalid: use None or"
                + " SystemAssigned.", "identity.type");
    }

    private static KustoCluster.Sku sku(KustoWire.Sku s, @Nullable KustoCluster.Sku current) {
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
        return new KustoCluster.Sku(name, tier, capacity);
    }

    private KustoCluster requireIdle(KustoCluster cluster) {
        if (cluster.state() == KustoCluster.State.Updating || cluster.state() == KustoCluster.State.Deleting
                || operations.hasActive(cluster.id())) {
            throw new ArmException(ArmErrorCode.ConflictError, "Cluster '" + cluster.name() + "' is in state " + cluster.state()
                    + ": an operation on it is in progress. Wait for it to complete and try again.");
        }
        return cluster;
    }

    private KustoCluster existing(Connection c, SubscriptionId sub, ResourceGroupName group, String name, boolean forUpdate)
            throws SQLException {
        return repository.find(c, sub.value(), group.value(), name, forUpdate).orElseThrow(() -> notFound(group, name));
    }

    private static ArmException notFound(ResourceGroupName group, String name) {
        return new ArmException(ArmErrorCode.ResourceNotFound, "The Resource '" + KustoCluster.KIND + "/" + name
                + "' under resource group '" + group + "' was not found.");
    }

    private void kick(@Nullable AsyncOperation op) {
        if (op != null) {
            operations.kick(op.id());
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Microseconds: what timestamptz keeps, so a returned cluster equals the row read back. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
