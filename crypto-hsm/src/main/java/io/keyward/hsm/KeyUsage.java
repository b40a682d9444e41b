package io.keyward.hsm;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a key version may do inside the token. Each usage is one PKCS#11 attribute, set on the object that performs
 * it: an RSA private key signs, decrypts and unwraps; its public key verifies, encrypts and wraps; an AES key may
 * do any of them. Every usage not granted is set to false explicitly, since tokens default several to true
 * (SoftHSM2 2.6 turns on CKA_SIGN_RECOVER, CKA_VERIFY, CKA_ENCRYPT and CKA_VERIFY_RECOVER when a template is silent).
 * CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER and CKA_DERIVE are never granted.
 *
 * <p>Keyward's own keys use the presets; a vault key gets the usages its Key Vault {@code key_ops} allow.
 */
public enum KeyUsage {
    /** CKA_ENCRYPT: {@link Hsm#encrypt} (public key or AES key). */
    ENCRYPT,
    /** CKA_DECRYPT: {@link Hsm#decrypt} (private key or AES key). */
    DECRYPT,
    /** CKA_SIGN: {@link Hsm#sign} (private key or AES key). */
    SIGN,
    /** CKA_VERIFY (public key or AES key). */
    VERIFY,
    /** CKA_WRAP: {@link Hsm#wrap} (public key or AES key). */
    WRAP,
    /** CKA_UNWRAP: {@link Hsm#unwrap} (private key or AES key). */
    UNWRAP;

    /** A key-encryption key: wraps and unwraps key material, nothing else. */
    public static final Set<KeyUsage> KEY_WRAPPING = Collections.unmodifiableSet(EnumSet.of(WRAP, UNWRAP));
    /** A signing key: the private key signs, the public key verifies, nothing else. */
    public static final Set<KeyUsage> SIGNING = Collections.unmodifiableSet(EnumSet.of(SIGN, VERIFY));

    /** The usages of {@code granted} that an object of {@code kind} carries (an RSA pair splits them). */
    public static Set<KeyUsage> on(KeyObject.Kind kind, Set<KeyUsage> granted) {
        EnumSet<KeyUsage> out = EnumSet.noneOf(KeyUsage.class);
        for (KeyUsage u : granted) {
            if (kind == KeyObject.Kind.SECRET || (kind == KeyObject.Kind.PRIVATE) == u.privateHalf()) {
                out.add(u);
            }
        }
        return Collections.unmodifiableSet(out);
    }

    /** True for what an RSA private key does; the public key does the others. */
    boolean privateHalf() {
        return this == DECRYPT || this == SIGN || this == UNWRAP;
    }
}
