package io.keyward.app.vault;

/**
 * Published (a Micronaut application event) after a vault is gone for good: purged from soft delete, or deleted
 * without soft delete. Listeners destroy what belongs to it, such as its keys in the HSM. Published after the
 * vault's row is deleted and committed, so a listener never races a recovery of the same vault.
 */
public record VaultPurged(String vaultId, String vaultName) {
}
