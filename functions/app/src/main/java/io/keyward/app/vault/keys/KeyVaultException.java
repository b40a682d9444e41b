package io.keyward.app.vault.keys;

/**
 * A Key Vault data-plane failure meant for the caller: Key Vault's status, code and inner code, and a message
 * written for people. Never carries an inner exception's text or key material; {@code KeyVaultErrorHandler}
 * writes it to the wire once.
 */
public final class KeyVaultException extends RuntimeException {
    private final int status;
    private final String code;
    private final String innerCode;
    private final Integer retryAfterSeconds;

    KeyVaultException(int status, String code, String innerCode, String message, Integer retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.innerCode = innerCode;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static KeyVaultException badParameter(String message) {
        return new KeyVaultException(400, "BadParameter", null, message, null);
    }

    public static KeyVaultException keyNotFound(String message) {
        return new KeyVaultException(404, "KeyNotFound", null, message, null);
    }

    public static KeyVaultException vaultNotFound(String host) {
        return new KeyVaultException(404, "VaultNotFound", null, "No vault answers at host '" + host + "'.", null);
    }

    public static KeyVaultException forbidden(String innerCode, String message) {
        return new KeyVaultException(403, "Forbidden", innerCode, message, null);
    }

    public static KeyVaultException conflict(String message) {
        return new KeyVaultException(409, "Conflict", null, message, null);
    }

    public static KeyVaultException unavailable(String message, Integer retryAfterSeconds) {
        return new KeyVaultException(503, "ServiceUnavailable", null, message, retryAfterSeconds);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** Key Vault's {@code innererror.code}, or null. */
    public String innerCode() {
        return innerCode;
    }

    /** Seconds for a {@code Retry-After} header, or null. */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
