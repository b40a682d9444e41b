package io.keyward.app.vault.keys;

import java.time.Instant;

/** The per-version attributes Key Vault keeps: whether and when a version may be used, and its history. */
public record KeyAttributes(boolean enabled, Instant notBefore, Instant expires, Instant created, Instant updated) {

    /** Why a version may not be used at {@code now}, or null when it may. */
    KeyVaultException unusableAt(Instant now, String operation) {
        if (!enabled) {
            return KeyVaultException.forbidden("KeyDisabled", "Operation " + operation
                    + " is not allowed on a disabled key.");
        }
        if (notBefore != null && now.isBefore(notBefore)) {
            return KeyVaultException.forbidden("KeyNotYetValid", "Operation " + operation
                    + " is not allowed on a key that is not yet valid (nbf " + notBefore + ").");
        }
        if (expires != null && !now.isBefore(expires)) {
            return KeyVaultException.forbidden("KeyExpired", "Operation " + operation
                    + " is not allowed on an expired key (exp " + expires + ").");
        }
        return null;
    }
}
