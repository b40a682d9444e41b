package io.keyward.app.cmk;

/**
 * What a customer's vault answered to one {@link CustomerKeyPort} call: the value, a refusal that is the customer's
 * to fix (Key Vault's 4xx: the key, its attributes or the vault's access policy), or no answer (unreachable, timed
 * out, 5xx), which may pass.
 */
public sealed interface VaultReply<T> {

    record Done<T>(T value) implements VaultReply<T> {
    }

    /** {@code status} is Key Vault's HTTP status (403, 404, ...); {@code reason} a sentence without secrets. */
    record Refused<T>(int status, String reason) implements VaultReply<T> {
    }

    record Unavailable<T>(String reason) implements VaultReply<T> {
    }
}
