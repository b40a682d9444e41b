package io.keyward.hsm;

/** Key kinds the token creates. A new combination is a new constant, not a parameter. */
public enum KeyType {
    RSA_2048(Family.RSA, 2048),
    RSA_3072(Family.RSA, 3072),
    RSA_4096(Family.RSA, 4096),
    AES_128(Family.AES, 128),
    AES_192(Family.AES, 192),
    AES_256(Family.AES, 256);

    public enum Family { RSA, AES }

    private final Family family;
    private final int bits;

    KeyType(Family family, int bits) {
        this.family = family;
        this.bits = bits;
    }

    public Family family() {
        return family;
    }

    public int bits() {
        return bits;
    }

    public static KeyType rsa(int bits) {
        for (KeyType t : values()) {
            if (t.family == Family.RSA && t.bits == bits) {
                return t;
            }
        }
        throw new IllegalArgumentException("RSA key size " + bits + " is not supported; use 2048, 3072 or 4096");
    }

    public static KeyType aes(int bits) {
        for (KeyType t : values()) {
            if (t.family == Family.AES && t.bits == bits) {
                return t;
            }
        }
        throw new IllegalArgumentException("AES key size " + bits + " is not supported; use 128, 192 or 256");
    }
}
