package io.keyward.hsm;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.xipki.pkcs11.wrapper.PKCS11Constants.*;

/**
 * Keys inside the token. Each key has a name (CKA_LABEL) and versions (CKA_ID); a new version is a new key
 * object, generated in the token as a token object with CKA_SENSITIVE=true and CKA_EXTRACTABLE=false, so its
 * secret half never exists outside the module. Nothing here returns secret key material.
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
     * Generates a new version of {@code name} in the token. If anything fails after the token created objects,
     * they are destroyed again, so a failed generation leaves nothing behind.
     */
    public KeyVersion create(String name, KeyType type) {
        KeyVersionRef ref = newVersion(name);
        return hsm.call("generate " + type, ref, s -> {
            Session session = s.session();
            try {
                if (type.family() == KeyType.Family.RSA) {
                    AttributeVector pub = AttributeVector.newRSAPublicKey().token(true).label(name)
                            .id(ref.idBytes()).encrypt(true).wrap(true).verify(true).modulusBits(type.bits())
                            .publicExponent(F4);
                    PKCS11KeyPair pair = session.generateKeyPair(new Mechanism(CKM_RSA_PKCS_KEY_PAIR_GEN),
                            new KeyPairTemplate(lockedRsaPrivateKey(name, ref).decrypt(true).unwrap(true)
                                    .sign(true), pub));
                    requireLocked(session, pair.getPrivateKey(), ref);
                } else {
                    long secret = session.generateKey(new Mechanism(CKM_AES_KEY_GEN),
                            lockedAesKey(name, ref).valueLen(type.bits() / 8));
                    requireLocked(session, secret, ref);
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
    public KeyVersion importAes(String name, byte[] keyBytes) {
        if (keyBytes == null || (keyBytes.length != 16 && keyBytes.length != 24 && keyBytes.length != 32)) {
            throw new HsmException(HsmFailure.BAD_INPUT, "an AES key is 16, 24 or 32 bytes");
        }
        KeyVersionRef ref = newVersion(name);
        return hsm.call("import AES key", ref, s -> {
            try {
                s.session().createObject(lockedAesKey(name, ref).value(keyBytes));
            } catch (PKCS11Exception | RuntimeException e) {
                destroyAll(s.session(), ref);
                throw e;
            }
            return new KeyVersion(ref, KeyType.aes(keyBytes.length * 8));
        });
    }

    /** Imports an RSA private key (Key Vault's BYOK import) as a new version, locked in the token from then on. */
    public KeyVersion importRsa(String name, RSAPrivateCrtKey key) {
        KeyType type = KeyType.rsa(key.getModulus().bitLength());
        KeyVersionRef ref = newVersion(name);
        return hsm.call("import RSA key", ref, s -> {
            Session session = s.session();
            try {
                session.createObject(lockedRsaPrivateKey(name, ref).decrypt(true).unwrap(true)
                        .sign(true).modulus(key.getModulus()).publicExponent(key.getPublicExponent())
                        .privateExponent(key.getPrivateExponent()).prime1(key.getPrimeP()).prime2(key.getPrimeQ())
                        .exponent1(key.getPrimeExponentP()).exponent2(key.getPrimeExponentQ())
                        .coefficient(key.getCrtCoefficient()));
                session.createObject(AttributeVector.newRSAPublicKey().token(true).label(name).id(ref.idBytes())
                        .encrypt(true).wrap(true).verify(true).modulus(key.getModulus())
                        .publicExponent(key.getPublicExponent()));
            } catch (PKCS11Exception | RuntimeException e) {
                destroyAll(session, ref);
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

    private static AttributeVector lockedRsaPrivateKey(String name, KeyVersionRef ref) {
        return AttributeVector.newRSAPrivateKey().token(true).private_(true).label(name).id(ref.idBytes())
                .sensitive(true).extractable(false);
    }

    private static AttributeVector lockedAesKey(String name, KeyVersionRef ref) {
        return AttributeVector.newAESSecretKey().token(true).private_(true).label(name).id(ref.idBytes())
                .sensitive(true).extractable(false).wrap(true).unwrap(true).encrypt(true).decrypt(true);
    }

    /** Trust the token, but verify: a module that ignored CKA_SENSITIVE must not get a customer's key. */
    private static void requireLocked(Session session, long handle, KeyVersionRef ref) throws PKCS11Exception {
        AttributeVector a = session.getAttrValues(handle, CKA_SENSITIVE, CKA_EXTRACTABLE);
        if (!Boolean.TRUE.equals(a.sensitive()) || !Boolean.FALSE.equals(a.extractable())) {
            throw new HsmException(HsmFailure.CONFIGURATION, "the token did not make key " + ref
                    + " sensitive and non-extractable; refusing to use it");
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
