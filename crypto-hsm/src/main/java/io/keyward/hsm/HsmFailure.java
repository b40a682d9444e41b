package io.keyward.hsm;

/**
 * What kind of failure an HSM operation met. Every PKCS#11 return code is classified once, in
 * {@code internal.Ckr}; callers decide on the kind, never on a CKR_ code.
 */
public enum HsmFailure {
    /** The caller's input was refused by the token (bad ciphertext, wrong length). The session stays usable. */
    BAD_INPUT,
    /** No key object with that name and version exists in the token. */
    KEY_NOT_FOUND,
    /** The key exists but may not be used this way (attribute forbids it, wrong key type). */
    KEY_UNUSABLE,
    /** The token cannot perform this algorithm. */
    UNSUPPORTED_ALGORITHM,
    /** Every session of the bounded pool stayed busy for the whole wait timeout. Retry later. */
    BUSY,
    /** The session was lost; it was discarded and the operation retried once on a new one. */
    SESSION_BROKEN,
    /** The module or token failed or vanished; Keyward re-initialises the module on the next use. */
    DEVICE_FAILED,
    /** The configuration is wrong (token label not found, PIN refused). Not retried: a real HSM locks a PIN. */
    CONFIGURATION
}
