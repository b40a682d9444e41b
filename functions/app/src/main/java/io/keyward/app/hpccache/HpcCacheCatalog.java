package io.keyward.app.hpccache;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.AsyncOperations;
import io.keyward.app.arm.NewOperation;
import io.keyward.app.arm.OperationStatus;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.StoreException;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.keyward.app.keyhealth.KeyHealth;
import io.keyward.app.keyhealth.KeyState;
import io.keyward.app.vault.KeyPermission;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.VaultService;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HPC caches: a thin surface over the CMK core. A cache with a customer-managed key is created with its system-assigned
 * identity and waits for its key (health {@code WaitingForKey}) until a caller who may change the key vault authorizes
 * it ({@link #authorize}): the identity gets get/wrapKey/unwrapKey on the vault, soft delete and purge protection are
 * turned on, and only then the core binds the key and creates the cache's AEK (its "encrypted disks"). Key validation
 * and polling are the core's ({@link CmkKeys}, {@link KeyHealth}); this class only maps them to the cache's wire.
 */
@Singleton
class HpcCacheCatalog {

    static final String PROVIDER = "Microsoft.StorageCache";
    /** What the portal's authorize button grants the cache's identity (the HPC Cache CMK docs). */
    static final Set<KeyPermission> KEY_PERMISSIONS = EnumSet.of(KeyPermission.GET, KeyPermission.WRAP_KEY, KeyPermission.UNWRAP_KEY);
    private static final Pattern RESOURCE_ID = Pattern.compile(
            "^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\\.StorageCache/caches/([^/]+)/?$", Pattern.CASE_INSENSITIVE);
    private static final Logger LOG = LoggerFactory.getLogger(HpcCacheCatalog.class);

    private final HpcCacheRepository repository;
    private final VaultService vaults;
    private final IdentityService identities;
    private final AsyncOperations operations;
    private final CmkKeys cmk;
    private final KeyHealth keyHealth;
    private final HpcCacheProperties properties;
    private final String vaultDnsSuffix;
    private final Clock clock = Clock.systemUTC();

    HpcCacheCatalog(HpcCacheRepository repository, VaultService vaults, IdentityService identities, AsyncOperations operations,
                    CmkKeys cmk, KeyHealth keyHealth, HpcCacheProperties properties,
                    @Value("${keyward.vault.dns-suffix:vault.localhost}") String vaultDnsSuffix) {
        this.repository = repository;
        this.vaults = vaults;
        this.identities = identities;
        this.operations = operations;
        this.cmk = cmk;
        this.keyHealth = keyHealth;
        this.properties = properties;
        this.vaultDnsSuffix = vaultDnsSuffix.toLowerCase(Locale.ROOT).replaceAll("^\\.+", "");
    }

    /** A PUT: the cache after it, whether it was created (201), and its create operation, if it started one. */
    record Saved(StoredCache cache, boolean created, @Nullable AsyncOperation operation) {
    }

    // --- management operations

    Saved createOrUpdate(SubscriptionId sub, ResourceGroupName group, CacheName name, CacheWire.CacheBody body, Principal caller) {
        Saved saved;
        try {
            saved = repository.inTransaction(c -> {
                vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.StorageCache/caches/write", true);
                Optional<StoredCache> existing = repository.find(c, sub.value(), group.value(), name.value(), true);
                return existing.isEmpty() ? create(c, sub, group, name, body, caller) : update(c, existing.get(), body);
            });
        } catch (StoreException e) {
            if (e.uniqueViolation()) {
                throw new ArmException(ArmErrorCode.ConflictError, "A cache named '" + name + "' is being created by another request.",
                        "cacheName");
            }
            throw e;
        }
        if (saved.operation() != null) {
            operations.kick(saved.operation().id());
        }
        return saved;
    }

    StoredCache get(SubscriptionId sub, ResourceGroupName group, CacheName name, Principal caller) {
        return repository.read(c -> {
            if (!vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.StorageCache/caches/read", false)) {
                throw notFound(group, name);
            }
            return repository.find(c, sub.value(), group.value(), name.value(), false).orElseThrow(() -> notFound(group, name));
        });
    }

    List<StoredCache> list(SubscriptionId sub, @Nullable ResourceGroupName group, Principal caller) {
        return repository.read(c -> {
            if (!vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.StorageCache/caches/read", false)) {
                return List.of();
            }
            return repository.list(c, sub.value(), group == null ? null : group.value());
        });
    }

    /**
     * Starts the async delete (the cache shows {@code Deleting}; its AEK is shredded by {@link CacheDeleteHandler}).
     * Empty when there was no such cache (ARM answers 204).
     */
    Optional<AsyncOperation> delete(SubscriptionId sub, ResourceGroupName group, CacheName name, Principal caller) {
        Optional<AsyncOperation> op = repository.inTransaction(c -> {
            if (!vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.StorageCache/caches/delete", false)) {
                return Optional.<AsyncOperation>empty();
            }
            Optional<StoredCache> found = repository.find(c, sub.value(), group.value(), name.value(), true);
            if (found.isEmpty()) {
                return Optional.<AsyncOperation>empty();
            }
            StoredCache cache = found.get();
            if (StoredCache.DELETING.equals(cache.provisioningState())) {
                throw new ArmException(ArmErrorCode.ConflictError, "The cache '" + cache.name() + "' is already being deleted.");
            }
            repository.update(c, cache.withState(StoredCache.DELETING, StoredCache.TRANSITIONING, "Cache is being deleted.", now()));
            cmk.setActive(c, cache.uuid(), false); // no more key checks for a cache on its way out
            return Optional.of(operations.start(c, new NewOperation(PROVIDER, normalLocation(cache.location()), cache.subscriptionId(),
                    cache.tenantId(), cache.id(), CacheDeleteHandler.KIND, OperationStatus.Deleting, null)));
        });
        op.ifPresent(o -> operations.kick(o.id()));
        return op;
    }

    /**
     * Keyward's {@code authorizeKeyVault} action (the portal's "Authorize" button of the HPC Cache CMK docs; not in the REST
     * spec): as {@code caller}, who must be allowed to change the vault, grants the cache's identity get, wrapKey and
     * unwrapKey on the vault and turns on soft delete and purge protection, commits that, then binds the key through the
     * core as the cache's identity and creates the cache's AEK. A refusal by the core leaves the cache waiting for its
     * key (the vault changes stay): fix the key and authorize again before the deadline.
     */
    StoredCache authorize(SubscriptionId sub, ResourceGroupName group, CacheName name, Principal caller) {
        failUnauthorized(); // a cache past its window fails now, not at the timer's next run
        StoredCache granted = repository.inTransaction(c -> {
            if (!vaults.requireSubscriptionOwner(c, sub, caller, "Microsoft.StorageCache/caches/write", false)) {
                throw notFound(group, name);
            }
            StoredCache cache = repository.find(c, sub.value(), group.value(), name.value(), true).orElseThrow(() -> notFound(group, name));
            if (!cache.customerKey()) {
                throw new ArmException(ArmErrorCode.BadRequest, "The cache '" + cache.name() + "' uses Microsoft-managed keys: it has no key"
                        + " vault access to authorize.");
            }
            if (StoredCache.DELETING.equals(cache.provisioningState())) {
                throw new ArmException(ArmErrorCode.ConflictError, "The cache '" + cache.name() + "' is being deleted.");
            }
            if (StoredCache.FAILED.equals(cache.provisioningState())) {
                throw new ArmException(ArmErrorCode.ConflictError, cache.statusDescription());
            }
            if (!cache.waitingForKey()) {
                return cache; // authorized before: nothing to do
            }
            KeyReference key = key(cache);
            vaults.authorizeKeyAccess(c, key.vaultName(), caller, cache.principalId().toString(), cache.tenantId(), KEY_PERMISSIONS, true);
            StoredCache authorized = cache.authorized(now());
            repository.update(c, authorized);
            return authorized;
        });
        if (!granted.waitingForKey()) {
            return granted;
        }
        // The vault's key API reads committed state only: the core binds once the grant above is committed.
        StoredCache bound = repository.inTransaction(c -> {
            StoredCache cache = repository.find(c, sub.value(), group.value(), name.value(), true).orElseThrow(() -> notFound(group, name));
            if (!cache.waitingForKey()) {
                return cache;
            }
            KeyReference key = key(cache);
            Binding outcome = cmk.bind(cache.resource(), key.customerKey(), KeyPolicy.rsa2048(true, Set.of()));
            if (outcome instanceof Binding.Bound b) {
                Instant now = now();
                cmk.save(c, cache.resource(), b.aek(), key.rotationToLatest(), now);
                StoredCache healthy = cache.withState(StoredCache.SUCCEEDED, StoredCache.HEALTHY, "Cache is healthy. Its disks are"
                        + " encrypted with the customer-managed key '" + b.aek().keyId() + "'.", now);
                repository.update(c, healthy);
                LOG.info("cache {}: encrypted disks created, AEK wrapped by {}", cache.id(), b.aek().keyId());
                return healthy;
            }
            if (outcome instanceof Binding.Refused r) {
                throw new ArmException(ArmErrorCode.BadRequest, refusal(cache, r));
            }
            throw new ArmException(ArmErrorCode.KeyVaultUnavailable, "The key vault could not be reached to create the encrypted"
                    + " disks of cache '" + cache.name() + "' (" + ((Binding.Unreachable) outcome).reason() + "). Authorize again before "
                    + deadline(cache) + ".");
        });
        if (bound.createOperation() != null) {
            operations.kick(bound.createOperation());
        }
        return bound;
    }

    /** Fails every cache whose authorization window is over (the Caches_FailUnauthorized timer); returns how many. */
    int failUnauthorized() {
        Instant now = now();
        List<UUID> ops = repository.inTransaction(c -> repository.failWaitingCreatedBefore(c, now.minus(properties.authorizeTimeout()),
                timedOut(), now));
        ops.forEach(operations::kick);
        if (!ops.isEmpty()) {
            LOG.info("{} cache(s) failed: key vault access not authorized within {}", ops.size(), properties.authorizeTimeout());
        }
        return ops.size();
    }

    // --- what GET shows

    /**
     * The cache as the wire shows it: a cache past its authorization window shows Failed even before the timer wrote it;
     * a cache whose key the key-health poller found refused shows health {@code Down} with the vault's answer as a
     * condition, and {@code Healthy} again once the poller reaches the key.
     */
    CacheWire.CacheOut view(StoredCache c) {
        if (c.waitingForKey() && !now().isBefore(deadline(c))) {
            return CacheWire.out(c, new CacheWire.Health(StoredCache.START_FAILED, timedOut(), List.of()), StoredCache.FAILED);
        }
        if (c.customerKey() && StoredCache.SUCCEEDED.equals(c.provisioningState())) {
            Optional<KeyHealth.Status> health = keyHealth.of(c.uuid());
            if (health.isPresent() && health.get().state() == KeyState.Revoked) {
                String error = health.get().lastError() == null ? "The key vault refused the key." : health.get().lastError();
                return CacheWire.out(c, new CacheWire.Health(StoredCache.DOWN, "The cache cannot use its customer-managed key, so its"
                        + " encrypted disks cannot be read: restore the key (enable it, or give the cache's identity get, wrapKey and"
                        + " unwrapKey again). The cache is healthy again after the next successful key check.",
                        List.of(new CacheWire.Condition(health.get().lastSuccessfulUnwrap() == null ? null
                                : health.get().lastSuccessfulUnwrap().toString(), error))), c.provisioningState());
            }
        }
        return CacheWire.out(c, new CacheWire.Health(c.healthState(), c.statusDescription(), List.of()), c.provisioningState());
    }

    // --- rules

    private Saved create(Connection c, SubscriptionId sub, ResourceGroupName group, CacheName name, CacheWire.CacheBody body,
                         Principal caller) throws SQLException {
        String location = required(body.location(), "location");
        String sku = required(body.sku() == null ? null : body.sku().name(), "sku.name");
        CacheWire.PropertiesIn p = body.properties();
        Integer size = p == null ? null : p.cacheSizeGB();
        if (size == null || size <= 0) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'properties.cacheSizeGB' property is required and must be a"
                    + " positive number.", "properties.cacheSizeGB");
        }
        String subnet = required(p.subnet(), "properties.subnet");
        KeyReference key = null;
        CacheWire.EncryptionSettings encryption = p.encryptionSettings();
        if (encryption != null && encryption.keyEncryptionKey() != null) {
            requireCmkRegion(location);
            requireSystemAssigned(body.identity());
            CacheWire.KeyVaultKeyReference kek = encryption.keyEncryptionKey();
            key = KeyReference.parse(kek.keyUrl(), kek.sourceVault() == null ? null : kek.sourceVault().id(),
                    Boolean.TRUE.equals(encryption.rotationToLatestKeyVersionEnabled()), vaultDnsSuffix);
            requireVault(sub, location, key);
        }
        // The system-assigned identity: a managed-identity principal of the caller's tenant, which the authorize action
        // names in the vault's access policies and as which the core calls the vault.
        Principal identity = identities.createPrincipal(caller.tenantId(), PrincipalType.MANAGED_IDENTITY, name.value());
        Instant now = now();
        StoredCache created = new StoredCache(UUID.randomUUID(), sub.value(), group.value(), name.value(), location, caller.tenantId(),
                UUID.fromString(identity.objectId()), sku, size, subnet, key == null ? null : key.keyUrl(),
                key == null ? null : key.sourceVaultId(), key != null && key.rotationToLatest(), StoredCache.CREATING,
                key == null ? StoredCache.TRANSITIONING : StoredCache.WAITING_FOR_KEY,
                key == null ? "Cache is being created." : waiting(name.value(), key, now.plus(properties.authorizeTimeout())),
                body.tags() == null ? Map.of() : body.tags(), now, now, null, null);
        repository.insert(c, created);
        AsyncOperation op = operations.start(c, new NewOperation(PROVIDER, normalLocation(location), sub.value(), caller.tenantId(),
                created.id(), CacheCreateHandler.KIND, OperationStatus.InProgress, null));
        created = created.withCreateOperation(op.id());
        repository.update(c, created);
        LOG.info("cache {} created with identity {}{}", created.id(), identity.objectId(), key == null ? "" : ", waiting for its key");
        return new Saved(created, true, op);
    }

    /** A PUT of an existing cache: only tags change; its key is set once, at creation. */
    private Saved update(Connection c, StoredCache current, CacheWire.CacheBody body) throws SQLException {
        if (StoredCache.DELETING.equals(current.provisioningState())) {
            throw new ArmException(ArmErrorCode.ConflictError, "The cache '" + current.name() + "' is being deleted.");
        }
        CacheWire.EncryptionSettings e = body.properties() == null ? null : body.properties().encryptionSettings();
        CacheWire.KeyVaultKeyReference kek = e == null ? null : e.keyEncryptionKey();
        String keyUrl = kek == null ? null : kek.keyUrl();
        boolean rotation = e != null && Boolean.TRUE.equals(e.rotationToLatestKeyVersionEnabled());
        boolean sameKey = keyUrl == null ? current.keyUrl() == null
                : keyUrl.equalsIgnoreCase(current.keyUrl()) && rotation == current.rotationToLatest();
        if (!sameKey) {
            throw new ArmException(ArmErrorCode.BadRequest, "The encryptionSettings of cache '" + current.name() + "' cannot be changed:"
                    + " Keyward sets a cache's key when the cache is created.", "properties.encryptionSettings");
        }
        StoredCache updated = current.withTags(body.tags() == null ? current.tags() : body.tags(), now());
        repository.update(c, updated);
        return new Saved(updated, false, null);
    }

    private void requireCmkRegion(String location) {
        boolean offered = properties.cmkRegions().stream().anyMatch(r -> normalLocation(r).equals(normalLocation(location)));
        if (!offered) {
            throw new ArmException(ArmErrorCode.BadRequest, "Customer-managed key encryption for Azure HPC Cache is available only in "
                    + regions() + "; the cache's location is '" + location + "'. Create the cache in one of those regions, or"
                    + " without encryptionSettings (Microsoft-managed keys).", "location");
        }
    }

    private String regions() {
        List<String> r = properties.cmkRegions();
        return r.size() == 1 ? r.get(0) : String.join(", ", r.subList(0, r.size() - 1)) + " and " + r.get(r.size() - 1);
    }

    private static void requireSystemAssigned(@Nullable CacheWire.Identity identity) {
        if (identity == null || identity.type() == null || !identity.type().equalsIgnoreCase("SystemAssigned")) {
            throw new ArmException(ArmErrorCode.BadRequest, "A cache with customer-managed key encryption needs a system-assigned"
                    + " managed identity: set identity.type to 'SystemAssigned' (Keyward does not support user-assigned identities"
                    + " for caches).", "identity");
        }
    }

    /** The vault: in the cache's subscription, existing, in the cache's region (the HPC Cache CMK docs). */
    private void requireVault(SubscriptionId sub, String location, KeyReference key) {
        if (!key.vaultSubscription().equalsIgnoreCase(sub.value())) {
            throw new ArmException(ArmErrorCode.BadRequest, "The key vault must be in the cache's subscription '" + sub + "'; sourceVault.id"
                    + " names subscription '" + key.vaultSubscription() + "'.", KeyReference.SOURCE_VAULT_TARGET);
        }
        Vault vault = vaults.findActiveByName(key.vaultName())
                .filter(v -> v.subscriptionId().equalsIgnoreCase(key.vaultSubscription()) && v.resourceGroup().equalsIgnoreCase(key.vaultGroup()))
                .orElseThrow(() -> new ArmException(ArmErrorCode.BadRequest, "The key vault '" + key.vaultName() + "' was not found in"
                        + " resource group '" + key.vaultGroup() + "' of subscription '" + key.vaultSubscription() + "'.",
                        KeyReference.SOURCE_VAULT_TARGET));
        if (!normalLocation(vault.location()).equals(normalLocation(location))) {
            throw new ArmException(ArmErrorCode.BadRequest, "The key vault '" + vault.name() + "' is in '" + vault.location()
                    + "' and the cache in '" + location + "': the key vault must be in the cache's region.", KeyReference.SOURCE_VAULT_TARGET);
        }
    }

    private KeyReference key(StoredCache cache) {
        return KeyReference.parse(cache.keyUrl(), cache.sourceVaultId(), cache.rotationToLatest(), vaultDnsSuffix);
    }

    private static String required(@Nullable String value, String property) {
        if (value == null || value.isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The '" + property + "' property is required.", property);
        }
        return value;
    }

    Instant deadline(StoredCache cache) {
        return cache.createdAt().plus(properties.authorizeTimeout());
    }

    private String waiting(String name, KeyReference key, Instant deadline) {
        return "Waiting for key: authorize cache '" + name + "' to use key vault '" + key.vaultName() + "' (POST .../caches/" + name
                + "/authorizeKeyVault) by " + deadline + ", or the cache fails.";
    }

    /** The health description of a cache whose window is over (the docs: the cache fails). */
    String timedOut() {
        return "The cache's access to its key vault was not authorized within " + minutes(properties.authorizeTimeout())
                + " of its creation, so the cache failed. Delete the cache and create it again.";
    }

    private static String minutes(Duration d) {
        long m = d.toMinutes();
        return m == 1 ? "1 minute" : m + " minutes";
    }

    private String refusal(StoredCache cache, Binding.Refused r) {
        String lead = switch (r.reason()) {
            case NOT_RSA, RSA_SIZE -> "Azure HPC Cache requires an RSA 2048 key. ";
            case KEY_NOT_FOUND -> "The key does not exist in the key vault. ";
            case KEY_DISABLED -> "The key is disabled. ";
            case ACCESS_DENIED -> "The cache's identity was refused access to the key. ";
            case NO_SOFT_DELETE, NO_PURGE_PROTECTION -> "The key vault must have soft delete and purge protection. ";
            case OTHER_REGION -> "The key vault must be in the cache's region. ";
            case OTHER_TENANT -> "The key vault must be in the cache's tenant. ";
            default -> "";
        };
        return "The encrypted disks of cache '" + cache.name() + "' could not be created with its key: " + lead + r.detail()
                + " The cache keeps waiting for its key: fix it and authorize again before " + deadline(cache) + ".";
    }

    private static ArmException notFound(ResourceGroupName group, CacheName name) {
        return new ArmException(ArmErrorCode.ResourceNotFound, "The Resource '" + StoredCache.KIND + "/" + name + "' under resource group '"
                + group + "' was not found.");
    }

    record ParsedId(String sub, String group, String name) {
    }

    static Optional<ParsedId> parseId(@Nullable String resourceId) {
        Matcher m = resourceId == null ? null : RESOURCE_ID.matcher(resourceId);
        return m == null || !m.matches() ? Optional.empty()
                : Optional.of(new ParsedId(m.group(1).toLowerCase(Locale.ROOT), m.group(2), m.group(3)));
    }

    static String normalLocation(String location) {
        return CmkKeys.normalLocation(location);
    }

    /** Microseconds: what timestamptz keeps. */
    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
