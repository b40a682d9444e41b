package io.keyward.app.vault.keys;

import io.keyward.app.vault.Vault;

/**
 * {@code attributes.recoveryLevel} and {@code recoverableDays}, which Key Vault derives from the vault's soft-delete
 * settings: under 90 retention days the levels are the "Customized" forms.
 */
public record KeyRecovery(String level, Integer days) {

    public static KeyRecovery of(Vault vault) {
        if (!vault.softDeleteEnabled()) {
            return new KeyRecovery("Purgeable", null);
        }
        int days = vault.softDeleteRetentionDays();
        String base = days < 90 ? "CustomizedRecoverable" : "Recoverable";
        return new KeyRecovery(vault.purgeProtectionEnabled() ? base : base + "+Purgeable", days);
    }
}
