package io.keyward.app.cmk;

import io.keyward.app.hsm.KeyUsagePolicy;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.HsmException;
import io.keyward.hsm.HsmFailure;
import io.keyward.hsm.KeyType;
import io.keyward.hsm.KeyUsage;
import io.keyward.hsm.KeyVersion;
import io.keyward.hsm.KeyVersionRef;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Singleton;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The binding of each wrapped AEK to the key version that wrapped it (issue 11): an AES-CMAC, made inside the HSM under
 * Keyward's binding key ({@value #KEY_NAME}: AES-256, generated in the token, sign only, never extractable), over what the
 * resource's {@code cmk_aeks} row claims. The MAC is kept apart from the row ({@code cmk_key_bindings}), so that a row
 * put back from an earlier state (an older wrapped AEK after a rotation), edited (another key, another identity, a wrapped
 * AEK of the attacker's choosing) or bound to nothing is refused before any vault call: the database alone cannot make a
 * binding, only the HSM can.
 *
 * <p>MAC input: "keyward/cmk-binding/v1" | (u32 len | UTF-8) for resource uuid, kind, tenant, identity, key id, key
 * version, algorithm | SHA-256 of the wrapped AEK.
 *
 * <p>Rows written before bindings existed are bound once, by the instance that generates the binding key (an upgrade
 * happens exactly when the key does not yet exist in the token, which the database cannot fake). Two instances doing so
 * at once each make a key version; both are Keyward's, every binding names the version it is under.
 */
@Singleton
public class KeyBindings implements KeyUsagePolicy {

    static final String KEY_NAME = "keyward/cmk-binding-mac";
    private static final byte[] LABEL = "keyward/cmk-binding/v1".getBytes(StandardCharsets.US_ASCII);
    private static final Logger LOG = LoggerFactory.getLogger(KeyBindings.class);

    private final BeanProvider<Hsm> hsm;
    private final CmkAekRepository repository;
    private final Clock clock;
    private volatile KeyVersionRef key;

    KeyBindings(BeanProvider<Hsm> hsm, CmkAekRepository repository, Clock clock) {
        this.hsm = hsm;
        this.repository = repository;
        this.clock = clock;
    }

    /** A binding made for a resource (uuid, kind, tenant, identity): the MAC and the binding key version it is under. */
    public record Seal(UUID uuid, String kind, String tenantId, UUID principalId, String keyVersion, byte[] mac) {
    }

    /** What {@link #check} found. */
    enum Check { INTACT, BROKEN }

    /** The binding of {@code aek} for {@code resource}. Calls the HSM: never inside a database transaction. */
    Seal seal(CmkResource resource, WrappedAek aek) {
        return seal(resource.uuid(), resource.kind(), resource.tenantId(), resource.principalId(), aek);
    }

    /**
     * The binding of {@code aek} for the resource {@code uuid}. Calls the HSM: never inside a database transaction.
     * Public for the key-health bench, which seeds thousands of resources as rows; code in this JVM holds the HSM
     * session anyway, so this grants nothing a caller here could not do itself.
     */
    public Seal seal(UUID uuid, String kind, String tenantId, UUID principalId, WrappedAek aek) {
        KeyVersionRef k = key();
        return new Seal(uuid, kind, tenantId, principalId, k.version(), hsm.get().mac(k, input(uuid, kind, tenantId, principalId, aek)));
    }

    /**
     * Whether {@code row}'s stored binding is the HSM's MAC of what the row claims now. A row without a binding, or one
     * naming a binding key version the token does not have, is {@link Check#BROKEN}. Calls the HSM; throws
     * {@link HsmException} when the token cannot answer.
     */
    Check check(CmkAekRepository.Stored row) {
        key(); // an upgrade binds the rows from before bindings first
        if (row.macKeyVersion() == null || row.mac() == null) {
            return Check.BROKEN;
        }
        try {
            return hsm.get().macMatches(new KeyVersionRef(KEY_NAME, row.macKeyVersion()), input(row.uuid(), row.kind(), row.tenantId(),
                    row.principalId(), row.aek()), row.mac()) ? Check.INTACT : Check.BROKEN;
        } catch (HsmException e) {
            if (e.failure() == HsmFailure.KEY_NOT_FOUND || e.failure() == HsmFailure.BAD_INPUT) {
                return Check.BROKEN;
            }
            throw e;
        }
    }

    /** Every version of the binding key authenticates (CKA_SIGN, CKA_VERIFY) and does nothing else. */
    @Override
    public Map<KeyVersionRef, Set<KeyUsage>> usages(Set<KeyVersionRef> present) {
        return KeyUsagePolicy.everyVersionOf(KEY_NAME, KeyUsage.SIGNING, present);
    }

    private KeyVersionRef key() {
        KeyVersionRef k = key;
        if (k == null) {
            synchronized (this) {
                k = key;
                if (k == null) {
                    List<KeyVersion> versions = hsm.get().keys().versions(KEY_NAME);
                    if (versions.isEmpty()) {
                        k = hsm.get().keys().create(KEY_NAME, KeyType.AES_256, KeyUsage.SIGNING).ref();
                        bindRowsFromBefore(k);
                    } else {
                        k = versions.stream().map(KeyVersion::ref).min(Comparator.comparing(KeyVersionRef::version)).orElseThrow();
                    }
                    key = k;
                }
            }
        }
        return k;
    }

    /** The upgrade: rows stored before bindings existed get theirs, under the key just generated. */
    private void bindRowsFromBefore(KeyVersionRef k) {
        int bound = 0;
        for (CmkAekRepository.Stored row : repository.unbound()) {
            byte[] mac = hsm.get().mac(k, input(row.uuid(), row.kind(), row.tenantId(), row.principalId(), row.aek()));
            bound += repository.bindIfAbsent(row.uuid(), k.version(), mac, clock.instant().truncatedTo(ChronoUnit.MICROS));
        }
        LOG.info("key bindings: binding key generated in the HSM; {} wrapped AEKs stored before it were bound", bound);
    }

    static byte[] input(UUID uuid, String kind, String tenantId, UUID principalId, WrappedAek aek) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(LABEL);
        for (String s : new String[] {uuid.toString(), kind, tenantId, principalId.toString(), aek.keyId(), aek.keyVersion(), aek.algorithm()}) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
            out.writeBytes(b);
        }
        try {
            out.writeBytes(MessageDigest.getInstance("SHA-256").digest(aek.wrapped()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
        return out.toByteArray();
    }
}
