package io.keyward.app.hpccache;

import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.AsyncOperations;
import io.keyward.app.arm.KnownMembers;
import io.keyward.app.arm.Refusals;
import io.keyward.app.arm.StepResult;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.engine.CreationTimeouts;
import io.keyward.app.engine.KeyUpdate;
import io.keyward.app.engine.KeyedResources;
import io.keyward.app.engine.ManagedIdentity;
import io.keyward.app.engine.UserIdentities;
import io.keyward.app.engine.Phase;
import io.keyward.app.engine.Resource;
import io.keyward.app.engine.ResourceHttp;
import io.keyward.app.engine.Surface;
import io.keyward.app.engine.TrackedResource;
import io.keyward.app.identity.Principal;
import io.keyward.app.vault.KeyPermission;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.VaultService;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HPC caches on the engine. A cache with a customer-managed key (RSA 2048, the vault in the cache's subscription and
 * region, in the regions that offer it) is created with its system-assigned identity and waits for its key (health
 * {@code WaitingForKey}, the engine's asynchronous create) until a caller who may change the key vault authorizes it
 * ({@link #authorize}): the identity gets get/wrapKey/unwrapKey on the vault, soft delete and purge protection are turned
 * on, and only then the engine binds the key and creates the cache's AEK (its "encrypted disks"). A cache not authorized
 * within {@code keyward.hpccache.authorize-timeout} fails. Once it has its key, a PUT or PATCH naming another key starts
 * the engine's key update. No soft delete: a delete shreds the AEK.
 */
@Singleton
class HpcCaches implements Surface<HpcCache> {

    static final KeyPolicy POLICY = KeyPolicy.rsa2048(true, Set.of());
    /** What the portal's authorize button grants the cache's identity (the HPC Cache CMK docs). */
    static final Set<KeyPermission> KEY_PERMISSIONS = EnumSet.of(KeyPermission.GET, KeyPermission.WRAP_KEY, KeyPermission.UNWRAP_KEY);
    private static final String WRITE = "Microsoft.StorageCache/caches/write";
    private static final String CACHES = "HPC caches";
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("^[-0-9a-zA-Z_]{1,80}$");
    private static final Logger LOG = LoggerFactory.getLogger(HpcCaches.class);

    private final KeyedResources engine;
    private final ResourceHttp http;
    private final VaultService vaults;
    private final AsyncOperations operations;
    private final CreationTimeouts timeouts;
    private final HpcCacheProperties properties;
    private final String vaultDnsSuffix;

    HpcCaches(KeyedResources engine, ResourceHttp http, VaultService vaults, AsyncOperations operations, CreationTimeouts timeouts,
              HpcCacheProperties properties, @Value("${keyward.vault.dns-suffix:vault.localhost}") String vaultDnsSuffix) {
        this.timeouts = timeouts;
        this.engine = engine;
        this.http = http;
        this.vaults = vaults;
        this.operations = operations;
        this.properties = properties;
        this.vaultDnsSuffix = vaultDnsSuffix.toLowerCase(Locale.ROOT).replaceAll("^\\.+", "");
    }

    static final ApiVersions API_VERSIONS = ApiVersions.of("2023-05-01", "2024-03-01", "2025-07-01");

    // --- management operations

    @Override
    public KeyedResources.Saved<HpcCache> put(ArmResourceId id, @Nullable String json, Principal caller) {
        CacheWire.CacheBody body = body(json);
        KeyedResources.Saved<HpcCache> saved = engine.put(this, id, caller, WRITE, new KeyedResources.Put<>() {
            @Override
            public KeyedResources.Created<HpcCache> create(KeyedResources.Creation c) {
                return new KeyedResources.Created<>(newCache(c, body, caller), KeyedResources.CREATE);
            }

            @Override
            public KeyedResources.Change<HpcCache> change(Resource<HpcCache> current) {
                return HpcCaches.this.change(current, body, true, caller, new Refusals());
            }
        });
        if (saved.created() && HpcCache.waitingForKey(saved.resource()) && saved.resource().userIdentities().keyIdentity() != null) {
            // a user-assigned identity that already has access to the key: the encrypted disks are created now, no authorize step
            KeyedResources.BindOutcome<HpcCache> outcome = createDisks(saved.resource());
            if (outcome.binding() instanceof Binding.Bound) {
                return new KeyedResources.Saved<>(outcome.resource(), true, saved.operation());
            }
            LOG.info("cache {}: its user-assigned identity could not use the key yet; the cache waits for it", saved.resource().id());
        }
        return saved;
    }

    @Override
    public KeyedResources.Saved<HpcCache> patch(ArmResourceId id, @Nullable String json, Principal caller) {
        // what the body alone refuses is named together with what it would change of the cache's fixed settings
        Refusals refusals = new Refusals();
        CacheWire.CacheBody body = body(json, refusals);
        return engine.update(this, id, caller, WRITE, current -> change(current, body, false, caller, refusals));
    }

    /**
     * The body, its members checked first (2023-05-01 Cache): unknown members, and settings a Keyward cache cannot
     * honour (client access policies, directory services, network settings other than the defaults, scheduled upgrades,
     * zones), are refused naming them; read-only members are ignored.
     */
    private CacheWire.CacheBody body(@Nullable String json) {
        Refusals refusals = new Refusals(); // every refused member named in the one answer
        CacheWire.CacheBody body = body(json, refusals);
        refusals.throwIfAny();
        return body;
    }

    /** As {@link #body(String)}, the refusals added to {@code refusals} and not thrown. */
    private CacheWire.CacheBody body(@Nullable String json, Refusals refusals) {
        if (json != null && !json.isBlank()) {
            Map<?, ?> raw = http.body(json, Map.class);
            KnownMembers.collect(raw, CacheWire.CACHE_REQUEST, "Keyward's HPC caches carry the members of the 2023-05-01 Cache", refusals);
            if (raw.get("zones") instanceof List<?> z && !z.isEmpty()) {
                refusals.add(unsupported("zones", "a Keyward deployment has no availability zones"));
            }
            if (raw.get("properties") instanceof Map<?, ?> p) {
                refuseUnhonoured(p, refusals);
            }
        }
        return http.body(json, CacheWire.CacheBody.class);
    }

    private static void refuseUnhonoured(Map<?, ?> p, Refusals refusals) {
        if (p.get("zones") instanceof List<?> z && !z.isEmpty()) {
            refusals.add(unsupported("properties.zones", "a Keyward deployment has no availability zones"));
        }
        if (p.get("securitySettings") instanceof Map<?, ?> security && security.get("accessPolicies") instanceof List<?> policies
                && !policies.isEmpty()) {
            refusals.add(unsupported("properties.securitySettings.accessPolicies", "a Keyward cache serves no NFS clients whose access they"
                    + " would rule"));
        }
        if (p.get("directoryServicesSettings") instanceof Map<?, ?> directory) {
            refusals.check(() -> refuseDirectory(directory));
        }
        if (p.get("upgradeSettings") instanceof Map<?, ?> upgrade) {
            if (Boolean.TRUE.equals(upgrade.get("upgradeScheduleEnabled"))) {
                refusals.add(unsupported("properties.upgradeSettings.upgradeScheduleEnabled", "a Keyward cache has no firmware to upgrade"));
            }
            if (upgrade.get("scheduledTime") != null) {
                refusals.add(unsupported("properties.upgradeSettings.scheduledTime", "a Keyward cache has no firmware to upgrade, so no"
                        + " upgrade is scheduled"));
            }
        }
        if (p.get("networkSettings") instanceof Map<?, ?> network) {
            for (Map.Entry<?, ?> e : network.entrySet()) {
                String member = String.valueOf(e.getKey());
                Object v = e.getValue();
                boolean asDefault = switch (member) {
                    case "mtu" -> v == null || v instanceof Number n && n.intValue() == 1500;
                    case "ntpServer" -> v == null || "time.windows.com".equals(v);
                    case "dnsServers" -> v == null || v instanceof List<?> l && l.isEmpty();
                    case "dnsSearchDomain" -> v == null || "".equals(v);
                    case "utilityAddresses" -> true; // read-only
                    default -> false;
                };
                if (!asDefault) {
                    refusals.add(unsupported("properties.networkSettings." + member, "a Keyward cache has no network interface to configure"));
                }
            }
        }
    }

    /**
     * Directory services: a Keyward cache joins no domain and downloads no user names, so only what the answer shows (no
     * activeDirectory, usernameDownload with usernameSource None and every switch off; usernameDownloaded is read-only) is
     * accepted, and a GET body sent back works.
     */
    private static void refuseDirectory(Map<?, ?> directory) {
        String at = "properties.directoryServicesSettings";
        if (directory.get("activeDirectory") != null) {
            throw unsupported(at + ".activeDirectory", "a Keyward cache joins no directory");
        }
        if (!(directory.get("usernameDownload") instanceof Map<?, ?> download)) {
            return;
        }
        for (Map.Entry<?, ?> e : download.entrySet()) {
            String member = String.valueOf(e.getKey());
            Object v = e.getValue();
            boolean asDefault = switch (member) {
                case "usernameSource" -> v == null || "None".equals(v);
                case "extendedGroups", "encryptLdapConnection", "requireValidCertificate", "autoDownloadCertificate" ->
                        v == null || Boolean.FALSE.equals(v);
                case "usernameDownloaded" -> true; // read-only
                default -> v == null || "".equals(v); // URIs, LDAP server and base DN, credentials: only with a source
            };
            if (!asDefault) {
                throw unsupported(at + ".usernameDownload." + member, "a Keyward cache downloads no user or group names");
            }
        }
    }

    private static ArmException unsupported(String target, String why) {
        return new ArmException(ArmErrorCode.InvalidParameter, "The property '" + target + "' cannot be honoured: " + why
                + "; remove it or send its default.", target);
    }

    /** The spec's {@code cacheName}: {@code ^[-0-9a-zA-Z_]{1,80}$}. */
    @Override
    public String name(String name) {
        return TrackedResource.requireName(name, NAME, ArmErrorCode.InvalidParameter, "The cache name '" + name + "' is invalid: it must"
                + " be 1 to 80 letters, digits, '-' or '_'.", "cacheName");
    }

    /**
     * Keyward's {@code authorizeKeyVault} action (the portal's "Authorize" button of the HPC Cache CMK docs; not in the REST
     * spec): as {@code caller}, who must be allowed to change the vault, grants the cache's identity get, wrapKey and
     * unwrapKey on the vault and turns on soft delete and purge protection, commits that, then binds the key through the
     * engine as the cache's identity (no transaction open while the vault is called). A refusal leaves the cache waiting
     * for its key (the vault changes stay): fix the key and authorize again before the deadline.
     */
    private Resource<HpcCache> authorize(ArmResourceId id, Principal caller) {
        timeouts.failOverdue(this); // a cache past its window fails now, not at the timer's next run
        Resource<HpcCache> granted = engine.mutate(this, id, caller, WRITE, cache -> {
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
            vaults.authorizeKeyAccess(key(cache.properties()).vaultName(), caller, cache.keyPrincipal().toString(), cache.tenantId(),
                    KEY_PERMISSIONS, true);
            return cache.withProperties(cache.properties().authorized(engine.now()));
        });
        if (!HpcCache.waitingForKey(granted)) {
            return granted;
        }
        // The vault's key API reads committed state only: the engine binds once the grant above is committed.
        KeyedResources.BindOutcome<HpcCache> outcome = createDisks(granted);
        if (outcome.binding() instanceof Binding.Refused r) {
            throw new ArmException(ArmErrorCode.BadRequest, refusal(granted, r) + " The cache keeps waiting for its key: fix it and authorize"
                    + " again before " + deadline(granted) + ".");
        }
        if (outcome.binding() instanceof Binding.Unreachable u) {
            throw new ArmException(ArmErrorCode.KeyVaultUnavailable, "The key vault could not be reached to create the encrypted"
                    + " disks of cache '" + granted.name() + "' (" + u.reason() + "). Authorize again before " + deadline(granted) + ".");
        }
        LOG.info("cache {}: encrypted disks created", granted.id());
        return outcome.resource();
    }

    /** Binds the waiting cache's key as its identity and, bound, creates its encrypted disks (no transaction open). */
    private KeyedResources.BindOutcome<HpcCache> createDisks(Resource<HpcCache> waiting) {
        KeyedResources.BindOutcome<HpcCache> outcome = engine.bindNow(this, waiting, waiting.key(), POLICY, HpcCache::waitingForKey,
                cache -> cache.withPhase(Phase.Succeeded).withProperties(cache.properties().withHealth(HpcCache.HEALTHY,
                        "Cache is healthy. Its disks are encrypted with the customer-managed key '" + cache.properties().keyUrl() + "'.")));
        if (outcome.binding() instanceof Binding.Bound && outcome.resource().properties().createOperationId() != null) {
            operations.kick(outcome.resource().properties().createOperationId());
        }
        return outcome;
    }

    /**
     * The cache as the wire shows it: a cache past its authorization window shows Failed even before the timer wrote it;
     * a cache whose key the key-health poller found refused shows health {@code Down} with the vault's answer as a
     * condition, and {@code Healthy} again once the poller reaches the key.
     */
    @Override
    public TrackedResource<CacheWire.PropertiesOut> out(Resource<HpcCache> c) {
        if (HpcCache.waitingForKey(c) && !engine.now().isBefore(deadline(c))) {
            return CacheWire.out(timedOut(c), List.of());
        }
        var health = c.phase() == Phase.Succeeded ? engine.keyHealth(c) : java.util.Optional.<io.keyward.app.keyhealth.KeyHealth.Status>empty();
        if (health.isPresent() && health.get().state() == io.keyward.app.keyhealth.KeyState.Revoked) {
            String error = health.get().lastError() == null ? "The key vault refused the key." : health.get().lastError();
            return CacheWire.out(c.withProperties(c.properties().withHealth(HpcCache.DOWN, "The cache cannot use its customer-managed key,"
                    + " so its encrypted disks cannot be read: restore the key (enable it, or give the cache's identity get, wrapKey and"
                    + " unwrapKey again). The cache is healthy again after the next successful key check.")),
                    List.of(new CacheWire.Condition(health.get().lastSuccessfulUnwrap() == null ? null
                            : health.get().lastSuccessfulUnwrap().toString(), error)));
        }
        return CacheWire.out(c, List.of());
    }

    // --- rules

    private Resource<HpcCache> newCache(KeyedResources.Creation c, CacheWire.CacheBody body, Principal caller) {
        String location = KeyedResources.required(body.location(), "location");
        String sku = KeyedResources.required(body.sku() == null ? null : body.sku().name(), "sku.name");
        CacheWire.PropertiesIn p = body.properties();
        Integer size = p == null ? null : p.cacheSizeGB();
        if (size == null || size <= 0) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'properties.cacheSizeGB' property is required and must be a"
                    + " positive number.", "properties.cacheSizeGB");
        }
        String subnet = KeyedResources.required(p.subnet(), "properties.subnet");
        KeyReference key = requestedKey(c.id().subscription(), location, body, true);
        KeyedResources.Identities identities = engine.identitiesAfter(null, c.tenantId(), c.id().name(),
                body.identity() == null ? new ManagedIdentity("SystemAssigned", null, null, null) : body.identity(), caller, CACHES, true, true);
        UserIdentities users = identities.users().isEmpty() ? identities.users()
                : identities.users().withKeyIdentity(identities.users().assigned().keySet().iterator().next());
        HpcCache cache = new HpcCache(sku, size, subnet, key == null ? null : key.keyUrl(), key == null ? null : key.sourceVaultId(),
                key != null && key.rotationToLatest(), key == null ? HpcCache.TRANSITIONING : HpcCache.WAITING_FOR_KEY, key == null
                ? "Cache is being created." : users.keyIdentity() != null ? "Waiting for key: the user-assigned identity '" + users.keyIdentity()
                + "' must have get, wrapKey and unwrapKey on key vault '" + key.vaultName() + "' (or authorize the cache: POST .../caches/"
                + c.id().name() + "/authorizeKeyVault) by " + c.now().plus(properties.authorizeTimeout()) + ", or the cache fails."
                : "Waiting for key: authorize cache '" + c.id().name() + "' to use key vault '" + key.vaultName()
                + "' (POST .../caches/" + c.id().name() + "/authorizeKeyVault) by " + c.now().plus(properties.authorizeTimeout())
                + ", or the cache fails.", null, null);
        // the identity that reaches the key: a user-assigned one if the cache has one (already granted, the docs' way to skip
        // the authorize step), else the system-assigned one, which the authorize action names in the vault's access policies
        Resource<HpcCache> created = Resource.create(c.uuid(), c.id(), location, c.tenantId(), identities.principalId(), cache,
                body.tags() == null ? Map.of() : body.tags(), c.now()).withPhase(Phase.Creating).withIdentities(identities.principalId(), users);
        return key == null ? created : created.withKey(key.customerKey());
    }

    /**
     * A PUT ({@code replace}) or PATCH of an existing cache: tags change; the key stays as it is while the cache waits for it,
     * and another key for a cache that has one starts the engine's key update (the cache's identity must already have
     * access to it; no authorize step).
     */
    private KeyedResources.Change<HpcCache> change(Resource<HpcCache> current, CacheWire.CacheBody body, boolean replace, Principal caller,
                                                   Refusals refusals) {
        KeyedResources.requireSameLocation(current, body.location(), "cache");
        refuseChangeOfFixed(current, body, refusals);
        refusals.throwIfAny();
        if (body.identity() != null) {
            KeyedResources.Identities asked = engine.identitiesAfter(current, current.tenantId(), current.name(), body.identity(), caller,
                    CACHES, true, true);
            if (!java.util.Objects.equals(asked.principalId(), current.principalId()) || !asked.users().assigned().keySet().stream()
                    .allMatch(k -> current.userIdentities().find(k).isPresent()) || asked.users().assigned().size() != current.userIdentities()
                    .assigned().size()) {
                throw new ArmException(ArmErrorCode.BadRequest, "The identity of cache '" + current.name() + "' is set when the cache is"
                        + " created and cannot be changed.", "identity");
            }
        }
        CacheWire.EncryptionSettings e = body.properties() == null ? null : body.properties().encryptionSettings();
        if (e == null && !replace) {
            return new KeyedResources.Change<>(current.withTags(body.tags()), null);
        }
        KeyReference wanted = requestedKey(current.id().subscription(), current.location(), body, false);
        HpcCache p = current.properties();
        if (wanted == null ? p.keyUrl() == null
                : wanted.keyUrl().equalsIgnoreCase(p.keyUrl()) && wanted.rotationToLatest() == p.rotationToLatest()) {
            return new KeyedResources.Change<>(current.withTags(body.tags()), null);
        }
        if (wanted == null || p.keyUrl() == null || !HpcCache.HEALTHY.equals(p.healthState())) {
            throw new ArmException(ArmErrorCode.BadRequest, "The encryptionSettings of cache '" + current.name() + "' cannot be changed"
                    + (p.keyUrl() == null || wanted == null ? ": a cache keeps the kind of key it was created with."
                    : " until the cache has its key: authorize it first."), "properties.encryptionSettings");
        }
        return new KeyedResources.Change<>(current.withTags(body.tags()), KeyUpdate.of(current.uuid(), wanted.customerKey(), null)
                .with(Map.of("keyUrl", wanted.keyUrl(), "sourceVaultId", wanted.sourceVaultId(),
                        "rotationToLatest", Boolean.toString(wanted.rotationToLatest()))));
    }

    /**
     * A cache's sku and size are fixed when it is created (HPC Cache deploys its nodes for them): a request for an
     * existing cache may repeat them but not change them; each one it changes is refused naming it (never accepted and dropped).
     */
    private static void refuseChangeOfFixed(Resource<HpcCache> current, CacheWire.CacheBody body, Refusals refusals) {
        HpcCache p = current.properties();
        if (body.sku() != null && body.sku().name() != null && !body.sku().name().equalsIgnoreCase(p.skuName())) {
            refusals.add(new ArmException(ArmErrorCode.BadRequest, "The property 'sku.name' of cache '" + current.name() + "' is '"
                    + p.skuName() + "' and cannot be changed to '" + body.sku().name() + "': a cache's sku is set when it is created.",
                    "sku.name"));
        }
        CacheWire.PropertiesIn given = body.properties();
        if (given != null && given.cacheSizeGB() != null && given.cacheSizeGB() != p.cacheSizeGb()) {
            refusals.add(new ArmException(ArmErrorCode.BadRequest, "The property 'properties.cacheSizeGB' of cache '" + current.name()
                    + "' is " + p.cacheSizeGb() + " and cannot be changed: a cache's size is set when it is created.", "properties.cacheSizeGB"));
        }
    }

    /** The request's {@code encryptionSettings.keyEncryptionKey}, checked against the docs' rules; null: Microsoft-managed keys. */
    @Nullable
    private KeyReference requestedKey(SubscriptionId sub, String location, CacheWire.CacheBody body, boolean create) {
        CacheWire.EncryptionSettings e = body.properties() == null ? null : body.properties().encryptionSettings();
        if (e == null || e.keyEncryptionKey() == null) {
            return null;
        }
        if (properties.cmkRegions().stream().noneMatch(r -> KeyedResources.normalLocation(r).equals(KeyedResources.normalLocation(location)))) {
            List<String> r = properties.cmkRegions();
            throw new ArmException(ArmErrorCode.BadRequest, "Customer-managed key encryption for Azure HPC Cache is available only in "
                    + (r.size() == 1 ? r.get(0) : String.join(", ", r.subList(0, r.size() - 1)) + " and " + r.get(r.size() - 1))
                    + "; the cache's location is '" + location + "'. Create the cache in one of those regions, or without"
                    + " encryptionSettings (Microsoft-managed keys).", "location");
        }
        ManagedIdentity.Kind kind = ManagedIdentity.kind(body.identity());
        if ((create || body.identity() != null) && (kind == ManagedIdentity.Kind.NONE || kind == ManagedIdentity.Kind.INVALID)) {
            throw new ArmException(ArmErrorCode.BadRequest, "A cache with customer-managed key encryption needs a managed identity: set"
                    + " identity.type to 'SystemAssigned' (then authorize the cache), or 'UserAssigned' with an identity that already has"
                    + " access to the key.", "identity");
        }
        CacheWire.KeyVaultKeyReference kek = e.keyEncryptionKey();
        KeyReference key = KeyReference.parse(kek.keyUrl(), kek.sourceVault() == null ? null : kek.sourceVault().id(),
                Boolean.TRUE.equals(e.rotationToLatestKeyVersionEnabled()), vaultDnsSuffix);
        // the vault: in the cache's subscription, existing, in the cache's region (the HPC Cache CMK docs)
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
        return key;
    }

    private KeyReference key(HpcCache cache) {
        return KeyReference.parse(cache.keyUrl(), cache.sourceVaultId(), cache.rotationToLatest(), vaultDnsSuffix);
    }

    Instant deadline(Resource<HpcCache> cache) {
        return cache.createdAt().plus(properties.authorizeTimeout());
    }

    /** The cache failed because its key vault access was not authorized in time (the docs: the cache fails). */
    private Resource<HpcCache> timedOut(Resource<HpcCache> cache) {
        long m = properties.authorizeTimeout().toMinutes();
        return cache.withPhase(Phase.Failed).withProperties(cache.properties().withHealth(HpcCache.START_FAILED, "The cache's access to"
                + " its key vault was not authorized within " + (m == 1 ? "1 minute" : m + " minutes") + " of its creation, so the cache"
                + " failed. Delete the cache and create it again."));
    }

    private static String refusal(Resource<HpcCache> cache, Binding.Refused r) {
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
        return "The encrypted disks of cache '" + cache.name() + "' could not be created with its key: " + lead + r.detail();
    }

    // --- Surface: what differs from the other keyed resources

    @Override
    public Definition<HpcCache> definition() {
        return new Definition<>(HpcCache.TYPE, HpcCache.class, API_VERSIONS, properties.authorizeTimeout(), null, 100);
    }

    /** Keyward's {@code authorizeKeyVault}: the portal's Authorize step of the HPC Cache CMK docs, not in the REST spec. */
    @Override
    public Object act(String action, ArmResourceId id, Principal caller) {
        return action.equals("authorizeKeyVault") ? out(authorize(id, caller)) : Surface.super.act(action, id, caller);
    }

    @Override
    public KeyPolicy keyPolicy(Resource<HpcCache> cache, KeyUpdate update) {
        return POLICY;
    }

    @Override
    public StepResult.Failed keyUpdateFailed(Resource<HpcCache> cache, KeyUpdate update, Binding outcome) {
        return outcome instanceof Binding.Refused r ? new StepResult.Failed(ArmErrorCode.BadRequest, refusal(cache, r)
                + " The cache keeps its current key.") : new StepResult.Failed(ArmErrorCode.KeyVaultUnavailable, "The key vault of cache '"
                + cache.name() + "' could not be reached within " + properties.authorizeTimeout().toMinutes() + " minutes; the cache"
                + " keeps its current key.");
    }

    @Override
    public ArmException busy(Resource<HpcCache> cache, Request request) {
        if (cache.phase() == Phase.Updating) {
            return new ArmException(ArmErrorCode.ConflictError, "The key of cache '" + cache.name() + "' is being updated; try again when"
                    + " the update has completed.");
        }
        return new ArmException(ArmErrorCode.ConflictError, "The cache '" + cache.name() + "' is " + (request == Request.DELETE ? "already " : "")
                + "being deleted.");
    }

    @Override
    public java.util.Optional<UUID> createOperation(Resource<HpcCache> cache) {
        return java.util.Optional.ofNullable(cache.properties().createOperationId());
    }

    @Override
    public Resource<HpcCache> operationStarted(Resource<HpcCache> cache, AsyncOperation operation) {
        return cache.withProperties(cache.properties().withCreateOperation(operation.id()));
    }

    @Override
    public Resource<HpcCache> keyBound(Resource<HpcCache> cache, KeyUpdate update) {
        Map<String, String> k = update.surface();
        return cache.withProperties(cache.properties().withKey(k.get("keyUrl"), k.get("sourceVaultId"), Boolean.parseBoolean(k.get("rotationToLatest"))));
    }

    /**
     * The create ends when the cache is ready: at once without a customer key, once the authorize action created its
     * encrypted disks with one, or Failed past the authorization window; until then it looks every key-wait-poll.
     */
    @Override
    public Readiness<HpcCache> readiness(Resource<HpcCache> cache, Instant now) {
        if (cache.phase() == Phase.Failed) {
            return new Readiness.Failed<>(cache, cache.properties().statusDescription());
        }
        if (cache.phase() != Phase.Creating) {
            return new Readiness.Ready<>(cache);
        }
        if (!cache.properties().customerKey()) {
            return new Readiness.Ready<>(cache.withPhase(Phase.Succeeded).withProperties(cache.properties().withHealth(HpcCache.HEALTHY,
                    "Cache is healthy.")));
        }
        if (!now.isBefore(deadline(cache))) {
            Resource<HpcCache> failed = timedOut(cache);
            return new Readiness.Failed<>(failed, failed.properties().statusDescription());
        }
        Duration left = Duration.between(now, deadline(cache));
        return new Readiness.Waiting<>(left.compareTo(properties.keyWaitPoll()) < 0 ? left : properties.keyWaitPoll());
    }
}
