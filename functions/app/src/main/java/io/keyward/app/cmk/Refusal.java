package io.keyward.app.cmk;

/** Why a key cannot be bound to a resource: each surface maps these to its documented error codes. */
public enum Refusal {
    VAULT_NOT_FOUND,
    OTHER_TENANT,
    OTHER_REGION,
    KEY_NOT_FOUND,
    /** The identity may not get, wrapKey or unwrapKey the key, or lacks a permission the surface requires. */
    ACCESS_DENIED,
    NOT_RSA,
    RSA_SIZE,
    KEY_DISABLED,
    NO_SOFT_DELETE,
    NO_PURGE_PROTECTION,
    /** The resource's current key no longer unwraps its AEK: data under it would be lost by a switch. */
    CURRENT_KEY_UNUSABLE,
    /** Another 4xx from the vault. */
    VAULT_REFUSED
}
