package io.keyward.hsm;

import io.keyward.hsm.internal.Ckr;
import io.keyward.hsm.internal.Pkcs11Binding;
import io.keyward.hsm.internal.PooledSession;
import io.keyward.hsm.internal.SessionPool;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.Session;
import org.xipki.pkcs11.wrapper.Slot;
import org.xipki.pkcs11.wrapper.Token;
import org.xipki.pkcs11.wrapper.TokenInfo;
import org.xipki.pkcs11.wrapper.params.RSA_PKCS_OAEP_PARAMS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.*;

/**
 * A PKCS#11 token used by Keyward: a bounded session pool, login handled, failures classified once and
 * recovered from (a lost session is replaced, a failed device makes the module re-initialise), and the
 * operations that must run inside the token. Thread-safe; one instance per token is enough for a process.
 *
 * <pre>{@code
 * try (Hsm hsm = Hsm.open(HsmConfig.fromEnvironment(System.getenv()))) {
 *     KeyVersion kek = hsm.keys().create("vault1/cmk", KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
 *     byte[] wrapped = hsm.wrap(kek.ref(), WrapAlgorithm.RSA_OAEP, aekBytes);
 * }
 * }</pre>
 */
public final class Hsm implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Hsm.class);

    private final HsmConfig config;
    private final Pkcs11Binding binding;
    private final SessionPool pool;
    private final KeyStore keys;
    private final KeyBackup backup;
    /** Object handles by generation, class and key version: C_FindObjects is slow on SoftHSM2 (a full scan). */
    private final Map<String, Long> handles = new ConcurrentHashMap<>();
    private final Map<Long, Set<Long>> mechanismsByGeneration = new ConcurrentHashMap<>();
    private final Object recoveryLock = new Object();
    private volatile Slot slot;
    private volatile long slotGeneration;
    private volatile String tokenDescription;
    private volatile long lastFailedRecovery;
    private volatile String pinRefused;
    private volatile boolean closed;

    private Hsm(HsmConfig config) {
        this.config = config;
        this.binding = Pkcs11Binding.acquire(config.library());
        this.tokenDescription = "'" + config.tokenLabel() + "'";
        this.pool = new SessionPool(config.maxSessions(), this::openSession, binding::generation,
                tokenDescription);
        this.keys = new KeyStore(this);
        this.backup = new KeyBackup(this);
    }

    /**
     * Loads the library (once per JVM), finds the token by label and logs in, so that a wrong label or PIN fails
     * here and not on the first request.
     */
    public static Hsm open(HsmConfig config) {
        Hsm hsm = new Hsm(config);
        try {
            if (config.soPinFile() != null) {
                // before the pool's user login: a PKCS#11 application is logged in as one user type at a time
                hsm.backup.provisionIfAbsent(config.soPinFile());
            }
            TokenStatus status = hsm.probe();
            hsm.tokenDescription = status.describe();
            LOG.info("HSM token {} ready: {} sessions at most, library {}", status.describe(),
                    config.maxSessions(), config.library());
            return hsm;
        } catch (RuntimeException e) {
            hsm.close();
            throw e;
        }
    }

    public KeyStore keys() {
        return keys;
    }

    /** The trusted backup key of the token: Key Vault's backup and restore of vault keys. */
    public KeyBackup backup() {
        return backup;
    }

    public HsmConfig config() {
        return config;
    }

    /** Deep health: C_GetTokenInfo and the login state, through a pooled session. */
    public TokenStatus probe() {
        return call("probe", null, s -> {
            TokenInfo info = s.session().getToken().getTokenInfo();
            long state = s.session().getSessionInfo().getState();
            boolean loggedIn = state == CKS_RW_USER_FUNCTIONS || state == CKS_RO_USER_FUNCTIONS;
            return new TokenStatus(info.getLabel().trim(), info.getManufacturerID().trim(), info.getModel().trim(),
                    info.getSerialNumber().trim(), loggedIn);
        });
    }

    /** Random bytes from the token's RNG (C_GenerateRandom). */
    public byte[] random(int length) {
        if (length < 1 || length > 4096) {
            throw new IllegalArgumentException("random length must be 1..4096");
        }
        return call("generate random", null, s -> s.session().generateRandom(length));
    }

    /**
     * Wraps key material with a key version, inside the token (C_WrapKey, so the key needs {@link KeyUsage#WRAP}):
     * the material is put in a short-lived session object, wrapped by the version's public key (RSA) or secret key
     * (AES key wrap), and the session object destroyed.
     */
    public byte[] wrap(KeyVersionRef kek, WrapAlgorithm alg, byte[] keyMaterial) {
        requireBytes(keyMaterial, "key material");
        if (alg == WrapAlgorithm.AES_KWP && !config.aesKwpWrapsExactLength() && keyMaterial.length % 8 != 0) {
            throw new HsmException(HsmFailure.UNSUPPORTED_ALGORITHM, "HSM token " + tokenDescription + " pads "
                    + alg.jwaName() + " input to a multiple of 8 bytes before wrapping, which RFC 5649 does not; "
                    + "it can wrap " + keyMaterial.length + " bytes only non-conformantly, so Keyward refuses");
        }
        if (alg.family() == KeyType.Family.AES && alg != WrapAlgorithm.AES_KWP
                && (keyMaterial.length % 8 != 0 || keyMaterial.length < 16)) {
            throw new HsmException(HsmFailure.BAD_INPUT, alg.jwaName() + " wraps key material of 16 bytes or more "
                    + "in multiples of 8; use " + WrapAlgorithm.AES_KWP.jwaName() + " for other lengths");
        }
        return call("wrap with " + alg.jwaName(), kek, s -> {
            long wrapping = wrappingKey(s, kek, alg, CKO_PUBLIC_KEY);
            Session session = s.session();
            long temp = session.createObject(AttributeVector.newSecretKey(CKK_GENERIC_SECRET).token(false)
                    .value(keyMaterial).extractable(true).sensitive(false));
            try {
                return session.wrapKey(mechanism(s, alg), wrapping, temp);
            } finally {
                destroyQuietly(session, temp);
            }
        }, alg);
    }

    /**
     * Unwraps with a key version, inside the token (C_UnwrapKey, so the key needs {@link KeyUsage#UNWRAP}), and
     * returns the key material to the caller (Key Vault's unwrapKey semantics). The caller owns the returned array
     * and should zero it when done.
     */
    public byte[] unwrap(KeyVersionRef kek, WrapAlgorithm alg, byte[] wrapped) {
        requireBytes(wrapped, "wrapped key");
        return call("unwrap with " + alg.jwaName(), kek, s -> {
            long unwrapping = wrappingKey(s, kek, alg, CKO_PRIVATE_KEY);
            Session session = s.session();
            // The unwrapped value lands in a session object that exists only to be read once and destroyed.
            long temp = session.unwrapKey(mechanism(s, alg), unwrapping, wrapped,
                    AttributeVector.newSecretKey(CKK_GENERIC_SECRET).token(false).extractable(true)
                            .sensitive(false));
            try {
                return session.getAttrValues(temp, CKA_VALUE).value();
            } finally {
                destroyQuietly(session, temp);
            }
        }, alg);
    }

    /**
     * Encrypts {@code plaintext} with an RSA key version's public key inside the token (C_Encrypt, so the key needs
     * {@link KeyUsage#ENCRYPT}): Key Vault's encrypt, which is not the same permission as wrapKey.
     */
    public byte[] encrypt(KeyVersionRef key, WrapAlgorithm alg, byte[] plaintext) {
        requireBytes(plaintext, "plaintext");
        requireRsa(alg, "encrypt");
        return call("encrypt with " + alg.jwaName(), key,
                s -> s.session().encryptSingle(mechanism(s, alg), handle(s, key, CKO_PUBLIC_KEY), plaintext), alg);
    }

    /** Decrypts with an RSA key version's private key inside the token (C_Decrypt: {@link KeyUsage#DECRYPT}). */
    public byte[] decrypt(KeyVersionRef key, WrapAlgorithm alg, byte[] ciphertext) {
        requireBytes(ciphertext, "ciphertext");
        requireRsa(alg, "decrypt");
        return call("decrypt with " + alg.jwaName(), key,
                s -> s.session().decryptSingle(mechanism(s, alg), handle(s, key, CKO_PRIVATE_KEY), ciphertext), alg);
    }

    /**
     * Signs {@code data} with a key version's private key inside the token (the token hashes too). Used for
     * Keyward's own token-issuer key, whose private half never leaves the HSM like a customer's KEK.
     */
    public byte[] sign(KeyVersionRef key, SignAlgorithm alg, byte[] data) {
        requireBytes(data, "data to sign");
        long code = switch (alg) {
            case RS256 -> CKM_SHA256_RSA_PKCS;
            case RS384 -> CKM_SHA384_RSA_PKCS;
            case RS512 -> CKM_SHA512_RSA_PKCS;
        };
        return call("sign with " + alg.jwaName(), key, s -> {
            long priv = handle(s, key, CKO_PRIVATE_KEY);
            return s.session().signSingle(new Mechanism(code), priv, data);
        });
    }

    /**
     * AES-CMAC (CKM_AES_CMAC, 16 bytes) of {@code data} under an AES key version, inside the token (C_Sign on the
     * secret key, so it needs {@link KeyUsage#SIGN}): integrity of records kept outside the HSM (a database row) under
     * a key that never leaves it. SoftHSM2's HMAC mechanisms take only generic-secret keys; CMAC takes the AES keys the
     * key store already makes, and is as good a MAC.
     */
    public byte[] mac(KeyVersionRef key, byte[] data) {
        requireBytes(data, "data to authenticate");
        return call("AES-CMAC", key, s -> s.session().signSingle(new Mechanism(CKM_AES_CMAC), handle(s, key, CKO_SECRET_KEY), data));
    }

    /** Whether {@code mac} is {@link #mac} of {@code data} under {@code key}, compared in constant time. */
    public boolean macMatches(KeyVersionRef key, byte[] data, byte[] mac) {
        return mac != null && java.security.MessageDigest.isEqual(mac(key, data), mac);
    }

    /** The protection attributes of a key version's secret object, as the token reports them. */
    public KeyProtection protection(KeyVersionRef ref) {
        return call("read protection attributes", ref, s -> {
            long h = findSecretHalf(s, ref);
            AttributeVector a = s.session().getAttrValues(h, CKA_TOKEN, CKA_SENSITIVE, CKA_EXTRACTABLE,
                    CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE);
            return new KeyProtection(Boolean.TRUE.equals(a.token()), Boolean.TRUE.equals(a.sensitive()),
                    !Boolean.FALSE.equals(a.extractable()), Boolean.TRUE.equals(a.alwaysSensitive()),
                    Boolean.TRUE.equals(a.neverExtractable()));
        });
    }

    /** Sessions currently open and currently borrowed: for health pages and leak checks. */
    public int openSessions() {
        return pool.openSessions();
    }

    public int borrowedSessions() {
        return pool.borrowedSessions();
    }

    /** Label and model of the token, for messages. */
    public String tokenDescription() {
        return tokenDescription;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            pool.drainIdle();
            binding.release();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Operation runner: borrow, run, classify, recover, retry once.

    interface SessionOp<T> {
        T apply(PooledSession s) throws PKCS11Exception;
    }

    <T> T call(String what, KeyVersionRef ref, SessionOp<T> op) {
        return call(what, ref, op, null);
    }

    <T> T call(String what, KeyVersionRef ref, SessionOp<T> op, WrapAlgorithm alg) {
        if (closed) {
            throw new IllegalStateException("HSM client is closed");
        }
        if (pinRefused != null) {
            throw new HsmException(HsmFailure.CONFIGURATION, pinRefused);
        }
        String context = what + (ref != null ? " (key " + ref + ")" : "");
        HsmException last = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            PooledSession s = borrow();
            HsmException failure;
            boolean staleHandle = false;
            try {
                T result = op.apply(s);
                pool.release(s);
                return result;
            } catch (PKCS11Exception e) {
                HsmFailure kind = Ckr.classify(e);
                staleHandle = kind == HsmFailure.KEY_NOT_FOUND;
                if (alg != null && (kind == HsmFailure.UNSUPPORTED_ALGORITHM || Ckr.isArgumentsBad(e))) {
                    pool.release(s);
                    throw new UnsupportedAlgorithmException(alg, tokenDescription);
                }
                failure = new HsmException(kind, context + " failed on HSM token " + tokenDescription + ": "
                        + Ckr.name(e), kind == HsmFailure.DEVICE_FAILED || kind == HsmFailure.SESSION_BROKEN ? e : null);
            } catch (HsmException e) {
                failure = e;
            } catch (RuntimeException e) {
                failure = new HsmException(HsmFailure.DEVICE_FAILED, context + " failed on HSM token "
                        + tokenDescription + ": " + e.getClass().getSimpleName(), e);
            }
            HsmFailure kind = failure.failure();
            if (kind == HsmFailure.DEVICE_FAILED && alg != null && tokenAnswers(s)) {
                // SoftHSM2 answers a decryption or unwrap of malformed input with CKR_GENERAL_ERROR. When the
                // token still answers, the input was at fault: re-initialising the module for it would let any
                // caller with a bad blob reset the HSM for everyone.
                kind = HsmFailure.BAD_INPUT;
                failure = new HsmException(kind, context + " was refused by HSM token " + tokenDescription
                        + ": the input is not valid for this key and algorithm");
            }
            if (kind == HsmFailure.KEY_NOT_FOUND) {
                // SoftHSM2 (and a swapped or reset HSM) reports a vanished token as missing objects: only a
                // token that still answers C_GetTokenInfo makes "key not found" believable.
                handles.clear();
                if (!tokenAnswers(s)) {
                    kind = HsmFailure.DEVICE_FAILED;
                    failure = new HsmException(kind, context + " failed: HSM token " + tokenDescription
                            + " does not answer");
                }
            }
            switch (kind) {
                case SESSION_BROKEN, CONFIGURATION -> pool.discard(s);
                case DEVICE_FAILED -> {
                    pool.discard(s);
                    recover(s.generation());
                }
                default -> pool.release(s);
            }
            boolean retry = kind == HsmFailure.SESSION_BROKEN || kind == HsmFailure.DEVICE_FAILED
                    || kind == HsmFailure.KEY_NOT_FOUND && staleHandle;
            if (!retry) {
                throw failure;
            }
            last = failure;
        }
        throw last;
    }

    static boolean tokenAnswers(PooledSession s) {
        try {
            s.session().getToken().getTokenInfo();
            s.session().getSessionInfo();
            return true;
        } catch (PKCS11Exception | RuntimeException e) {
            return false;
        }
    }

    private PooledSession borrow() {
        try {
            return pool.borrow(config.borrowTimeout());
        } catch (HsmException e) {
            if (e.failure() == HsmFailure.DEVICE_FAILED) {
                // Opening a session failed: the module may have lost the token. Re-initialise and try once more.
                recover(binding.generation());
                return pool.borrow(config.borrowTimeout());
            }
            throw e;
        }
    }

    private void recover(long failedGeneration) {
        synchronized (recoveryLock) {
            if (binding.generation() != failedGeneration) {
                return; // another thread has already re-initialised since this failure
            }
            long now = System.nanoTime();
            if (lastFailedRecovery != 0 && now - lastFailedRecovery < config.recoveryBackoff().toNanos()) {
                return; // fail fast while the device stays down, instead of re-initialising on every call
            }
            LOG.warn("HSM token {} failed; re-initialising the PKCS#11 module", tokenDescription);
            handles.clear();
            pool.drainIdle();
            try {
                binding.reinitialize(failedGeneration);
                findSlot();
                lastFailedRecovery = 0;
                LOG.info("HSM token {} is back after re-initialisation", tokenDescription);
            } catch (HsmException e) {
                lastFailedRecovery = now;
                LOG.warn("HSM token {} still unavailable ({})", tokenDescription, e.failure());
            }
        }
    }

    private PooledSession openSession() {
        long generation = binding.generation();
        Slot current = slot;
        if (current == null || slotGeneration != generation) {
            current = findSlot();
        }
        Session session;
        try {
            session = current.getToken().openSession(true);
        } catch (PKCS11Exception e) {
            throw new HsmException(Ckr.classify(e) == HsmFailure.SESSION_BROKEN ? HsmFailure.BUSY
                    : HsmFailure.DEVICE_FAILED, "cannot open a session on HSM token " + tokenDescription + ": "
                    + Ckr.name(e), e);
        }
        try {
            long state = session.getSessionInfo().getState();
            if (state != CKS_RW_USER_FUNCTIONS && state != CKS_RO_USER_FUNCTIONS) {
                session.login(CKU_USER, config.userPin());
            }
        } catch (PKCS11Exception e) {
            if (e.getErrorCode() != CKR_USER_ALREADY_LOGGED_IN) {
                try {
                    session.closeSession();
                } catch (PKCS11Exception ignored) {
                    // closing a session whose login failed
                }
                if (Ckr.classify(e) == HsmFailure.CONFIGURATION) {
                    // Never retry a refused PIN on its own: real HSMs lock the user after a few attempts.
                    pinRefused = "HSM token " + tokenDescription + " refused the user PIN (" + Ckr.name(e)
                            + "); fix KEYWARD_HSM_PIN and restart";
                    throw new HsmException(HsmFailure.CONFIGURATION, pinRefused);
                }
                throw new HsmException(HsmFailure.DEVICE_FAILED, "login to HSM token " + tokenDescription
                        + " failed: " + Ckr.name(e), e);
            }
        }
        return new PooledSession(session, generation);
    }

    /** A session outside the pool, not logged in by Keyward: for the security officer's one step. */
    Session unpooledSession() throws PKCS11Exception {
        try {
            return findSlot().getToken().openSession(true);
        } catch (HsmException e) {
            if (e.failure() != HsmFailure.DEVICE_FAILED) {
                throw e;
            }
            // SoftHSM2 lists a token made after C_Initialize only once the module is initialised again
            recover(binding.generation());
            return findSlot().getToken().openSession(true);
        }
    }

    private synchronized Slot findSlot() {
        long generation = binding.generation();
        if (slot != null && slotGeneration == generation) {
            return slot;
        }
        List<String> seen = new ArrayList<>();
        try {
            for (Slot candidate : binding.module().getSlotList(true)) {
                Token token = candidate.getToken();
                String label = token.getTokenInfo().getLabel().trim();
                seen.add(label);
                if (label.equals(config.tokenLabel())) {
                    slot = candidate;
                    slotGeneration = generation;
                    return candidate;
                }
            }
        } catch (PKCS11Exception e) {
            throw new HsmException(HsmFailure.DEVICE_FAILED, "cannot list the slots of " + binding.library() + ": "
                    + Ckr.name(e), e);
        }
        throw new HsmException(HsmFailure.DEVICE_FAILED, "no token labelled '" + config.tokenLabel() + "' in "
                + binding.library() + " (tokens present: " + seen + ")");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Handles and mechanisms

    long handle(PooledSession s, KeyVersionRef ref, long objectClass) throws PKCS11Exception {
        String key = s.generation() + ":" + objectClass + ":" + ref;
        Long cached = handles.get(key);
        if (cached != null) {
            return cached;
        }
        long[] found = s.session().findObjectsSingle(new AttributeVector().class_(objectClass)
                .label(ref.name()).id(ref.idBytes()), 2);
        if (found.length == 0) {
            throw new HsmException(HsmFailure.KEY_NOT_FOUND, "no " + className(objectClass) + " for key " + ref
                    + " in HSM token " + tokenDescription);
        }
        if (found.length > 1) {
            throw new HsmException(HsmFailure.CONFIGURATION, "more than one " + className(objectClass)
                    + " for key " + ref + " in HSM token " + tokenDescription);
        }
        handles.put(key, found[0]);
        return found[0];
    }

    /** The private key of an RSA version, or the secret key of an AES version. */
    long findSecretHalf(PooledSession s, KeyVersionRef ref) throws PKCS11Exception {
        try {
            return handle(s, ref, CKO_PRIVATE_KEY);
        } catch (HsmException e) {
            if (e.failure() != HsmFailure.KEY_NOT_FOUND) {
                throw e;
            }
            return handle(s, ref, CKO_SECRET_KEY);
        }
    }

    void forgetHandles() {
        handles.clear();
    }

    private Mechanism mechanism(PooledSession s, WrapAlgorithm alg) throws PKCS11Exception {
        long code = switch (alg) {
            case RSA_OAEP, RSA_OAEP_256 -> CKM_RSA_PKCS_OAEP;
            case RSA1_5 -> CKM_RSA_PKCS;
            case A128KW, A192KW, A256KW -> config.aesKwMechanism();
            case AES_KWP -> config.aesKwpMechanism();
        };
        Set<Long> supported = mechanismsByGeneration.computeIfAbsent(s.generation(),
                g -> Arrays.stream(s.session().getToken().getMechanismList()).boxed().collect(Collectors.toSet()));
        if (!supported.isEmpty() && !supported.contains(code)) {
            throw new UnsupportedAlgorithmException(alg, tokenDescription);
        }
        return switch (alg) {
            case RSA_OAEP -> new Mechanism(code, new RSA_PKCS_OAEP_PARAMS(CKM_SHA_1, CKG_MGF1_SHA1));
            case RSA_OAEP_256 -> new Mechanism(code, new RSA_PKCS_OAEP_PARAMS(CKM_SHA256, CKG_MGF1_SHA256));
            default -> new Mechanism(code);
        };
    }

    /** The RSA half of {@code rsaClass}, or the AES key checked against the algorithm's key size. */
    private long wrappingKey(PooledSession s, KeyVersionRef ref, WrapAlgorithm alg, long rsaClass)
            throws PKCS11Exception {
        if (alg.family() == KeyType.Family.RSA) {
            return handle(s, ref, rsaClass);
        }
        long secret = handle(s, ref, CKO_SECRET_KEY);
        requireAesSize(s, secret, ref, alg);
        return secret;
    }

    private static void requireRsa(WrapAlgorithm alg, String what) {
        if (alg.family() != KeyType.Family.RSA) {
            throw new HsmException(HsmFailure.BAD_INPUT, what + " takes an RSA algorithm, not " + alg.jwaName());
        }
    }

    private void requireAesSize(PooledSession s, long secret, KeyVersionRef ref, WrapAlgorithm alg)
            throws PKCS11Exception {
        if (alg.requiredKeyBits() == 0) {
            return;
        }
        Integer len = s.session().getAttrValues(secret, CKA_VALUE_LEN).valueLen();
        if (len == null || len * 8 != alg.requiredKeyBits()) {
            throw new HsmException(HsmFailure.KEY_UNUSABLE, alg.jwaName() + " needs a " + alg.requiredKeyBits()
                    + "-bit AES key; key " + ref + " has " + (len == null ? "unknown" : len * 8) + " bits");
        }
    }

    private static void destroyQuietly(Session session, long handle) {
        try {
            session.destroyObject(handle);
        } catch (PKCS11Exception ignored) {
            // A session object also disappears when its session closes.
        }
    }

    private static void requireBytes(byte[] b, String what) {
        if (b == null || b.length == 0) {
            throw new HsmException(HsmFailure.BAD_INPUT, what + " is empty");
        }
    }

    private static String className(long objectClass) {
        if (objectClass == CKO_PRIVATE_KEY) {
            return "private key";
        }
        if (objectClass == CKO_PUBLIC_KEY) {
            return "public key";
        }
        return "secret key";
    }
}
