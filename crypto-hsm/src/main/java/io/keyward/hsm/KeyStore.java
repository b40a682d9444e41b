package io.keyward.hsm;

import io.keyward.hsm.internal.Ckr;
import io.keyward.hsm.internal.PooledSession;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.KeyPairTemplate;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Exception;
import org.xipki.pkcs11.wrapper.PKCS11KeyPair;
import org.xipki.pkcs11.wrapper.Session;

import java.math.BigInteger;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.*;

/**
 * Keys inside the token. Each key has a name (CKA_LABEL) and versions (CKA_ID); a new version is a new key
 * object, generated in the token as a token object with CKA_SENSITIVE=true and CKA_EXTRACTABLE=false, so its
 * secret half never exists outside the module, and with only the {@link KeyUsage}s it is made for. Nothing here
 * returns secret key material.
 */
public final class KeyStore {
    /** Called after the token generated a key and before Keyward accepts it; tests use it to fail that step. */
    interface GenerationCheck {
        void afterGenerate(KeyVersionRef ref);
    }

    private static final BigInteger F4 = BigInteger.valueOf(65537);

    private final Hsm hsm;
    private volatile GenerationCheck check = ref -> { };

    KeyStore(Hsm hsm) {
        this.hsm = hsm;
    }

    void setGenerationCheck(GenerationCheck check) {
        this.check = check;
    }

    /**
     * Generates a new version of {@code name} in the token that may do {@code usages} and nothing else (use the
     * {@link KeyUsage} presets for Keyward's own keys). If anything fails after the token created objects, they are
     * destroyed again, so a failed generation leaves nothing behind.
     */
    public KeyVersion create(String name, KeyType type, Set<KeyUsage> usages) {
        return create(name, type, usages, KeyExport.NEVER);
    }

    /** As {@link #create(String, KeyType, Set)}, with the secret half exportable as {@code export} says. */
    public KeyVersion create(String name, KeyType type, Set<KeyUsage> usages, KeyExport export) {
        KeyVersionRef ref = newVersion(name);
        return hsm.call("generate " + type, ref, s -> {
            Session session = s.session();
            try {
                if (type.family() == KeyType.Family.RSA) {
                    AttributeVector pub = publicRsaKey(name, ref, usages).modulusBits(type.bits()).publicExponent(F4);
                    PKCS11KeyPair pair = session.generateKeyPair(new Mechanism(CKM_RSA_PKCS_KEY_PAIR_GEN),
                            new KeyPairTemplate(lockedRsaPrivateKey(name, ref, usages, export), pub));
                    requireAsMade(session, pair.getPrivateKey(), KeyObject.Kind.PRIVATE, usages, ref, export);
                    requireAsMade(session, pair.getPublicKey(), KeyObject.Kind.PUBLIC, usages, ref, export);
                } else {
                    long secret = session.generateKey(new Mechanism(CKM_AES_KEY_GEN),
                            lockedAesKey(name, ref, usages, export).valueLen(type.bits() / 8));
                    requireAsMade(session, secret, KeyObject.Kind.SECRET, usages, ref, export);
                }
                check.afterGenerate(ref);
            } catch (PKCS11Exception | RuntimeException e) {
                destroyAll(session, ref);
                throw e;
            }
            return new KeyVersion(ref, type);
        });
    }

    /**
     * Imports an AES key (16, 24 or 32 bytes) as a new version, sensitive and non-extractable from then on
     * (Key Vault's import; also how known-answer vectors get into the token).
     */
    public KeyVersion importAes(String name, byte[] keyBytes, Set<KeyUsage> usages) {
        if (keyBytes == null || (keyBytes.length != 16 && keyBytes.length != 24 && keyBytes.length != 32)) {
            throw new HsmException(HsmFailure.BAD_INPUT, "an AES key is 16, 24 or 32 bytes");
        }
        KeyVersionRef ref = newVersion(name);
        return hsm.call("import AES key", ref, s -> {
            try {
                long secret = s.session().createObject(lockedAesKey(name, ref, usages, KeyExport.NEVER).value(keyBytes));
                requireAsMade(s.session(), secret, KeyObject.Kind.SECRET, usages, ref, KeyExport.NEVER);
            } catch (PKCS11Exception | RuntimeException e) {
                destroyAll(s.session(), ref);
                throw e;
            }
            return new KeyVersion(ref, KeyType.aes(keyBytes.length * 8));
        });
    }

    /** Imports an RSA private key (Key Vault's BYOK import) as a new version, locked in the token from then on. */
    public KeyVersion importRsa(String name, RSAPrivateCrtKey key, Set<KeyUsage> usages) {
        return importRsa(name, key, usages, KeyExport.NEVER);
    }

    /**
     * As {@link #importRsa(String, RSAPrivateCrtKey, Set)}, exportable as {@code export} says. The caller's copy of
     * the key is its own to forget; the token's object is sensitive from its creation on.
     */
    public KeyVersion importRsa(String name, RSAPrivateCrtKey key, Set<KeyUsage> usages, KeyExport export) {
        KeyType type = KeyType.rsa(key.getModulus().bitLength());
        KeyVersionRef ref = newVersion(name);
        return hsm.call("import RSA key", ref, s -> {
            Session session = s.session();
            try {
                long priv = session.createObject(lockedRsaPrivateKey(name, ref, usages, export)
                        .modulus(key.getModulus()).publicExponent(key.getPublicExponent())
                        .privateExponent(key.getPrivateExponent()).prime1(key.getPrimeP()).prime2(key.getPrimeQ())
                        .exponent1(key.getPrimeExponentP()).exponent2(key.getPrimeExponentQ())
                        .coefficient(key.getCrtCoefficient()));
                long pub = session.createObject(publicRsaKey(name, ref, usages).modulus(key.getModulus())
                        .publicExponent(key.getPublicExponent()));
                requireAsMade(session, priv, KeyObject.Kind.PRIVATE, usages, ref, export);
                requireAsMade(session, pub, KeyObject.Kind.PUBLIC, usages, ref, export);
            } catch (PKCS11Exception | RuntimeException e) {
                destroyAll(session, ref);
                throw e;
            }
            return new KeyVersion(ref, type);
        });
    }

    /**
     * Unwraps a secret half that {@link KeyBackup#wrapOut} produced into a token object named {@code ref} again
     * (C_UnwrapKey with the trusted backup key, so the value exists only inside the token), sensitive and wrappable
     * only by a trusted key as before, and makes the public object from {@code publicKey}. RSA keys only. Fails with
     * {@link HsmFailure#BAD_INPUT} when the token refuses the wrapped bytes, and leaves nothing behind on failure.
     */
    KeyVersion unwrapIn(KeyVersionRef ref, KeyType type, byte[] wrapped, Set<KeyUsage> usages, RsaPublicKey publicKey,
                        KeyVersionRef backupKey) {
        if (type.family() != KeyType.Family.RSA) {
            // SoftHSM2 2.6.1 refuses CKA_VALUE_LEN in an unwrap template (CKR_ATTRIBUTE_READ_ONLY) and records 0 for
            // an AES key unwrapped without it, so a restored AES key could not be checked nor used (TrustedWrapTest)
            throw new HsmException(HsmFailure.UNSUPPORTED_ALGORITHM, "restoring " + type + " keys is not supported");
        }
        return hsm.call("restore key version", ref, s -> {
            Session session = s.session();
            if (session.findAllObjectsSingle(new AttributeVector().label(ref.name()).id(ref.idBytes())).length > 0) {
                throw new HsmException(HsmFailure.BAD_INPUT, "key version " + ref + " exists in HSM token "
                        + hsm.tokenDescription());
            }
            long unwrapping = hsm.handle(s, backupKey, CKO_SECRET_KEY);
            Mechanism kwp = new Mechanism(hsm.config().aesKwpMechanism());
            try {
                long priv = session.unwrapKey(kwp, unwrapping, wrapped,
                        lockedRsaPrivateKey(ref.name(), ref, usages, KeyExport.WRAPPED_BY_TRUSTED_KEY));
                AttributeVector n = session.getAttrValues(priv, CKA_MODULUS, CKA_PUBLIC_EXPONENT);
                if (!publicKey.modulus().equals(n.modulus()) || !publicKey.publicExponent().equals(n.publicExponent())) {
                    throw new HsmException(HsmFailure.BAD_INPUT, "the wrapped key of " + ref
                            + " is not the key its public half names");
                }
                long pub = session.createObject(publicRsaKey(ref.name(), ref, usages).modulus(publicKey.modulus())
                        .publicExponent(publicKey.publicExponent()));
                requireAsMade(session, priv, KeyObject.Kind.PRIVATE, usages, ref, KeyExport.WRAPPED_BY_TRUSTED_KEY);
                requireAsMade(session, pub, KeyObject.Kind.PUBLIC, usages, ref, KeyExport.WRAPPED_BY_TRUSTED_KEY);
            } catch (PKCS11Exception | RuntimeException e) {
                destroyAll(session, ref);
                // SoftHSM2 answers an unwrap of bytes another key wrapped (or edited ones) with CKR_GENERAL_ERROR: while
                // the token still answers, the input was at fault, and it must not make the module re-initialise
                if (e instanceof PKCS11Exception p && Ckr.classify(p) != HsmFailure.SESSION_BROKEN
                        && (Ckr.classify(p) != HsmFailure.DEVICE_FAILED || Hsm.tokenAnswers(s))) {
                    throw new HsmException(HsmFailure.BAD_INPUT, "HSM token " + hsm.tokenDescription()
                            + " refused the wrapped key of " + ref + ": " + Ckr.name(p));
                }
                throw e;
            }
            return new KeyVersion(ref, type);
        });
    }

    /** Every version of {@code name} present in the token. The order is the token's; callers keep history. */
    public List<KeyVersion> versions(String name) {
        if (!KeyVersionRef.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad key name: " + name);
        }
        return hsm.call("list versions of " + name, null, s -> {
            Map<String, KeyVersion> found = new LinkedHashMap<>();
            for (long cls : new long[] {CKO_PRIVATE_KEY, CKO_SECRET_KEY}) {
                for (long h : s.session().findAllObjectsSingle(new AttributeVector().class_(cls).label(name))) {
                    AttributeVector a = s.session().getAttrValues(h, CKA_ID, CKA_KEY_TYPE);
                    KeyVersionRef ref = KeyVersionRef.of(name, a.id());
                    found.put(ref.version(), new KeyVersion(ref, typeOf(s, h, a.keyType())));
                }
            }
            return new ArrayList<>(found.values());
        });
    }

    /** The RSA public key (n, e) of a version, read from its public key object. */
    public RsaPublicKey publicKey(KeyVersionRef ref) {
        return hsm.call("read public key", ref, s -> {
            long h = hsm.handle(s, ref, CKO_PUBLIC_KEY);
            AttributeVector a = s.session().getAttrValues(h, CKA_MODULUS, CKA_PUBLIC_EXPONENT);
            return new RsaPublicKey(a.modulus(), a.publicExponent());
        });
    }

    /**
     * Gives every object of a version exactly {@code usages} (C_SetAttributeValue), widening or narrowing, and
     * reads them back. A token that refuses the change (CKR_ATTRIBUTE_READ_ONLY, CKR_ACTION_PROHIBITED: the object
     * is not modifiable) fails with {@link HsmFailure#KEY_UNUSABLE} and the key keeps what it had.
     */
    public void setUsages(KeyVersionRef ref, Set<KeyUsage> usages) {
        hsm.call("set usages of", ref, s -> {
            Session session = s.session();
            int found = 0;
            for (KeyObject.Kind kind : KeyObject.Kind.values()) {
                for (long h : session.findAllObjectsSingle(new AttributeVector().class_(objectClass(kind))
                        .label(ref.name()).id(ref.idBytes()))) {
                    session.setAttributeValues(h, withUsages(new AttributeVector(), kind, usages));
                    KeyObject now = read(session, h, kind);
                    if (!now.usages().equals(KeyUsage.on(kind, usages)) || now.recoverOrDerive()) {
                        throw new HsmException(HsmFailure.KEY_UNUSABLE, "HSM token " + hsm.tokenDescription()
                                + " accepted but did not apply the usages " + usages + " to key " + ref);
                    }
                    found++;
                }
            }
            if (found == 0) {
                throw new HsmException(HsmFailure.KEY_NOT_FOUND, "no objects for key " + ref + " in HSM token "
                        + hsm.tokenDescription());
            }
            return null;
        });
    }

    /**
     * Every private, public and secret key object stored in the token, with the usage and protection attributes the
     * token reports: what start-up checks compare with what each key is for. Objects of other applications are
     * listed too; {@link KeyObject#ref()} tells Keyward's apart.
     */
    public List<KeyObject> inventory() {
        return hsm.call("list key objects", null, s -> {
            List<KeyObject> out = new ArrayList<>();
            for (KeyObject.Kind kind : KeyObject.Kind.values()) {
                for (long h : s.session().findAllObjectsSingle(new AttributeVector().class_(objectClass(kind)).token(true))) {
                    out.add(read(s.session(), h, kind));
                }
            }
            return out;
        });
    }

    /** Destroys every object of a version. Returns how many objects were destroyed (0 if none existed). */
    public int delete(KeyVersionRef ref) {
        int n = hsm.call("delete key version", ref, s -> destroyAll(s.session(), ref));
        hsm.forgetHandles();
        return n;
    }

    /** Counts the token objects that carry this version's label and id, whatever their class. */
    public int objectCount(KeyVersionRef ref) {
        return hsm.call("count objects", ref, s -> s.session().findAllObjectsSingle(
                new AttributeVector().label(ref.name()).id(ref.idBytes())).length);
    }

    private KeyVersionRef newVersion(String name) {
        if (name == null || !KeyVersionRef.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("key name must match " + KeyVersionRef.NAME.pattern() + ": " + name);
        }
        return KeyVersionRef.of(name, hsm.random(16));
    }

    private static AttributeVector lockedRsaPrivateKey(String name, KeyVersionRef ref, Set<KeyUsage> usages,
                                                       KeyExport export) {
        return withUsages(exportable(AttributeVector.newRSAPrivateKey().token(true).private_(true).label(name)
                .id(ref.idBytes()).sensitive(true), export), KeyObject.Kind.PRIVATE, usages);
    }

    /** CKA_EXTRACTABLE only together with CKA_WRAP_WITH_TRUSTED; CKA_SENSITIVE is set by the caller in both cases. */
    private static AttributeVector exportable(AttributeVector v, KeyExport export) {
        return export == KeyExport.NEVER ? v.extractable(false) : v.extractable(true).wrapWithTrusted(true);
    }

    private static AttributeVector publicRsaKey(String name, KeyVersionRef ref, Set<KeyUsage> usages) {
        return withUsages(AttributeVector.newRSAPublicKey().token(true).label(name).id(ref.idBytes()),
                KeyObject.Kind.PUBLIC, usages);
    }

    private static AttributeVector lockedAesKey(String name, KeyVersionRef ref, Set<KeyUsage> usages,
                                                KeyExport export) {
        return withUsages(exportable(AttributeVector.newAESSecretKey().token(true).private_(true).label(name)
                .id(ref.idBytes()).sensitive(true), export), KeyObject.Kind.SECRET, usages);
    }

    /** Every usage attribute of the object's class, each true or false: no token default is left to chance. */
    private static AttributeVector withUsages(AttributeVector v, KeyObject.Kind kind, Set<KeyUsage> usages) {
        Set<KeyUsage> u = KeyUsage.on(kind, usages);
        v.derive(false);
        if (kind != KeyObject.Kind.PUBLIC) {
            v.sign(u.contains(KeyUsage.SIGN)).decrypt(u.contains(KeyUsage.DECRYPT)).unwrap(u.contains(KeyUsage.UNWRAP));
        }
        if (kind != KeyObject.Kind.PRIVATE) {
            v.verify(u.contains(KeyUsage.VERIFY)).encrypt(u.contains(KeyUsage.ENCRYPT)).wrap(u.contains(KeyUsage.WRAP));
        }
        if (kind == KeyObject.Kind.PRIVATE) {
            v.signRecover(false);
        } else if (kind == KeyObject.Kind.PUBLIC) {
            v.verifyRecover(false);
        }
        return v;
    }

    private static KeyObject read(Session session, long handle, KeyObject.Kind kind) throws PKCS11Exception {
        AttributeVector a = switch (kind) {
            case PRIVATE -> session.getAttrValues(handle, CKA_LABEL, CKA_ID, CKA_SIGN, CKA_DECRYPT, CKA_UNWRAP,
                    CKA_SIGN_RECOVER, CKA_DERIVE, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED);
            case PUBLIC -> session.getAttrValues(handle, CKA_LABEL, CKA_ID, CKA_VERIFY, CKA_ENCRYPT, CKA_WRAP,
                    CKA_VERIFY_RECOVER, CKA_DERIVE);
            case SECRET -> session.getAttrValues(handle, CKA_LABEL, CKA_ID, CKA_SIGN, CKA_DECRYPT, CKA_UNWRAP,
                    CKA_VERIFY, CKA_ENCRYPT, CKA_WRAP, CKA_DERIVE, CKA_SENSITIVE, CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED);
        };
        Set<KeyUsage> usages = EnumSet.noneOf(KeyUsage.class);
        addIf(usages, KeyUsage.SIGN, a.sign());
        addIf(usages, KeyUsage.DECRYPT, a.decrypt());
        addIf(usages, KeyUsage.UNWRAP, a.unwrap());
        addIf(usages, KeyUsage.VERIFY, a.verify());
        addIf(usages, KeyUsage.ENCRYPT, a.encrypt());
        addIf(usages, KeyUsage.WRAP, a.wrap());
        boolean recoverOrDerive = Boolean.TRUE.equals(a.signRecover()) || Boolean.TRUE.equals(a.verifyRecover())
                || Boolean.TRUE.equals(a.derive());
        boolean pub = kind == KeyObject.Kind.PUBLIC;
        return new KeyObject(a.label() == null ? "" : a.label(), a.id() == null ? "" : HexFormat.of().formatHex(a.id()),
                kind, usages, recoverOrDerive, !pub && Boolean.TRUE.equals(a.sensitive()),
                pub || !Boolean.FALSE.equals(a.extractable()), !pub && Boolean.TRUE.equals(a.wrapWithTrusted()));
    }

    private static void addIf(Set<KeyUsage> set, KeyUsage usage, Boolean attribute) {
        if (Boolean.TRUE.equals(attribute)) {
            set.add(usage);
        }
    }

    private static long objectClass(KeyObject.Kind kind) {
        return switch (kind) {
            case PRIVATE -> CKO_PRIVATE_KEY;
            case PUBLIC -> CKO_PUBLIC_KEY;
            case SECRET -> CKO_SECRET_KEY;
        };
    }

    /**
     * Trust the token, but verify: a module that ignored CKA_SENSITIVE must not get a customer's key, and one that
     * added a usage (a default it applied anyway) must not hand out a key that does more than it was made for.
     */
    private void requireAsMade(Session session, long handle, KeyObject.Kind kind, Set<KeyUsage> usages,
                               KeyVersionRef ref, KeyExport export) throws PKCS11Exception {
        KeyObject made = read(session, handle, kind);
        boolean asAsked = export == KeyExport.NEVER ? !made.extractable() : made.wrapWithTrusted();
        if (kind != KeyObject.Kind.PUBLIC && (!made.locked() || !asAsked)) {
            throw new HsmException(HsmFailure.CONFIGURATION, "the token did not make key " + ref + " sensitive and "
                    + (export == KeyExport.NEVER ? "non-extractable" : "wrappable only by a trusted key")
                    + "; refusing to use it");
        }
        if (!made.conformsTo(usages)) {
            throw new HsmException(HsmFailure.CONFIGURATION, "HSM token " + hsm.tokenDescription() + " gave the "
                    + kind.name().toLowerCase(Locale.ROOT) + " key of " + ref + " the usages " + made.usages()
                    + (made.recoverOrDerive() ? " (and recover or derive)" : "") + " instead of "
                    + KeyUsage.on(kind, usages) + "; refusing to use it");
        }
    }

    private static int destroyAll(Session session, KeyVersionRef ref) throws PKCS11Exception {
        long[] objects = session.findAllObjectsSingle(new AttributeVector().label(ref.name()).id(ref.idBytes()));
        for (long h : objects) {
            session.destroyObject(h);
        }
        return objects.length;
    }

    private static KeyType typeOf(PooledSession s, long handle, Long keyType) throws PKCS11Exception {
        if (keyType != null && keyType == CKK_RSA) {
            BigInteger n = s.session().getAttrValues(handle, CKA_MODULUS).modulus();
            return n == null ? null : KeyType.rsa(n.bitLength());
        }
        Integer len = s.session().getAttrValues(handle, CKA_VALUE_LEN).valueLen();
        return len == null ? null : KeyType.aes(len * 8);
    }
}
