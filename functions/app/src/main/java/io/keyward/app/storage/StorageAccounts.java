package io.keyward.app.storage;

import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.KnownMembers;
import io.keyward.app.arm.StepResult;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.CustomerKey;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.engine.KeyUpdate;
import io.keyward.app.engine.KeyedResources;
import io.keyward.app.engine.ManagedIdentity;
import io.keyward.app.engine.Resource;
import io.keyward.app.engine.ResourceHttp;
import io.keyward.app.engine.Surface;
import io.keyward.app.engine.TrackedResource;
import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Storage accounts on the engine, carrying only what customer-managed keys need. Created with Microsoft-managed keys
 * (keySource {@code Microsoft.Storage}) and, for a customer key, a system-assigned identity; an update naming
 * {@code Microsoft.Keyvault} and {@code keyvaultproperties} binds the key synchronously, as StorageAccounts_Update does
 * (200 once the key is in use, or the refusal): the engine's {@link KeyedResources#bindNow} checks the key through the
 * vault as the account's identity and wraps the account's AEK, with no transaction open meanwhile. Key health,
 * rotation to the newest version, revocation and crypto-shredding on delete are the engine's, as for every keyed resource.
 */
@Singleton
class StorageAccounts implements Surface<StorageAccount> {

    /** Azure Storage accepts RSA and RSA-HSM keys of 2048, 3072 and 4096 bits, in a vault of any region. */
    static final KeyPolicy POLICY = new KeyPolicy(Set.of(2048, 3072, 4096), 0, false, Set.of());
    static final ApiVersions API_VERSIONS = ApiVersions.of("2021-09-01", "2022-05-01", "2022-09-01", "2023-01-01", "2023-04-01",
            "2023-05-01", "2024-01-01");
    static final String WRITE = "Microsoft.Storage/storageAccounts/write";
    private static final String ACCOUNTS = "storage accounts";
    private static final Pattern NAME = Pattern.compile("^[a-z0-9]{3,24}$");

    private final KeyedResources engine;
    private final ResourceHttp http;

    StorageAccounts(KeyedResources engine, ResourceHttp http) {
        this.engine = engine;
        this.http = http;
    }

    @Override
    public Definition<StorageAccount> definition() {
        return new Definition<>(StorageAccount.TYPE, StorageAccount.class, API_VERSIONS, Duration.ofMinutes(10), null, 0);
    }

    @Override
    public String name(String name) {
        return TrackedResource.requireName(name, NAME, ArmErrorCode.InvalidParameter, "The storage account name '" + name + "' is invalid:"
                + " it must be 3 to 24 characters, lowercase letters and digits only.", "accountName");
    }

    // --- the wire

    @Override
    public KeyedResources.Saved<StorageAccount> put(ArmResourceId id, @Nullable String json, Principal caller) {
        return save(id, json, caller, true);
    }

    @Override
    public KeyedResources.Saved<StorageAccount> patch(ArmResourceId id, @Nullable String json, Principal caller) {
        return save(id, json, caller, false);
    }

    @Override
    public StorageWire.AccountOut out(Resource<StorageAccount> account) {
        return StorageWire.out(account);
    }

    private KeyedResources.Saved<StorageAccount> save(ArmResourceId id, @Nullable String json, Principal caller, boolean replace) {
        KnownMembers.require(http.body(json, Map.class), StorageWire.REQUEST, "Keyward's storage accounts carry only what"
                + " customer-managed keys need (identity, sku, kind, tags and properties.encryption)");
        StorageWire.AccountBody body = http.body(json, StorageWire.AccountBody.class);
        Optional<CustomerKey> wanted = requestedKey(body);
        Optional<Resource<StorageAccount>> existing = wanted.isPresent() ? engine.find(this, id) : Optional.empty();
        if (existing.isPresent() && !wanted.get().equals(existing.get().key())) {
            return bind(engine.get(this, id, caller, WRITE), wanted.get(), body, replace);
        }
        if (replace) {
            return engine.put(this, id, caller, WRITE, new KeyedResources.Put<>() {
                @Override
                public KeyedResources.Created<StorageAccount> create(KeyedResources.Creation c) {
                    return new KeyedResources.Created<>(newAccount(c, body), null);
                }

                @Override
                public KeyedResources.Change<StorageAccount> change(Resource<StorageAccount> current) {
                    return new KeyedResources.Change<>(changed(current, body, true), null);
                }
            });
        }
        return engine.update(this, id, caller, WRITE, current -> new KeyedResources.Change<>(changed(current, body, false), null));
    }

    /**
     * A new key for an existing account: bound now, outside any transaction, as the account's identity; the rest of the
     * request is applied in the transaction that stores the wrapped AEK, so a refused key changes nothing.
     */
    private KeyedResources.Saved<StorageAccount> bind(Resource<StorageAccount> current, CustomerKey key, StorageWire.AccountBody body,
                                                       boolean replace) {
        engine.requireIdle(this, current, Request.PATCH);
        // checked before anything else: a request that adds the identity with the key would leave a new principal behind
        if (current.principalId() == null || !current.principalId().equals(changed(current, body, replace).principalId())) {
            throw new ArmException(ArmErrorCode.BadRequest, "A customer-managed key is reached as the storage account's system-assigned"
                    + " identity, which must exist and have get, wrapKey and unwrapKey on the key before the key is set: assign the"
                    + " identity (identity.type SystemAssigned) first, grant it access to the key, then set the key.", "identity");
        }
        KeyedResources.BindOutcome<StorageAccount> outcome = engine.bindNow(this, current, key, POLICY,
                r -> !r.phase().busy() && current.principalId().equals(r.principalId()),
                r -> {
                    Resource<StorageAccount> next = changed(r, body, replace);
                    return next.withProperties(next.properties().keyBound(engine.now()));
                });
        if (outcome.binding() instanceof Binding.Refused r) {
            throw StorageKeys.refusal(r, key);
        }
        if (outcome.binding() instanceof Binding.Unreachable u) {
            throw new ArmException(ArmErrorCode.KeyVaultUnavailable, "The key vault '" + key.vaultUri() + "' could not be reached to"
                    + " validate the key (" + u.reason() + "). Try again later.");
        }
        if (!key.equals(outcome.resource().key())) {
            throw busy(outcome.resource(), Request.PATCH); // changed meanwhile by another request
        }
        return new KeyedResources.Saved<>(outcome.resource(), false, null);
    }

    // --- rules

    private Resource<StorageAccount> newAccount(KeyedResources.Creation c, StorageWire.AccountBody body) {
        if (requestedKey(body).isPresent()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "A storage account is created with Microsoft-managed keys: its"
                    + " system-assigned identity does not exist before the account, so it cannot have access to a key yet. Create the"
                    + " account with an identity, grant the identity get, wrapKey and unwrapKey on the key, then update the account"
                    + " with keySource Microsoft.Keyvault.", "properties.encryption.keySource");
        }
        String location = KeyedResources.required(body.location(), "location");
        String kind = kind(KeyedResources.required(body.kind(), "kind"));
        String sku = sku(body.sku(), null);
        UUID principal = ManagedIdentity.systemAssigned(body.identity(), ACCOUNTS) ? c.newIdentity() : null;
        return Resource.create(c.uuid(), c.id(), location, c.tenantId(), principal, new StorageAccount(sku, kind, null),
                body.tags() == null ? Map.of() : body.tags(), c.now());
    }

    /** The account after a PUT ({@code replace}) or PATCH that names no new key: absent members keep their values. */
    private Resource<StorageAccount> changed(Resource<StorageAccount> current, StorageWire.AccountBody body, boolean replace) {
        KeyedResources.requireSameLocation(current, body.location(), "storage account");
        if (replace) {
            KeyedResources.required(body.location(), "location");
        }
        StorageWire.EncryptionIn e = body.properties() == null ? null : body.properties().encryption();
        if (current.key() != null && e != null && e.keySource() != null
                && e.keySource().equalsIgnoreCase(StorageAccount.MICROSOFT_STORAGE)) {
            throw new ArmException(ArmErrorCode.BadRequest, "The storage account '" + current.name() + "' is encrypted with a"
                    + " customer-managed key; Keyward does not switch an account back to Microsoft-managed keys.",
                    "properties.encryption.keySource");
        }
        String kind = body.kind() == null ? current.properties().kind() : kind(body.kind());
        String sku = body.sku() == null ? current.properties().skuName() : sku(body.sku(), current.properties().skuName());
        UUID principal = engine.identityAfter(current, body.identity(), ACCOUNTS);
        StorageAccount p = current.properties().with(sku, kind);
        Resource<StorageAccount> next = current.withTags(body.tags()).withPrincipal(principal).withProperties(p);
        return next.equals(current) ? current : next;
    }

    /**
     * The key the request's {@code encryption} names: empty for Microsoft-managed keys (keySource Microsoft.Storage or no
     * encryption). Everything else {@code encryption} may say is checked here: it is what Keyward does, or refused.
     */
    private static Optional<CustomerKey> requestedKey(StorageWire.AccountBody body) {
        StorageWire.EncryptionIn e = body.properties() == null ? null : body.properties().encryption();
        if (e == null) {
            return Optional.empty();
        }
        if (Boolean.TRUE.equals(e.requireInfrastructureEncryption())) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "Infrastructure encryption (a second layer for the account's data) is"
                    + " not supported by Keyward's storage accounts.", "properties.encryption.requireInfrastructureEncryption");
        }
        if (e.services() != null) {
            e.services().forEach((service, s) -> {
                String at = "properties.encryption.services." + service;
                if (s != null && Boolean.FALSE.equals(s.enabled())) {
                    throw new ArmException(ArmErrorCode.InvalidParameter, "Encryption of the " + service + " service cannot be disabled.",
                            at + ".enabled");
                }
                if (s != null && s.keyType() != null && !s.keyType().equals("Account")) {
                    throw new ArmException(ArmErrorCode.InvalidParameter, "Keyward encrypts every service of a storage account with the"
                            + " account's key: keyType must be 'Account', not '" + s.keyType() + "'.", at + ".keyType");
                }
            });
        }
        StorageWire.EncryptionIdentity identity = e.identity();
        if (identity != null && (notBlank(identity.userAssignedIdentity()) || notBlank(identity.federatedIdentityClientId()))) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "Keyward's storage accounts reach their key as their system-assigned"
                    + " identity only: user-assigned identities and federated identity client ids are not supported.",
                    notBlank(identity.userAssignedIdentity()) ? "properties.encryption.identity.userAssignedIdentity"
                            : "properties.encryption.identity.federatedIdentityClientId");
        }
        String source = e.keySource();
        if (source == null && e.keyvaultproperties() != null) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "keyvaultproperties need keySource Microsoft.Keyvault.",
                    "properties.encryption.keySource");
        }
        if (source == null || source.equalsIgnoreCase(StorageAccount.MICROSOFT_STORAGE)) {
            if (e.keyvaultproperties() != null) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "keyvaultproperties are given with keySource Microsoft.Storage:"
                        + " set keySource to Microsoft.Keyvault to use a customer-managed key.", "properties.encryption.keySource");
            }
            return Optional.empty();
        }
        if (!source.equalsIgnoreCase(StorageAccount.MICROSOFT_KEYVAULT)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "keySource must be Microsoft.Storage or Microsoft.Keyvault, not '"
                    + source + "'.", "properties.encryption.keySource");
        }
        StorageWire.KeyVaultProperties k = e.keyvaultproperties();
        if (k == null) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "keySource Microsoft.Keyvault needs keyvaultproperties (keyvaulturi,"
                    + " keyname, keyversion).", "properties.encryption.keyvaultproperties");
        }
        return Optional.of(CustomerKey.parse(k.keyvaulturi(), k.keyname(), k.keyversion()).orElseThrow(() -> new ArmException(
                ArmErrorCode.InvalidParameter, "The keyvaultproperties are invalid: keyvaulturi must be the vault's https URI, keyname a"
                + " key name, keyversion empty (the newest version) or a 32-character version.", "properties.encryption.keyvaultproperties")));
    }

    private static boolean notBlank(@Nullable String s) {
        return s != null && !s.isBlank();
    }

    private static String kind(String kind) {
        if (!StorageWire.KINDS.contains(kind)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The kind '" + kind + "' is invalid: use one of " + StorageWire.KINDS + ".",
                    "kind");
        }
        return kind;
    }

    private static String sku(StorageWire.Sku s, @Nullable String current) {
        String name = s.name() != null ? s.name() : current;
        if (name == null || !StorageWire.SKUS.contains(name)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The sku name '" + name + "' is invalid: use one of " + StorageWire.SKUS
                    + ".", "sku.name");
        }
        if (s.tier() != null && !s.tier().equals(StorageWire.tierOf(name))) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The sku tier of '" + name + "' is " + StorageWire.tierOf(name) + ", not '"
                    + s.tier() + "'.", "sku.tier");
        }
        return name;
    }

    // --- Surface

    @Override
    public KeyPolicy keyPolicy(Resource<StorageAccount> account, KeyUpdate update) {
        return POLICY;
    }

    /** Keys are bound synchronously ({@link #bind}); the engine's asynchronous key update is not started by this surface. */
    @Override
    public StepResult.Failed keyUpdateFailed(Resource<StorageAccount> account, KeyUpdate update, Binding outcome) {
        if (outcome instanceof Binding.Refused r) {
            ArmException e = StorageKeys.refusal(r, update.key());
            return new StepResult.Failed(e.code(), e.getMessage());
        }
        return new StepResult.Failed(ArmErrorCode.KeyVaultUnavailable, "The key vault '" + update.vaultUri() + "' could not be reached.");
    }

    @Override
    public Resource<StorageAccount> keyBound(Resource<StorageAccount> account, KeyUpdate update) {
        return account.withProperties(account.properties().keyBound(engine.now()));
    }

    @Override
    public ArmException busy(Resource<StorageAccount> account, Request request) {
        return new ArmException(ArmErrorCode.ConflictError, "The storage account '" + account.name() + "' is "
                + StorageAccount.provisioningState(account).toLowerCase(java.util.Locale.ROOT) + ": wait for the operation on it to complete"
                + " and try again.");
    }
}
