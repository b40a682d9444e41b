package io.keyward.hsm;

/**
 * Whether a key version's secret half may ever leave the token, and how. Neither preset lets anyone read the value:
 * both make the object CKA_SENSITIVE, so the token never returns its private parts or CKA_VALUE.
 */
public enum KeyExport {
    /** CKA_EXTRACTABLE=false: the object can never leave the token, not even wrapped. Keyward's own keys. */
    NEVER,
    /**
     * CKA_EXTRACTABLE=true with CKA_WRAP_WITH_TRUSTED=true: the token wraps the object only with a key the security
     * officer marked CKA_TRUSTED (the {@link KeyBackup} key, which itself is never extractable). Vault keys, so that
     * Key Vault's backup can carry them to a restore. See docs/key-backup.md.
     */
    WRAPPED_BY_TRUSTED_KEY
}
