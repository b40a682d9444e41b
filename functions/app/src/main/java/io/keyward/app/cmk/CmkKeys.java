package io.keyward.app.cmk;

import com.azure.core.exception.HttpResponseException;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.models.KeyWrapAlgorithm;
import com.azure.security.keyvault.keys.models.KeyType;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import io.keyward.app.vault.KeyPermission;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.VaultService;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.envelope.AekMaterial;
import io.keyward.hsm.envelope.KeyAccess;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.sql.Connection;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CMK core every surface (Log Analytics clusters, Data Explorer clusters, HPC caches) uses: binds a resource to its
 * customer's key, keeps the resource's AEK only wrapped by that key ({@code cmk_aeks}), and unwraps it. Every call to
 * the vault goes through its own Key Vault API as the resource's system-assigned identity, so the customer's access
 * policies decide, as in Azure. Surfaces only translate {@link Binding.Refused#reason()} into their documented errors.
 */
@Singleton
public class CmkKeys {

    /** recoveryLevel values with soft delete and purge protection; "+Purgeable" forms lack purge protection. */
    private static final Set<String> RECOVERABLE = Set.of("Recoverable", "CustomizedRecoverable");
    private static final Logger LOG = LoggerFactory.getLogger(CmkKeys.class);

    private final CmkAekRepository repository;
    private final CustomerKeyClients clients;
    private final VaultService vaults;
    private final BeanProvider<Hsm> hsm;
    private final String vaultSuffix;

    CmkKeys(CmkAekRepository repository, CustomerKeyClients clients, VaultService vaults, BeanProvider<Hsm> hsm,
            @Value("${keyward.vault.dns-suffix:vault.localhost}") String vaultDnsSuffix) {
        this.repository = repository;
        this.clients = clients;
        this.vaults = vaults;
        this.hsm = hsm;
        this.vaultSuffix = "." + vaultDnsSuffix.toLowerCase(Locale.ROOT).replaceAll("^\\.+", "");
    }

    // --- binding a resource to a key

    /**
     * Checks {@code key} for {@code resource} through the vault (exists and the identity may get it, an enabled RSA
     * key of a size {@code policy} allows, soft delete and purge protection on, the vault in the resource's tenant and
     * region, the identity may wrapKey and unwrapKey, plus the policy's extra permissions), then wraps the resource's
     * AEK with exactly that key version: the AEK it already has (unwrapped with its current key, so data under it
     * stays readable) or a new one from the token's RNG. Nothing is stored: the caller saves the result with
     * {@link #save} in its own transaction {@code c}.
     */
    public Binding bind(CmkResource resource, CustomerKey key, KeyPolicy policy) {
        try {
            return bindChecked(resource, key, policy, repository.read(c -> repository.find(c, resource.uuid())));
        } catch (RuntimeException e) {
            if (causedByIo(e)) {
                LOG.warn("{} {}: the vault cannot be reached: {}", resource.kind(), resource.uuid(), e.toString());
                return new Binding.Unreachable("vault unreachable");
            }
            LOG.error("{} {}: binding the key failed unexpectedly", resource.kind(), resource.uuid(), e);
            return new Binding.Unreachable("unexpected " + e.getClass().getSimpleName());
        }
    }

    private Binding bindChecked(CmkResource resource, CustomerKey key, KeyPolicy policy, Optional<WrappedAek> current) {
        String host = URI.create(key.vaultUri()).getHost();
        // Only Keyward's own vaults: a customer-given URI must never make Keyward call an arbitrary host.
        Optional<Vault> vault = host != null && host.endsWith(vaultSuffix) ? vaults.findActiveByName(key.vaultName()) : Optional.empty();
        if (vault.isEmpty()) {
            return refused(Refusal.VAULT_NOT_FOUND, "The vault '" + key.vaultUri() + "' was not found.");
        }
        Vault v = vault.get();
        if (!v.tenantId().equalsIgnoreCase(resource.tenantId())) {
            return refused(Refusal.OTHER_TENANT, "The vault is in tenant '" + v.tenantId() + "' and the resource in tenant '"
                    + resource.tenantId() + "': the vault and the resource must be in the same Microsoft Entra tenant.");
        }
        if (policy.sameRegion() && v.location() != null && !normalLocation(v.location()).equals(normalLocation(resource.location()))) {
            return refused(Refusal.OTHER_REGION, "The vault is in region '" + v.location() + "' and the resource in '"
                    + resource.location() + "': the vault and the resource must be in the same region.");
        }
        KeyVaultKey k;
        try {
            k = clients.keys(key.vaultUri(), resource.identity()).getKey(key.keyName(), key.followsLatest() ? null : key.keyVersion());
        } catch (HttpResponseException e) {
            return fromVault(e, "get", key);
        }
        if (!KeyType.RSA.equals(k.getKeyType()) && !KeyType.RSA_HSM.equals(k.getKeyType())) {
            return refused(Refusal.NOT_RSA, "The key '" + key.keyName() + "' is of type " + k.getKeyType() + "; an RSA key is required.");
        }
        int size = new BigInteger(1, k.getKey().getN()).bitLength();
        if (!policy.rsaSizes().contains(size) || size < policy.minRsaSize()) {
            return refused(Refusal.RSA_SIZE, "The key '" + key.keyName() + "' is RSA " + size + "; " + policy.describeSizes() + " is required.");
        }
        if (!Boolean.TRUE.equals(k.getProperties().isEnabled())) {
            return refused(Refusal.KEY_DISABLED, "The key '" + key.keyName() + "' is disabled.");
        }
        String level = k.getProperties().getRecoveryLevel();
        if (!RECOVERABLE.contains(level)) {
            // "Purgeable" (no soft delete) or "Recoverable+Purgeable" (soft delete without purge protection)
            boolean softDelete = level != null && level.contains("Recoverable");
            return refused(softDelete ? Refusal.NO_PURGE_PROTECTION : Refusal.NO_SOFT_DELETE,
                    "The key's recoveryLevel is '" + level + "': the vault must have soft delete and purge protection.");
        }
        for (KeyPermission p : policy.extraPermissions()) {
            if (!v.allows(resource.identity(), p)) {
                return refused(Refusal.ACCESS_DENIED, "The resource's identity has no '" + p.wireName()
                        + "' key permission in the vault's access policies.");
            }
        }
        AekMaterial aek;
        if (current.isPresent()) {
            try {
                aek = AekMaterial.adopt(clients.crypto(current.get().keyId(), resource.identity())
                        .unwrapKey(KeyWrapAlgorithm.RSA_OAEP, current.get().wrapped()).getKey());
            } catch (HttpResponseException e) {
                return refused(Refusal.CURRENT_KEY_UNUSABLE, "The current key '" + current.get().keyId()
                        + "' could not unwrap the resource's AEK (Key Vault answered " + status(e)
                        + "); it must stay usable until the new key is set.");
            }
        } else {
            aek = AekMaterial.generate(hsm.get());
        }
        try (aek) {
            byte[] plain = aek.bytes(KeyAccess.plaintext());
            CryptographyClient crypto = clients.crypto(k.getId(), resource.identity());
            byte[] wrapped;
            try {
                wrapped = crypto.wrapKey(KeyWrapAlgorithm.RSA_OAEP, plain).getEncryptedKey();
            } catch (HttpResponseException e) {
                return fromVault(e, "wrapKey", key);
            }
            byte[] back;
            try {
                back = crypto.unwrapKey(KeyWrapAlgorithm.RSA_OAEP, wrapped).getKey();
            } catch (HttpResponseException e) {
                return fromVault(e, "unwrapKey", key);
            }
            boolean same = Arrays.equals(plain, back);
            Arrays.fill(back, (byte) 0);
            if (!same) {
                return new Binding.Unreachable("the vault's unwrapKey did not return the wrapped AEK");
            }
            return new Binding.Bound(new WrappedAek(k.getId(), k.getProperties().getVersion(), "RSA-OAEP", wrapped));
        }
    }

    /** A Key Vault error for {@code operation}: the customer's to fix (4xx) or a vault that may come back (5xx). */
    private static Binding fromVault(HttpResponseException e, String operation, CustomerKey key) {
        int status = status(e);
        if (status == 401 || status == 403) {
            return refused(Refusal.ACCESS_DENIED, "Access denied: the resource's identity may not " + operation + " the key '"
                    + key.keyName() + "' (Key Vault answered " + status + "). Grant it the 'get', 'wrapKey' and 'unwrapKey' key permissions.");
        }
        if (status == 404) {
            return refused(Refusal.KEY_NOT_FOUND, "The key '" + key.keyName() + "'" + (key.followsLatest() ? "" : " version '"
                    + key.keyVersion() + "'") + " was not found in the vault.");
        }
        if (status >= 400 && status < 500) {
            return refused(Refusal.VAULT_REFUSED, "Key Vault refused " + operation + " with status " + status + ".");
        }
        return new Binding.Unreachable("Key Vault answered " + status + " to " + operation);
    }

    private static Binding refused(Refusal reason, String detail) {
        return new Binding.Refused(reason, detail);
    }

    private static int status(HttpResponseException e) {
        return e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
    }

    private static boolean causedByIo(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** Regions compare without case and spaces ("East US" = "eastus"). */
    public static String normalLocation(String location) {
        return location.replace(" ", "").toLowerCase(Locale.ROOT);
    }

    // --- the stored AEK

    /** The resource's wrapped AEK, read in {@code c}. */
    public Optional<WrappedAek> find(Connection c, UUID resourceUuid) {
        return repository.find(c, resourceUuid);
    }

    /**
     * Stores (or replaces) the resource's wrapped AEK in the caller's transaction {@code c}, and forgets what key health
     * last recorded for it (the binding just proved the key usable; the poller checks it again at once).
     */
    public void save(Connection c, CmkResource resource, WrappedAek aek, boolean followsLatest, Instant now) {
        repository.save(c, resource, aek, followsLatest, now);
    }

    /** A soft-deleted or stopped resource is not active: the poller leaves it alone until it is active again. */
    public void setActive(Connection c, UUID resourceUuid, boolean active) {
        repository.setActive(c, resourceUuid, active);
    }

    /**
     * Crypto-shredding: deletes the resource's wrapped AEK and its key-health row in {@code c}. Once committed, data
     * sealed under that AEK cannot be decrypted with anything Keyward holds. Returns whether there was an AEK.
     */
    public boolean shred(Connection c, UUID resourceUuid) {
        return repository.delete(c, resourceUuid);
    }

    // --- unwrapping

    /**
     * The plaintext AEK of the resource, unwrapped by its customer's vault as the resource's identity (one vault call;
     * callers cache). The caller owns (and must destroy) the returned material.
     */
    public AekResult unwrap(UUID resourceUuid) {
        Optional<CmkAekRepository.Stored> found = repository.read(c -> repository.findStored(c, resourceUuid));
        if (found.isEmpty()) {
            return new AekResult.NoKey();
        }
        CmkAekRepository.Stored stored = found.get();
        WrappedAek wrapped = stored.aek();
        try {
            byte[] plain = clients.crypto(wrapped.keyId(), stored.identity()).unwrapKey(KeyWrapAlgorithm.RSA_OAEP, wrapped.wrapped()).getKey();
            return new AekResult.Unwrapped(AekMaterial.adopt(plain), stored.followsLatest());
        } catch (HttpResponseException e) {
            int status = status(e);
            if (status >= 400 && status < 500) {
                LOG.info("{} {}: the vault refused unwrapKey of {} ({})", stored.kind(), resourceUuid, wrapped.keyId(), status);
                return new AekResult.Refused(status, "The customer-managed key '" + wrapped.keyId() + "' of '" + stored.name()
                        + "' cannot be used: Key Vault answered " + status + " to unwrapKey as the resource's identity.");
            }
            return new AekResult.Unavailable("Key Vault answered " + status + " to unwrapKey");
        } catch (RuntimeException e) {
            LOG.warn("{} {}: unwrapKey of {} failed: {}", stored.kind(), resourceUuid, wrapped.keyId(), e.toString());
            return new AekResult.Unavailable("the vault could not be reached");
        }
    }

    // --- following the latest key version

    /** What {@link #followLatest} did. */
    public enum Rotation {
        /** The resource names a fixed key version (or has no key): nothing to follow. */
        NOT_FOLLOWING,
        /** The AEK is already wrapped by the latest version. */
        CURRENT,
        /** The AEK is now wrapped by a newer version (the wrapped AEK changed; the AEK itself did not). */
        ROTATED,
        /** A newer version exists but cannot take the AEK (disabled, not RSA, refused): the current one stays. */
        NEWER_UNUSABLE,
        /** The vault did not answer: try again at the next poll. */
        UNREACHABLE
    }

    /**
     * For a resource whose key version was left empty: asks the vault (as the resource's identity) for the key's
     * current version and, when it is newer than the one that wrapped the AEK, re-wraps the same AEK ({@code current},
     * which the caller just unwrapped and still owns) under it. No data block is touched: blocks depend on the AEK,
     * not on the key version. The swap is conditional on the stored version, so a concurrent key update wins.
     */
    public Rotation followLatest(UUID resourceUuid, AekMaterial current) {
        Optional<CmkAekRepository.Stored> found = repository.read(c -> repository.findStored(c, resourceUuid));
        if (found.isEmpty() || !found.get().followsLatest()) {
            return Rotation.NOT_FOLLOWING;
        }
        CmkAekRepository.Stored stored = found.get();
        KeyIdentifier kid = KeyIdentifier.parse(stored.aek().keyId());
        try {
            KeyVaultKey latest = clients.keys(kid.vaultUri(), stored.identity()).getKey(kid.name());
            String version = latest.getProperties().getVersion();
            if (version == null || version.equalsIgnoreCase(stored.aek().keyVersion())) {
                return Rotation.CURRENT;
            }
            if (!Boolean.TRUE.equals(latest.getProperties().isEnabled())
                    || !(KeyType.RSA.equals(latest.getKeyType()) || KeyType.RSA_HSM.equals(latest.getKeyType()))) {
                LOG.info("{} {}: key version {} is not usable for the AEK; it stays under {}", stored.kind(), resourceUuid, version,
                        stored.aek().keyVersion());
                return Rotation.NEWER_UNUSABLE;
            }
            byte[] plain = current.bytes(KeyAccess.plaintext());
            CryptographyClient crypto = clients.crypto(latest.getId(), stored.identity());
            byte[] wrapped = crypto.wrapKey(KeyWrapAlgorithm.RSA_OAEP, plain).getEncryptedKey();
            byte[] back = crypto.unwrapKey(KeyWrapAlgorithm.RSA_OAEP, wrapped).getKey();
            boolean same = Arrays.equals(plain, back);
            Arrays.fill(back, (byte) 0);
            if (!same) {
                return Rotation.UNREACHABLE;
            }
            WrappedAek next = new WrappedAek(latest.getId(), version, "RSA-OAEP", wrapped);
            boolean swapped = repository.write(c -> repository.replaceIfVersion(c, resourceUuid, stored.aek().keyVersion(), next));
            if (swapped) {
                LOG.info("{} {}: AEK re-wrapped by the key's latest version {} (was {})", stored.kind(), resourceUuid, version,
                        stored.aek().keyVersion());
            }
            return swapped ? Rotation.ROTATED : Rotation.CURRENT;
        } catch (HttpResponseException e) {
            int status = status(e);
            if (status >= 400 && status < 500) {
                LOG.info("{} {}: the vault refused following the latest version of {} ({})", stored.kind(), resourceUuid, kid.name(), status);
                return Rotation.NEWER_UNUSABLE;
            }
            return Rotation.UNREACHABLE;
        } catch (RuntimeException e) {
            LOG.warn("{} {}: following the latest version of {} failed: {}", stored.kind(), resourceUuid, kid.name(), e.toString());
            return Rotation.UNREACHABLE;
        }
    }

    /** {@code https://host/keys/name/version}: the parts a rotation needs. */
    private record KeyIdentifier(String vaultUri, String name) {
        static KeyIdentifier parse(String kid) {
            URI uri = URI.create(kid);
            String[] path = uri.getPath().split("/");
            if (path.length < 3 || !"keys".equals(path[1])) {
                throw new IllegalStateException("not a key identifier: " + kid);
            }
            return new KeyIdentifier(uri.getScheme() + "://" + uri.getAuthority() + "/", path[2]);
        }
    }

}
