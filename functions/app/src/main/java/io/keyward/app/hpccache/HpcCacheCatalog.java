package io.keyward.app.hpccache;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.AsyncOperations;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.cmk.Binding;
import io.keyward.app.engine.KeyedResources;
import io.keyward.app.engine.Phase;
import io.keyward.app.engine.Resource;
import io.keyward.app.identity.Principal;
import io.keyward.app.keyhealth.KeyHealth;
import io.keyward.app.keyhealth.KeyState;
import io.keyward.app.vault.KeyPermission;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.VaultService;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HPC caches on the engine. A cache with a customer-managed key is created with its system-assigned identity and waits
 * for its key (health {@code WaitingForKey}) until a caller who may change the key vault authorizes it
 * ({@link #authorize}): the identity gets get/wrapKey/unwrapKey on the vault, soft delete and purge protection are turned
 * on, and only then the core binds the key and creates the cache's AEK (its "encrypted disks").
 */
@Singleton
class HpcCacheCatalog {

    static final String CREATE_KIND = "caches.create";
    /** What the portal's authorize button grants the cache's identity (the HPC Cache CMK docs). */
    static final Set<KeyPermission> KEY_PERMISSIONS = EnumSet.of(KeyPermission.GET, KeyPermission.WRAP_KEY, KeyPermission.UNWRAP_KEY);
    private static final int LIST_ALL = 100_000;
    private static final Logger LOG = LoggerFactory.getLogger(HpcCacheCatalog.class);

    private final KeyedResources engine;
    private final HpcCacheSurface surface;
    private final VaultService vaults;
    private final AsyncOperations operations;
    private final HpcCacheProperties properties;
    private final String vaultDnsSuffix;

    HpcCacheCatalog(KeyedResources engine, HpcCacheSurface surface, VaultService vaults, AsyncOperations operations,
                    HpcCacheProperties properties, @Value("${keyward.vault.dns-suffix:vault.localhost}") String vaultDnsSuffix) {
        this.engine = engine;
        this.surface = surface;
        this.vaults = vaults;
        this.operations = operations;
        this.properties = properties;
        this.vaultDnsSuffix = vaultDnsSuffix.toLowerCase(Locale.ROOT).replaceAll("^\\.+", "");
    }

    static ArmResourceId id(String subscriptionId, String resourceGroupName, String cacheName) {
        return ArmResourceId.of(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName), HpcCache.TYPE,
                CacheName.parse(cacheName).value());
    }

    // --- management operations

    KeyedResources.Saved<HpcCache> createOrUpdate(ArmResourceId id, CacheWire.CacheBody body, Principal caller) {
        return engine.put(surface, id, caller, "Microsoft.StorageCache/caches/write", new KeyedResources.Put<>() {
            @Override
            public KeyedResources.Created<HpcCache> create(KeyedResources.Creation c) {
                return new KeyedResources.Created<>(newCache(c, body), CREATE_KIND);
            }

            @Override
            public KeyedResources.Change<HpcCache> change(Resource<HpcCache> current) {
                return new KeyedResources.Change<>(update(current, body), null);
            }
        });
    }

    Resource<HpcCache> get(ArmResourceId id, Principal caller) {
        return engine.get(surface, id, caller, "Microsoft.StorageCache/caches/read");
    }

    List<Resource<HpcCache>> list(SubscriptionId sub, @Nullable ResourceGroupName group, Principal caller) {
        return engine.list(surface, sub, group, caller, "Microsoft.StorageCache/caches/read", null, LIST_ALL).items();
    }

    /** Starts the async delete (the cache shows {@code Deleting}; the engine shreds its AEK). Empty: there was none (204). */
    Optional<AsyncOperation> delete(ArmResourceId id, Principal caller) {
        return Optional.ofNullable(engine.delete(surface, id, caller, "Microsoft.StorageCache/caches/delete").operation());
    }

    /**
     * Keyward's {@code authorizeKeyVault} action (the portal's "Authorize" button of the HPC Cache CMK docs; not in the REST
     * spec): as {@code caller}, who must be allowed to change the vault, grants the cache's identity get, wrapKey and
     * unwrapKey on the vault and turns on soft delete and purge protection, commits that, then binds the key through the
     * engine as the cache's identity (no transaction open while the vault is called) and creates the cache's AEK. A
     * refusal leaves the cache waiting for its key (the vault changes stay): fix the key and authorize again before the
     * deadline.
     */
    Resource<HpcCache> authorize(ArmResourceId id, Principal caller) {
        failUnauthorized(); // a cache past its window fails now, not at the timer's next run
        Resource<HpcCache> granted = engine.mutate(surface, id, caller, "Microsoft.StorageCache/caches/write", cache -> {
            if (!cache.properties().customerKey()) {
                throw new ArmException(ArmErrorCode.BadRequest, "The cache '" + cache.name() + "' uses Microsoft-managed keys: it has no key"
                        + " vault access to authorize.");
            }
            if (cache.phase() == Phase.Failed) {
                throw new ArmException(ArmErrorCode.ConflictError, cache.properties().statusDescription());
            }
            if (!HpcCache.waitingForKey(cache)) {
                return cache; // authorized before: nothing to do
            }
            KeyReference key = key(cache);
            vaults.authorizeKeyAccess(key.vaultName(), caller, cache.principalId().toString(), cache.tenantId(), KEY_PERMISSIONS, true);
            return cache.withProperties(cache.properties().authorized(engine.now()));
        });
        if (!HpcCache.waitingForKey(granted)) {
            return granted;
        }
        // The vault's key API reads committed state only: the core binds once the grant above is committed.
        KeyedResources.BindOutcome<HpcCache> outcome = engine.bindNow(surface, granted, key(granted).customerKey(), HpcCacheSurface.POLICY,
                HpcCache::waitingForKey, cache -> cache.withPhase(Phase.Succeeded).withProperties(cache.properties().withHealth(HpcCache.HEALTHY,
                        "Cache is healthy. Its disks are encrypted with the customer-managed key '" + key(cache).keyUrl() + "'.")));
        if (outcome.binding() instanceof Binding.Refused r) {
            throw new ArmException(ArmErrorCode.BadRequest, refusal(granted, r, deadline(granted)));
        }
        if (outcome.binding() instanceof Binding.Unreachable u) {
            throw new ArmException(ArmErrorCode.KeyVaultUnavailable, "The key vault could not be reached to create the encrypted"
                    + " disks of cache '" + granted.name() + "' (" + u.reason() + "). Authorize again before " + deadline(granted) + ".");
        }
        LOG.info("cache {}: encrypted disks created", granted.id());
        if (outcome.resource().properties().createOperationId() != null) {
            operations.kick(outcome.resource().properties().createOperationId());
        }
        return outcome.resource();
    }

    /** Fails every cache whose authorization window is over (the Caches_FailUnauthorized timer); returns how many. */
    int failUnauthorized() {
        List<UUID> ops = failWaiting();
        ops.forEach(operations::kick);
        if (!ops.isEmpty()) {
            LOG.info("{} cache(s) failed: key vault access not authorized within {}", ops.size(), properties.authorizeTimeout());
        }
        return ops.size();
    }

    private List<UUID> failWaiting() {
        return engine.inTransaction(() -> {
        List<UUID> ops = new ArrayList<>();
        for (Resource<HpcCache> cache : engine.inPhaseSince(surface, Phase.Creating, engine.now().minus(properties.authorizeTimeout()), 1000)) {
            if (HpcCache.waitingForKey(cache)) {
                engine.save(surface, cache.withPhase(Phase.Failed).withProperties(cache.properties().withHealth(HpcCache.START_FAILED,
                        timedOut())));
                if (cache.properties().createOperationId() != null) {
                    ops.add(cache.properties().createOperationId());
                }
            }
        }
        return ops;
        });
    }

    /** The create operation's step, in its transaction: ends when the cache is ready or failed. */
    Optional<Resource<HpcCache>> find(ArmResourceId id) {
        return engine.find(surface, id);
    }

    void save(Resource<HpcCache> cache) {
        engine.save(surface, cache);
    }

    // --- what GET shows

    /**
     * The cache as the wire shows it: a cache past its authorization window shows Failed even before the timer wrote it;
     * a cache whose key the key-health poller found refused shows health {@code Down} with the vault's answer as a
     * condition, and {@code Healthy} again once the poller reaches the key.
     */
    CacheWire.CacheOut view(Resource<HpcCache> c) {
        if (HpcCache.waitingForKey(c) && !engine.now().isBefore(deadline(c))) {
            return CacheWire.out(c, new CacheWire.Health(HpcCache.START_FAILED, timedOut(), List.of()), Phase.Failed.name());
        }
        if (c.properties().customerKey() && c.phase() == Phase.Succeeded) {
            Optional<KeyHealth.Status> health = engine.keyHealth(c);
            if (health.isPresent() && health.get().state() == KeyState.Revoked) {
                String error = health.get().lastError() == null ? "The key vault refused the key." : health.get().lastError();
                return CacheWire.out(c, new CacheWire.Health(HpcCache.DOWN, "The cache cannot use its customer-managed key, so its"
                        + " encrypted disks cannot be read: restore the key (enable it, or give the cache's identity get, wrapKey and"
                        + " unwrapKey again). The cache is healthy again after the next successful key check.",
                        List.of(new CacheWire.Condition(health.get().lastSuccessfulUnwrap() == null ? null
                                : health.get().lastSuccessfulUnwrap().toString(), error))), HpcCache.provisioningState(c));
            }
        }
        return CacheWire.out(c, new CacheWire.Health(c.properties().healthState(), c.properties().statusDescription(), List.of()),
                HpcCache.provisioningState(c));
    }

    // --- rules

    private Resource<HpcCache> newCache(KeyedResources.Creation c, CacheWire.CacheBody body) {
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
            requireVault(c.id().subscription(), location, key);
        }
        // The system-assigned identity, which the authorize action names in the vault's access policies and as which the
        // core calls the vault.
        HpcCache cache = new HpcCache(sku, size, subnet, key == null ? null : key.keyUrl(), key == null ? null : key.sourceVaultId(),
                key != null && key.rotationToLatest(), key == null ? HpcCache.TRANSITIONING : HpcCache.WAITING_FOR_KEY,
                key == null ? "Cache is being created." : waiting(c.id().name(), key, c.now().plus(properties.authorizeTimeout())), null, null);
        Resource<HpcCache> created = Resource.create(c.uuid(), c.id(), location, c.tenantId(), c.newIdentity(), cache,
                body.tags() == null ? Map.of() : body.tags(), c.now()).withPhase(Phase.Creating);
        return key == null ? created : created.withKey(key.customerKey());
    }

    /** A PUT of an existing cache: only tags change; its key is set once, at creation. */
    private Resource<HpcCache> update(Resource<HpcCache> current, CacheWire.CacheBody body) {
        CacheWire.EncryptionSettings e = body.properties() == null ? null : body.properties().encryptionSettings();
        CacheWire.KeyVaultKeyReference kek = e == null ? null : e.keyEncryptionKey();
        String keyUrl = kek == null ? null : kek.keyUrl();
        boolean rotation = e != null && Boolean.TRUE.equals(e.rotationToLatestKeyVersionEnabled());
        boolean sameKey = keyUrl == null ? current.properties().keyUrl() == null
                : keyUrl.equalsIgnoreCase(current.properties().keyUrl()) && rotation == current.properties().rotationToLatest();
        if (!sameKey) {
            throw new ArmException(ArmErrorCode.BadRequest, "The encryptionSettings of cache '" + current.name() + "' cannot be changed:"
                    + " Keyward sets a cache's key when the cache is created.", "properties.encryptionSettings");
        }
        return current.withTags(body.tags());
    }

    private void requireCmkRegion(String location) {
        boolean offered = properties.cmkRegions().stream().anyMatch(r -> KeyedResources.normalLocation(r).equals(KeyedResources.normalLocation(location)));
        if (!offered) {
            List<String> r = properties.cmkRegions();
            String regions = r.size() == 1 ? r.get(0) : String.join(", ", r.subList(0, r.size() - 1)) + " and " + r.get(r.size() - 1);
            throw new ArmException(ArmErrorCode.BadRequest, "Customer-managed key encryption for Azure HPC Cache is available only in "
                    + regions + "; the cache's location is '" + location + "'. Create the cache in one of those regions, or"
                    + " without encryptionSettings (Microsoft-managed keys).", "location");
        }
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
        if (!KeyedResources.normalLocation(vault.location()).equals(KeyedResources.normalLocation(location))) {
            throw new ArmException(ArmErrorCode.BadRequest, "The key vault '" + vault.name() + "' is in '" + vault.location()
                    + "' and the cache in '" + location + "': the key vault must be in the cache's region.", KeyReference.SOURCE_VAULT_TARGET);
        }
    }

    private KeyReference key(Resource<HpcCache> cache) {
        return KeyReference.parse(cache.properties().keyUrl(), cache.properties().sourceVaultId(), cache.properties().rotationToLatest(),
                vaultDnsSuffix);
    }

    private static String required(@Nullable String value, String property) {
        if (value == null || value.isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The '" + property + "' property is required.", property);
        }
        return value;
    }

    Instant deadline(Resource<HpcCache> cache) {
        return cache.createdAt().plus(properties.authorizeTimeout());
    }

    private static String waiting(String name, KeyReference key, Instant deadline) {
        return "Waiting for key: authorize cache '" + name + "' to use key vault '" + key.vaultName() + "' (POST .../caches/" + name
                + "/authorizeKeyVault) by " + deadline + ", or the cache fails.";
    }

    /** The health description of a cache whose window is over (the docs: the cache fails). */
    String timedOut() {
        long m = properties.authorizeTimeout().toMinutes();
        return "The cache's access to its key vault was not authorized within " + (m == 1 ? "1 minute" : m + " minutes")
                + " of its creation, so the cache failed. Delete the cache and create it again.";
    }

    static String refusal(Resource<HpcCache> cache, Binding.Refused r, @Nullable Instant deadline) {
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
                + (deadline == null ? "" : " The cache keeps waiting for its key: fix it and authorize again before " + deadline + ".");
    }

    Duration keyWaitPoll() {
        return properties.keyWaitPoll();
    }

}
