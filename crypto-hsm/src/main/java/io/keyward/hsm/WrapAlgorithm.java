package io.keyward.hsm;

/**
 * Key wrap algorithms, by their Key Vault (JWA) names. Each maps to one PKCS#11 mechanism with fixed
 * parameters; whether the token implements it is only known by asking the token (see
 * {@link UnsupportedAlgorithmException}).
 */
public enum WrapAlgorithm {
    /** RSAES-OAEP with SHA-1 and MGF1-SHA-1 (Key Vault {@code RSA-OAEP}). */
    RSA_OAEP("RSA-OAEP", KeyType.Family.RSA, 0),
    /** RSAES-OAEP with SHA-256 and MGF1-SHA-256 (Key Vault {@code RSA-OAEP-256}); SoftHSM2 2.6 refuses it. */
    RSA_OAEP_256("RSA-OAEP-256", KeyType.Family.RSA, 0),
    /** RSAES-PKCS1-v1_5 (Key Vault {@code RSA1_5}); kept for compatibility, OAEP is preferred. */
    RSA1_5("RSA1_5", KeyType.Family.RSA, 0),
    /** RFC 3394 AES key wrap with a 128-bit key. */
    A128KW("A128KW", KeyType.Family.AES, 128),
    /** RFC 3394 AES key wrap with a 192-bit key. */
    A192KW("A192KW", KeyType.Family.AES, 192),
    /** RFC 3394 AES key wrap with a 256-bit key. */
    A256KW("A256KW", KeyType.Family.AES, 256),
    /** RFC 5649 AES key wrap with padding, any AES key size (Key Vault {@code CKM_AES_KEY_WRAP_PAD}). */
    AES_KWP("CKM_AES_KEY_WRAP_PAD", KeyType.Family.AES, 0);

    private final String jwaName;
    private final KeyType.Family family;
    private final int requiredKeyBits;

    WrapAlgorithm(String jwaName, KeyType.Family family, int requiredKeyBits) {
        this.jwaName = jwaName;
        this.family = family;
        this.requiredKeyBits = requiredKeyBits;
    }

    public String jwaName() {
        return jwaName;
    }

    public KeyType.Family family() {
        return family;
    }

    /** The AES key size this algorithm demands, or 0 when any size of its family will do. */
    public int requiredKeyBits() {
        return requiredKeyBits;
    }

    public static WrapAlgorithm fromJwaName(String name) {
        for (WrapAlgorithm a : values()) {
            if (a.jwaName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown key wrap algorithm: " + name);
    }
}
