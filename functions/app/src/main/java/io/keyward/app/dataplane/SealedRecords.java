package io.keyward.app.dataplane;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.cmk.AekResult;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.keyhealth.KeyHealth;
import io.keyward.hsm.envelope.BlockClaims;
import io.keyward.hsm.envelope.BlockRef;
import io.keyward.hsm.envelope.Envelope;
import io.keyward.hsm.envelope.IntegrityException;
import jakarta.inject.Singleton;
import java.util.UUID;

/**
 * Sealing of small records that other capabilities keep (a workspace's saved searches), exactly as data-plane blocks
 * are sealed: a DEK per record derived from an AEK, AES-256-GCM, in BlockFormat V2 with claims that bind the record's
 * {@link BlockRef} (its owner and id), the table {@value #TABLE}, the key kind and the resource whose AEK it is; no V1
 * record was ever written, so none is read. The AEK is a
 * workspace's platform AEK or a keyed resource's (a storage account's) customer-managed one, from this instance's
 * {@link AekCache} (revocation events evict it there too). A customer key is used by its recorded key state, as the
 * data plane uses a cluster's: refused once any check saw it revoked, no vault call while its vault is known to be
 * out. Calls the vault or the HSM: never inside a database transaction.
 */
@Singleton
public class SealedRecords {

    /** The key a record is sealed under: a workspace's platform AEK, or the AEK of the keyed resource {@code resource}. */
    public sealed interface Key {
        /** {@code customerId}: the workspace whose platform AEK it is. */
        record Platform(UUID customerId) implements Key {
        }

        /** {@code noun}: the resource in messages ("storage account 'x'"). */
        record Customer(UUID resource, String noun) implements Key {
        }
    }

    private static final int AEK_VERSION = 1;
    static final String TABLE = "savedSearches";

    private final AekCache cache;
    private final PlatformKeys platform;
    private final CmkKeys cmk;
    private final KeyHealth keyHealth;

    SealedRecords(AekCache cache, PlatformKeys platform, CmkKeys cmk, KeyHealth keyHealth) {
        this.cache = cache;
        this.platform = platform;
        this.cmk = cmk;
        this.keyHealth = keyHealth;
    }

    public byte[] seal(Key key, BlockRef ref, byte[] plaintext) {
        try (AekCache.Lease lease = lease(key)) {
            return lease.envelope().seal(claims(key, ref), plaintext);
        }
    }

    /** The plaintext; 409 {@code DataIntegrityFailure} when the record is not intact under {@code key} at {@code ref}. */
    public byte[] open(Key key, BlockRef ref, byte[] sealed) {
        try (AekCache.Lease lease = lease(key)) {
            return lease.envelope().open(claims(key, ref), sealed);
        } catch (IntegrityException e) {
            throw new ArmException(ArmErrorCode.DataIntegrityFailure, "The stored record '" + ref.blockId() + "' failed its integrity"
                    + " check: it was modified or is not under the key it names, and cannot be read.");
        }
    }

    /** Refuses as {@link #seal} would when {@code key} cannot be used now (a customer key revoked, its vault out). */
    public void requireUsable(Key key) {
        lease(key).close();
    }

    private static BlockClaims claims(Key key, BlockRef ref) {
        if (key instanceof Key.Platform p) {
            return new BlockClaims(ref.resourceId(), TABLE, ref.blockId(), "platform", p.customerId().toString(),
                    DataPlaneService.PLATFORM_AEK_VERSION);
        }
        Key.Customer c = (Key.Customer) key;
        return new BlockClaims(ref.resourceId(), TABLE, ref.blockId(), "customer", c.resource().toString(), AEK_VERSION);
    }

    private AekCache.Lease lease(Key key) {
        if (key instanceof Key.Platform p) {
            return cache.acquire(DataPlaneService.platformKey(p.customerId()),
                    () -> Envelope.of(DataPlaneService.PLATFORM_AEK_VERSION, platform.aek(p.customerId())));
        }
        Key.Customer c = (Key.Customer) key;
        String cacheKey = AekCache.clusterKey(c.resource());
        switch (keyHealth.access(c.resource())) {
            case Revoked -> {
                cache.evictCluster(c.resource());
                throw revoked(c);
            }
            case OutageWithinGrace -> {
                return cache.acquireStale(cacheKey).orElseThrow(() -> unavailable(c));
            }
            case OutageBeyondGrace -> throw unavailable(c);
            case Usable -> {
                // below
            }
        }
        return cache.acquire(cacheKey, () -> {
            AekResult aek = cmk.unwrap(c.resource());
            if (aek instanceof AekResult.Unwrapped u) {
                return Envelope.of(AEK_VERSION, u.aek());
            }
            if (aek instanceof AekResult.Refused r) {
                // revoked for every instance at once, as the data plane's own refusals are
                keyHealth.refusalSeen(c.resource(), r.message());
                throw revoked(c);
            }
            if (aek instanceof AekResult.Unavailable u) {
                keyHealth.outageSeen(c.resource(), "The vault could not be reached: " + u.reason() + ".");
                throw unavailable(c);
            }
            throw new ArmException(ArmErrorCode.CustomerManagedKeyInaccessible, "The " + c.noun() + " and its key no longer exist:"
                    + " what was stored under it cannot be read.");
        });
    }

    private static ArmException revoked(Key.Customer c) {
        return new ArmException(ArmErrorCode.CustomerManagedKeyInaccessible, "The customer-managed key of " + c.noun() + " is"
                + " inaccessible (the vault refused it at the last key check): what is stored under it cannot be read or written"
                + " until access to the key is restored.");
    }

    private static ArmException unavailable(Key.Customer c) {
        return new ArmException(ArmErrorCode.KeyVaultUnavailable, "The key vault of " + c.noun() + " cannot be reached: what is stored"
                + " under its key cannot be read or written until the vault is back. Try again later.");
    }
}
