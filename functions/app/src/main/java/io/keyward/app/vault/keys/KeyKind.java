package io.keyward.app.vault.keys;

import io.keyward.hsm.KeyType;
import java.util.List;

/**
 * What a vault key is on the wire ({@code kty}). Every key here lives in the HSM, so a request for {@code RSA} gets
 * an {@code RSA-HSM} key, as a Premium vault would answer; the Azure SDK treats both kinds alike.
 */
public enum KeyKind {
    RSA_HSM("RSA-HSM", List.of(KeyOperation.ENCRYPT, KeyOperation.DECRYPT, KeyOperation.SIGN, KeyOperation.VERIFY,
            KeyOperation.WRAP_KEY, KeyOperation.UNWRAP_KEY)),
    OCT_HSM("oct-HSM", List.of(KeyOperation.WRAP_KEY, KeyOperation.UNWRAP_KEY));

    private final String wireName;
    private final List<KeyOperation> defaultOperations;

    KeyKind(String wireName, List<KeyOperation> defaultOperations) {
        this.wireName = wireName;
        this.defaultOperations = defaultOperations;
    }

    public String wireName() {
        return wireName;
    }

    /** What Key Vault allows when a create names no key_ops. */
    public List<KeyOperation> defaultOperations() {
        return defaultOperations;
    }

    /** Accepts what a create may send; {@code oct} (software AES) is not offered by Key Vault vaults either. */
    public static KeyKind fromRequest(String kty) {
        if (kty == null) {
            throw KeyVaultException.badParameter("The kty of a key is required.");
        }
        return switch (kty) {
            case "RSA", "RSA-HSM" -> RSA_HSM;
            case "oct-HSM" -> OCT_HSM;
            default -> throw KeyVaultException.badParameter("Key type '" + kty
                    + "' is not supported; use RSA, RSA-HSM or oct-HSM.");
        };
    }

    public static KeyKind fromWire(String wireName) {
        for (KeyKind k : values()) {
            if (k.wireName.equals(wireName)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown stored kty " + wireName);
    }

    /** The token key type for a requested size; Key Vault defaults RSA to 2048 and oct-HSM to 256 bits. */
    public KeyType hsmType(Integer requestedSize) {
        if (this == OCT_HSM) {
            if (requestedSize != null && requestedSize != 256) {
                throw KeyVaultException.badParameter("Key size " + requestedSize
                        + " is not supported for oct-HSM keys; use 256.");
            }
            return KeyType.AES_256;
        }
        int size = requestedSize == null ? 2048 : requestedSize;
        if (size != 2048 && size != 3072 && size != 4096) {
            throw KeyVaultException.badParameter("Key size " + size
                    + " is not supported for RSA keys; use 2048, 3072 or 4096.");
        }
        return KeyType.rsa(size);
    }
}
