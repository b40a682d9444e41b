package io.keyward.app.cmk;

import io.keyward.app.identity.Principal;
import io.keyward.app.vault.KeyPermission;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.HsmException;
import io.keyward.hsm.envelope.AekMaterial;
import io.keyward.hsm.envelope.KeyAccess;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.event.ApplicationEventPublisher;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CMK core every surface (Log Analytics clusters, Data Explorer clusters, HPC caches) uses: binds a resource to its
 * customer's key, keeps the resource's AEK only wrapped by that key ({@code cmk_aeks}), and unwraps it. Every key
 * operation goes through the {@link CustomerKeyPort} as the resource's system-assigned identity: Keyward's own vaults
 * decide by that identity's access policy, as Azure's do; a remote vault by its configured credential's. Surfaces only
 * translate {@link Binding.Refused#reason()} into their documented errors.
 */
@Singleton
public class CmkKeys {

    /** recoveryLevel values with soft delete and purge protection; "+Purgeable" forms lack purge protection. */
    private static final Set<String> RECOVERABLE = Set.of("Recoverable", "CustomizedRecoverable");
    private static final String ALGORITHM = "RSA-OAEP";
    /** {@link AekResult.Refused#status()} of a wrapped AEK whose key binding does not check out (not a vault's answer). */
    public static final int BINDING_BROKEN = 409;
    private static final Logger LOG = LoggerFactory.getLogger(CmkKeys.class);

    private final CmkAekRepository repository;
    private final CustomerKeyPort vaults;
    private final BeanProvider<Hsm> hsm;
    private final ApplicationEventPublisher<Object> events;
    private final KeyBindings bindings;

    CmkKeys(CmkAekRepository repository, CustomerKeyPort vaults, BeanProvider<Hsm> hsm, ApplicationEventPublisher<Object> events,
            KeyBindings bindings) {
        this.bindings = bindings;
        this.repository = repository;
        this.vaults = vaults;
        this.hsm = hsm;
        this.events = events;
    }

    // --- binding a resource to a key

    /**
     * Checks {@code key} for {@code resource} through its vault (exists and the identity may get it, an enabled RSA
     * key of a size {@code policy} allows, soft delete and purge protection on, the vault in the resource's tenant and
     * region, the identity may wrapKey and unwrapKey, plus the policy's extra permissions), then wraps the resource's
     * AEK with exactly that key version: the AEK it already has (read here, before any vault call, and unwrapped with
     * its current key, so data under it stays readable) or a new one from the token's RNG. Nothing is stored: the
     * caller saves the result with {@link #save}.
     */
    public Binding bind(CmkResource resource, CustomerKey key, KeyPolicy policy) {
        try {
            Optional<CmkAekRepository.Stored> stored = repository.findById(resource.uuid());
            if (stored.isPresent() && bindings.check(stored.get()) == KeyBindings.Check.BROKEN) {
                LOG.error("{} {}: the stored wrapped AEK does not match its key binding", resource.kind(), resource.uuid());
                return refused(Refusal.CURRENT_KEY_UNUSABLE, "The resource's stored AEK does not match its key binding (it was changed or"
                        + " put back in the database outside Keyward); it is not used.");
            }
            return bindChecked(resource, key, policy, stored.map(CmkAekRepository.Stored::aek));
        } catch (HsmException e) {
            LOG.warn("{} {}: the key binding could not be checked or made ({})", resource.kind(), resource.uuid(), e.failure());
            return new Binding.Unreachable("the HSM could not check the key binding");
        } catch (RuntimeException e) {
            LOG.error("{} {}: binding the key failed unexpectedly", resource.kind(), resource.uuid(), e);
            return new Binding.Unreachable("an unexpected failure");
        }
    }

    private Binding bindChecked(CmkResource resource, CustomerKey key, KeyPolicy policy, Optional<WrappedAek> current) {
        VaultReply<CustomerKeyPort.VaultFacts> vault = vaults.vault(key.vaultUri(), resource.identity());
        if (vault instanceof VaultReply.Refused<CustomerKeyPort.VaultFacts>) {
            return refused(Refusal.VAULT_NOT_FOUND, "The vault '" + key.vaultUri() + "' was not found.");
        }
        if (vault instanceof VaultReply.Unavailable<CustomerKeyPort.VaultFacts> u) {
            return new Binding.Unreachable(u.reason());
        }
        CustomerKeyPort.VaultFacts v = ((VaultReply.Done<CustomerKeyPort.VaultFacts>) vault).value();
        if (!v.tenantId().equalsIgnoreCase(resource.tenantId())) {
            return refused(Refusal.OTHER_TENANT, "The vault is in tenant '" + v.tenantId() + "' and the resource in tenant '"
                    + resource.tenantId() + "': the vault and the resource must be in the same Microsoft Entra tenant.");
        }
        if (policy.sameRegion() && v.location() != null && !normalLocation(v.location()).equals(normalLocation(resource.location()))) {
            return refused(Refusal.OTHER_REGION, "The vault is in region '" + v.location() + "' and the resource in '"
                    + resource.location() + "': the vault and the resource must be in the same region.");
        }
        VaultReply<CustomerKeyPort.KeyFacts> got = vaults.key(key.vaultUri(), key.keyName(), key.keyVersion(), resource.identity());
        if (!(got instanceof VaultReply.Done<CustomerKeyPort.KeyFacts> done)) {
            return fromVault(got, "get", key);
        }
        CustomerKeyPort.KeyFacts k = done.value();
        if (!k.rsa()) {
            return refused(Refusal.NOT_RSA, "The key '" + key.keyName() + "' is of type " + k.keyType() + "; an RSA key is required.");
        }
        int size = k.rsaBits();
        if (!policy.rsaSizes().contains(size) || size < policy.minRsaSize()) {
            return refused(Refusal.RSA_SIZE, "The key '" + key.keyName() + "' is RSA " + size + "; " + policy.describeSizes() + " is required.");
        }
        if (!k.enabled()) {
            return refused(Refusal.KEY_DISABLED, "The key '" + key.keyName() + "' is disabled.");
        }
        String level = k.recoveryLevel();
        if (!RECOVERABLE.contains(level)) {
            // "Purgeable" (no soft delete) or "Recoverable+Purgeable" (soft delete without purge protection)
            boolean softDelete = level != null && level.contains("Recoverable");
            return refused(softDelete ? Refusal.NO_PURGE_PROTECTION : Refusal.NO_SOFT_DELETE,
                    "The key's recoveryLevel is '" + level + "': the vault must have soft delete and purge protection.");
        }
        for (KeyPermission p : policy.extraPermissions()) {
            if (v.granted() == null) {
                // a remote vault: its data plane does not show access policies, and a permission not proven is not granted
                return refused(Refusal.ACCESS_DENIED, "The '" + p.wireName() + "' key permission cannot be checked in a vault Keyward"
                        + " does not host (its access policies are not visible through its keys API); use a vault of this Keyward.");
            }
            if (!v.granted().contains(p)) {
                return refused(Refusal.ACCESS_DENIED, "The resource's identity has no '" + p.wireName()
                        + "' key permission in the vault's access policies.");
            }
        }
        AekMaterial aek;
        if (current.isPresent()) {
            VaultReply<byte[]> unwrapped = vaults.unwrapKey(current.get().keyId(), resource.identity(), current.get().wrapped());
            if (unwrapped instanceof VaultReply.Refused<byte[]> r) {
                return refused(Refusal.CURRENT_KEY_UNUSABLE, "The current key '" + current.get().keyId()
                        + "' could not unwrap the resource's AEK (Key Vault answered " + r.status()
                        + "); it must stay usable until the new key is set.");
            }
            if (unwrapped instanceof VaultReply.Unavailable<byte[]> u) {
                return new Binding.Unreachable(u.reason());
            }
            aek = AekMaterial.adopt(((VaultReply.Done<byte[]>) unwrapped).value());
        } else {
            aek = AekMaterial.generate(hsm.get());
        }
        try (aek) {
            Rewrap rewrap = wrapAndCheck(k.kid(), resource.identity(), aek.bytes(KeyAccess.plaintext()));
            if (rewrap.reply() instanceof VaultReply.Done<byte[]> w) {
                WrappedAek wrapped = new WrappedAek(k.kid(), k.version(), ALGORITHM, w.value());
                return new Binding.Bound(wrapped, bindings.seal(resource, wrapped));
            }
            return fromVault(rewrap.reply(), rewrap.operation(), key);
        }
    }

    /** A wrapKey and the unwrapKey that checks it: the wrapped bytes, or the first call that failed. */
    private record Rewrap(VaultReply<byte[]> reply, String operation) {
    }

    /**
     * Wraps {@code plain} with key version {@code kid} and unwraps the result again: proves that the identity may do
     * both and that the vault gives back what it wrapped.
     */
    private Rewrap wrapAndCheck(String kid, Principal identity, byte[] plain) {
        VaultReply<byte[]> wrapped = vaults.wrapKey(kid, identity, plain);
        if (!(wrapped instanceof VaultReply.Done<byte[]> w)) {
            return new Rewrap(wrapped, "wrapKey");
        }
        VaultReply<byte[]> back = vaults.unwrapKey(kid, identity, w.value());
        if (!(back instanceof VaultReply.Done<byte[]> b)) {
            return new Rewrap(back, "unwrapKey");
        }
        boolean same = Arrays.equals(plain, b.value());
        Arrays.fill(b.value(), (byte) 0);
        return new Rewrap(same ? wrapped : new VaultReply.Unavailable<>("the vault's unwrapKey did not return the wrapped AEK"), "unwrapKey");
    }

    /** A vault's answer to {@code operation}: the customer's to fix (4xx) or a vault that may come back. */
    private static Binding fromVault(VaultReply<?> reply, String operation, CustomerKey key) {
        if (reply instanceof VaultReply.Unavailable<?> u) {
            return new Binding.Unreachable(u.reason());
        }
        int status = ((VaultReply.Refused<?>) reply).status();
        if (status == 401 || status == 403) {
            return refused(Refusal.ACCESS_DENIED, "Access denied: the resource's identity may not " + operation + " the key '"
                    + key.keyName() + "' (Key Vault answered " + status + "). Grant it the 'get', 'wrapKey' and 'unwrapKey' key permissions.");
        }
        if (status == 404) {
            return refused(Refusal.KEY_NOT_FOUND, "The key '" + key.keyName() + "'" + (key.followsLatest() ? "" : " version '"
                    + key.keyVersion() + "'") + " was not found in the vault.");
        }
        return refused(Refusal.VAULT_REFUSED, "Key Vault refused " + operation + " with status " + status + ".");
    }

    private static Binding refused(Refusal reason, String detail) {
        return new Binding.Refused(reason, detail);
    }

    /** Regions compare without case and spaces ("East US" = "eastus"). */
    public static String normalLocation(String location) {
        return location.replace(" ", "").toLowerCase(Locale.ROOT);
    }

    // --- the stored AEK (each in the caller's transaction, or in one of its own)

    /**
     * Stores (or replaces) the resource's wrapped AEK and publishes {@link AekBound}: the binding just proved the key
     * usable, so whatever key health last recorded for it no longer applies and it is checked again at once.
     */
    @Transactional
    public void save(CmkResource resource, Binding.Bound bound, boolean followsLatest, Instant now) {
        KeyBindings.Seal seal = bound.seal();
        if (!seal.uuid().equals(resource.uuid()) || !seal.kind().equals(resource.kind()) || !seal.tenantId().equals(resource.tenantId())
                || !seal.principalId().equals(resource.principalId())) {
            throw new IllegalStateException("a key binding is saved for the resource it was made for");
        }
        WrappedAek aek = bound.aek();
        boolean active = repository.upsert(resource.uuid(), resource.kind(), resource.name(), resource.tenantId(), resource.principalId(),
                followsLatest, aek.keyId(), aek.keyVersion(), aek.algorithm(), aek.wrapped(), now);
        repository.bind(resource.uuid(), seal.keyVersion(), seal.mac(), now);
        events.publishEvent(new AekBound(resource.uuid(), active));
    }

    /**
     * {@code aek} bound to {@code resource} by the HSM, ready to {@link #save}: for callers that already hold a wrapped AEK
     * they trust (tests, tools); {@link #bind} is the way that checks the key. Calls the HSM: never inside a transaction.
     */
    public Binding.Bound sealed(CmkResource resource, WrappedAek aek) {
        return new Binding.Bound(aek, bindings.seal(resource, aek));
    }

    /** A soft-deleted or stopped resource is not active: the poller leaves it alone until it is active again. */
    @Transactional
    public void setActive(UUID resourceUuid, boolean active) {
        if (repository.setActive(resourceUuid, active) > 0) {
            events.publishEvent(new AekActivity(resourceUuid, active));
        }
    }

    /**
     * Crypto-shredding: deletes the resource's wrapped AEK and publishes {@link AekShredded}. Once committed, data sealed
     * under that AEK cannot be decrypted with anything Keyward holds. Returns whether there was an AEK.
     */
    @Transactional
    public boolean shred(UUID resourceUuid) {
        boolean shredded = repository.delete(resourceUuid) > 0;
        events.publishEvent(new AekShredded(resourceUuid));
        return shredded;
    }

    // --- unwrapping

    /**
     * The plaintext AEK of the resource, unwrapped by its customer's vault as the resource's identity (one vault call;
     * callers cache). The caller owns (and must destroy) the returned material.
     */
    public AekResult unwrap(UUID resourceUuid) {
        Optional<CmkAekRepository.Stored> found = repository.findById(resourceUuid);
        if (found.isEmpty()) {
            return new AekResult.NoKey();
        }
        CmkAekRepository.Stored stored = found.get();
        AekResult unbound = unbound(stored);
        if (unbound != null) {
            return unbound;
        }
        return unwrapped(stored, vaults.unwrapKey(stored.keyId(), stored.identity(), stored.wrapped()));
    }

    /**
     * Null when the row's key binding is intact; otherwise the refusal to use it (the row was changed or put back in the
     * database) or, when the HSM cannot check it, Unavailable. Before any vault call: a rolled-back row is never sent.
     */
    private AekResult unbound(CmkAekRepository.Stored stored) {
        try {
            if (bindings.check(stored) == KeyBindings.Check.INTACT) {
                return null;
            }
        } catch (HsmException e) {
            LOG.warn("{} {}: the key binding could not be checked ({})", stored.kind(), stored.uuid(), e.failure());
            return new AekResult.Unavailable("the HSM could not check the key binding");
        }
        LOG.error("{} {}: the stored wrapped AEK does not match its key binding; not used", stored.kind(), stored.uuid());
        return new AekResult.Refused(BINDING_BROKEN, "The stored AEK of '" + stored.name() + "' does not match its binding to the key"
                + " version '" + stored.keyVersion() + "' (it was changed or put back in the database outside Keyward), so Keyward does not"
                + " use it.");
    }

    /**
     * {@link #unwrap} for a key-health batch: one database read for all of {@code resources} (in no transaction), and one
     * vault and key lookup per key version, each resource still decided by its own identity as one unwrap would be (no
     * decision is older than this call); these happen before this returns. The unwraps themselves run on
     * {@code executor}: the answer has one future per resource that has a row. A resource for which {@code wanted} no
     * longer holds when its turn comes (its lease was lost) is not unwrapped and is answered Unavailable, to be
     * dropped. The caller owns (and must destroy) the material of every Unwrapped answer.
     */
    public Map<UUID, CompletableFuture<AekResult>> unwrapAll(Collection<UUID> resources, Executor executor, Predicate<UUID> wanted) {
        Map<String, List<CmkAekRepository.Stored>> byKey = new LinkedHashMap<>();
        Map<UUID, CompletableFuture<AekResult>> results = new LinkedHashMap<>();
        for (CmkAekRepository.Stored s : repository.findByUuidIn(resources)) {
            AekResult unbound = unbound(s);
            if (unbound != null) {
                results.put(s.uuid(), CompletableFuture.completedFuture(unbound));
            } else {
                byKey.computeIfAbsent(s.keyId(), k -> new ArrayList<>()).add(s);
            }
        }
        byKey.forEach((kid, rows) -> {
            List<CustomerKeyPort.Unwrap> items = rows.stream()
                    .map(s -> new CustomerKeyPort.Unwrap(s.identity(), s.wrapped(), () -> wanted.test(s.uuid()))).toList();
            List<CompletableFuture<VaultReply<byte[]>>> replies = vaults.unwrapAll(kid, items, executor);
            for (int i = 0; i < rows.size(); i++) {
                CmkAekRepository.Stored stored = rows.get(i);
                results.put(stored.uuid(), replies.get(i).exceptionally(e -> new VaultReply.Unavailable<>("the vault call failed unexpectedly"))
                        .thenApply(reply -> wanted.test(stored.uuid()) ? unwrapped(stored, reply) : dropped(reply)));
            }
        });
        return results;
    }

    /** An answer nobody wants any more: its plaintext, if any, zeroed. */
    private static AekResult dropped(VaultReply<byte[]> reply) {
        if (reply instanceof VaultReply.Done<byte[]> d) {
            Arrays.fill(d.value(), (byte) 0);
        }
        return new AekResult.Unavailable("not wanted any more");
    }

    private static <T> VaultReply<T> replyOf(CompletableFuture<VaultReply<T>> call) {
        try {
            return call.join();
        } catch (CompletionException | CancellationException e) {
            return new VaultReply.Unavailable<>("the vault call failed unexpectedly");
        }
    }

    private AekResult unwrapped(CmkAekRepository.Stored stored, VaultReply<byte[]> reply) {
        UUID resourceUuid = stored.uuid();
        WrappedAek wrapped = stored.aek();
        if (reply instanceof VaultReply.Refused<byte[]> r) {
            LOG.info("{} {}: the vault refused unwrapKey of {} ({})", stored.kind(), resourceUuid, wrapped.keyId(), r.status());
            return new AekResult.Refused(r.status(), "The customer-managed key '" + wrapped.keyId() + "' of '" + stored.name()
                    + "' cannot be used: Key Vault answered " + r.status() + " to unwrapKey as the resource's identity.");
        }
        if (reply instanceof VaultReply.Unavailable<byte[]> u) {
            LOG.warn("{} {}: unwrapKey of {} failed: {}", stored.kind(), resourceUuid, wrapped.keyId(), u.reason());
            return new AekResult.Unavailable(u.reason());
        }
        byte[] plain = ((VaultReply.Done<byte[]>) reply).value();
        if (plain.length != AekMaterial.LENGTH) {
            Arrays.fill(plain, (byte) 0);
            return new AekResult.Unavailable("the vault's unwrapKey did not return a 256-bit AEK");
        }
        return new AekResult.Unwrapped(AekMaterial.adopt(plain), stored.followsLatest());
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
        return followLatestAll(Map.of(resourceUuid, current), Runnable::run).getOrDefault(resourceUuid, Rotation.NOT_FOLLOWING);
    }

    /**
     * {@link #followLatest} for a key-health batch: {@code current} maps resources to the AEK the caller just unwrapped
     * (and still owns). One database read for all of them and one lookup of each key's latest version (each resource's
     * identity decided on it); a re-wrap, when one is due, as {@link #followLatest} does it. Resources that name a fixed
     * version are left out of the answer.
     */
    public Map<UUID, Rotation> followLatestAll(Map<UUID, AekMaterial> current, Executor executor) {
        Map<String, List<CmkAekRepository.Stored>> byKey = new LinkedHashMap<>();
        for (CmkAekRepository.Stored s : repository.findByUuidIn(current.keySet())) {
            if (s.followsLatest()) {
                byKey.computeIfAbsent(keyOf(s.keyId()), k -> new ArrayList<>()).add(s);
            }
        }
        Map<UUID, Rotation> rotations = new LinkedHashMap<>();
        byKey.forEach((key, rows) -> {
            List<CompletableFuture<VaultReply<CustomerKeyPort.KeyFacts>>> latest = vaults.latestAll(rows.get(0).keyId(),
                    rows.stream().map(CmkAekRepository.Stored::identity).toList(), executor);
            for (int i = 0; i < rows.size(); i++) {
                CmkAekRepository.Stored stored = rows.get(i);
                try {
                    rotations.put(stored.uuid(), followLatest(stored, replyOf(latest.get(i)), current.get(stored.uuid())));
                } catch (RuntimeException e) {
                    LOG.warn("{} {}: following the latest key version failed unexpectedly", stored.kind(), stored.uuid());
                    rotations.put(stored.uuid(), Rotation.UNREACHABLE);
                }
            }
        });
        return rotations;
    }

    /** The key (vault and name, without version) of a key version id; an id that does not parse stands for itself. */
    private static String keyOf(String kid) {
        try {
            KeyId id = KeyId.parse(kid);
            return id.vaultUri().toLowerCase(Locale.ROOT) + "keys/" + id.name().toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return kid;
        }
    }

    private Rotation followLatest(CmkAekRepository.Stored stored, VaultReply<CustomerKeyPort.KeyFacts> reply, AekMaterial current) {
        UUID resourceUuid = stored.uuid();
        if (!(reply instanceof VaultReply.Done<CustomerKeyPort.KeyFacts> done)) {
            return unfollowed(stored, reply);
        }
        CustomerKeyPort.KeyFacts latest = done.value();
        String version = latest.version();
        if (version == null || version.equalsIgnoreCase(stored.keyVersion())) {
            return Rotation.CURRENT;
        }
        if (!latest.enabled() || !latest.rsa()) {
            LOG.info("{} {}: key version {} is not usable for the AEK; it stays under {}", stored.kind(), resourceUuid, version,
                    stored.keyVersion());
            return Rotation.NEWER_UNUSABLE;
        }
        Rewrap rewrap = wrapAndCheck(latest.kid(), stored.identity(), current.bytes(KeyAccess.plaintext()));
        if (!(rewrap.reply() instanceof VaultReply.Done<byte[]> w)) {
            return unfollowed(stored, rewrap.reply());
        }
        WrappedAek next = new WrappedAek(latest.kid(), version, ALGORITHM, w.value());
        KeyBindings.Seal seal = bindings.seal(stored.uuid(), stored.kind(), stored.tenantId(), stored.principalId(), next);
        boolean swapped = repository.replaceIfVersion(resourceUuid, stored.keyVersion(), latest.kid(), version, ALGORITHM, w.value(),
                seal.keyVersion(), seal.mac()) == 1;
        if (swapped) {
            LOG.info("{} {}: AEK re-wrapped by the key's latest version {} (was {})", stored.kind(), resourceUuid, version,
                    stored.keyVersion());
        }
        return swapped ? Rotation.ROTATED : Rotation.CURRENT;
    }

    private static Rotation unfollowed(CmkAekRepository.Stored stored, VaultReply<?> reply) {
        if (reply instanceof VaultReply.Refused<?> r) {
            LOG.info("{} {}: the vault refused following the latest version of {} ({})", stored.kind(), stored.uuid(), stored.aek().keyId(),
                    r.status());
            return Rotation.NEWER_UNUSABLE;
        }
        return Rotation.UNREACHABLE;
    }
}
