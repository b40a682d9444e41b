package io.keyward.hsm;

import io.keyward.hsm.internal.Ckr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.Session;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.*;

/**
 * The token's backup key: an AES-256 key that the security officer made CKA_TRUSTED, itself sensitive and never
 * extractable (with a non-trusted seal key of the same CKA_ID, {@link #SEAL_LABEL}), the only key the token lets wrap a {@link KeyExport#WRAPPED_BY_TRUSTED_KEY} key version out
 * (CKA_WRAP_WITH_TRUSTED). A key version wrapped by it can be unwrapped only inside a token that holds the same
 * backup key, so a backup blob restores only into a Keyward on this HSM (or one the HSM's own replication gave the key).
 *
 * <p>The key is a public object (CKA_PRIVATE=false) because PKCS#11 lets the SO session create public objects only;
 * being public makes it findable, never readable (CKA_SENSITIVE, CKA_EXTRACTABLE=false). It is not modifiable, so a
 * user session cannot widen what it may do. See docs/key-backup.md for what SoftHSM2 enforces of this.
 */
public final class KeyBackup {
    private static final Logger LOG = LoggerFactory.getLogger(KeyBackup.class);
    /** CKA_LABEL of the trusted backup key; its CKA_ID (32 hex digits) tells one token's backup key from another's. */
    public static final String LABEL = "keyward-backup";
    /**
     * CKA_LABEL of its companion, same CKA_ID, not trusted: wraps a blob's content key. The trusted key cannot: its
     * CKA_UNWRAP_TEMPLATE makes everything it unwraps sensitive, so a content key could not be read back either.
     */
    public static final String SEAL_LABEL = "keyward-backup-seal";

    private final Hsm hsm;

    KeyBackup(Hsm hsm) {
        this.hsm = hsm;
    }

    /**
     * The id of the backup key new backups use (the lowest, should two instances have made one each at once), or
     * empty when nobody has provisioned one in this token.
     */
    public Optional<String> keyId() {
        return hsm.call("find the backup key", null, s -> ids(s.session()).stream().findFirst());
    }

    /** Whether this token holds the backup key {@code id} (and its seal key): whether its blobs restore here. */
    public boolean holds(String id) {
        return id != null && KeyVersionRef.VERSION.matcher(id).matches()
                && hsm.call("find the backup key", null, s -> ids(s.session()).contains(id));
    }

    /**
     * The secret half of {@code ref} wrapped by backup key {@code keyId} inside the token (C_WrapKey, RFC 5649 key wrap
     * with padding; for RSA the token wraps the PKCS#8 encoding). Nothing outside the token sees the key unwrapped.
     */
    public byte[] wrapOut(String keyId, KeyVersionRef ref) {
        KeyVersionRef backup = new KeyVersionRef(LABEL, keyId);
        return hsm.call("wrap out for backup", ref, s -> {
            long wrapping = hsm.handle(s, backup, CKO_SECRET_KEY);
            long secret = hsm.findSecretHalf(s, ref);
            return s.session().wrapKey(new Mechanism(hsm.config().aesKwpMechanism()), wrapping, secret);
        });
    }

    /**
     * Puts a key version that {@link #wrapOut} wrapped back into the token under {@code ref}: sensitive, exportable
     * only by a trusted key again, with exactly {@code usages}. {@code publicKey} must be the key's own. RSA keys
     * only: {@link HsmFailure#UNSUPPORTED_ALGORITHM} for AES (see {@code KeyStore.unwrapIn}).
     */
    public KeyVersion restore(String keyId, KeyVersionRef ref, KeyType type, byte[] wrapped, Set<KeyUsage> usages,
                              RsaPublicKey publicKey) {
        if (wrapped == null || wrapped.length == 0 || (type.family() == KeyType.Family.RSA && publicKey == null)) {
            throw new HsmException(HsmFailure.BAD_INPUT, "a restore needs the wrapped key and the public key");
        }
        return hsm.keys().unwrapIn(ref, type, wrapped, usages, publicKey, new KeyVersionRef(LABEL, keyId));
    }

    /** Wraps a blob's content key with seal key {@code keyId}: {@link Hsm#wrap} with AES-KWP. */
    public byte[] wrapSecret(String keyId, byte[] material) {
        return hsm.wrap(new KeyVersionRef(SEAL_LABEL, keyId), WrapAlgorithm.AES_KWP, material);
    }

    /** The inverse of {@link #wrapSecret}; the caller owns and should zero the result. */
    public byte[] unwrapSecret(String keyId, byte[] wrapped) {
        return hsm.unwrap(new KeyVersionRef(SEAL_LABEL, keyId), WrapAlgorithm.AES_KWP, wrapped);
    }

    /** Ids of the trusted backup keys that have their seal key, lowest first. */
    private static List<String> ids(Session session) throws PKCS11Exception {
        Set<String> seals = new TreeSet<>();
        for (long h : session.findAllObjectsSingle(new AttributeVector().class_(CKO_SECRET_KEY).label(SEAL_LABEL))) {
            seals.add(HexFormat.of().formatHex(session.getAttrValues(h, CKA_ID).id()));
        }
        Set<String> out = new TreeSet<>();
        for (long h : session.findAllObjectsSingle(new AttributeVector().class_(CKO_SECRET_KEY).label(LABEL)
                .trusted(true))) {
            String id = HexFormat.of().formatHex(session.getAttrValues(h, CKA_ID).id());
            if (seals.contains(id)) {
                out.add(id);
            }
        }
        return new ArrayList<>(out);
    }

    /**
     * The security officer's one step, done by Keyward when it is given the SO PIN file and the token has no backup
     * key: log in as SO on a session of its own, generate the trusted key and its seal key, log out. Must run before
     * the pool logs in as the user (one login type per application); the PIN is read here, used once and zeroed.
     */
    void provisionIfAbsent(Path soPinFile) {
        try {
            Session session = hsm.unpooledSession();
            try {
                if (!ids(session).isEmpty()) {
                    return;
                }
                char[] pin = readSoPin(soPinFile);
                try {
                    session.login(CKU_SO, pin);
                } finally {
                    Arrays.fill(pin, '\0');
                }
                try {
                    byte[] id = session.generateRandom(16);
                    session.generateKey(new Mechanism(CKM_AES_KEY_GEN), trustedTemplate(id));
                    session.generateKey(new Mechanism(CKM_AES_KEY_GEN), sealTemplate(id));
                    LOG.info("made the trusted backup key {}/{} in HSM token {}", LABEL, HexFormat.of().formatHex(id),
                            hsm.tokenDescription());
                } finally {
                    session.logout();
                }
            } finally {
                session.closeSession();
            }
        } catch (PKCS11Exception e) {
            // Backup and restore then answer that the HSM has no backup key; everything else works as before.
            LOG.warn("could not make the trusted backup key in HSM token {} ({})", hsm.tokenDescription(), Ckr.name(e));
        } catch (HsmException e) {
            LOG.warn("could not make the trusted backup key in HSM token {} ({})", hsm.tokenDescription(), e.failure());
        }
    }

    /**
     * Wraps and unwraps, nothing else; never leaves the token; not modifiable; CKA_TRUSTED. Its CKA_UNWRAP_TEMPLATE
     * makes whatever it unwraps sensitive and wrappable only by a trusted key: without it, a caller with the user PIN
     * could wrap a key out and unwrap it again as a non-sensitive object and read it (measured on SoftHSM2 2.6.1,
     * TrustedWrapTest).
     */
    static AttributeVector trustedTemplate(byte[] id) {
        return locked(LABEL, id).trusted(true)
                .unwrapTemplate(new AttributeVector().sensitive(true).wrapWithTrusted(true));
    }

    static AttributeVector sealTemplate(byte[] id) {
        return locked(SEAL_LABEL, id);
    }

    private static AttributeVector locked(String label, byte[] id) {
        return AttributeVector.newAESSecretKey().token(true).private_(false).label(label).id(id).valueLen(32)
                .sensitive(true).extractable(false).modifiable(false)
                .wrap(true).unwrap(true).encrypt(false).decrypt(false).sign(false).verify(false).derive(false);
    }

    private static char[] readSoPin(Path file) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.startsWith("KEYWARD_HSM_SO_PIN=")) {
                    return line.substring("KEYWARD_HSM_SO_PIN=".length()).trim().toCharArray();
                }
            }
        } catch (IOException e) {
            throw new HsmException(HsmFailure.CONFIGURATION, "cannot read the SO PIN file " + file);
        }
        throw new HsmException(HsmFailure.CONFIGURATION, "no KEYWARD_HSM_SO_PIN line in " + file);
    }
}
