package io.keyward.app.identity;

import java.util.Optional;

/**
 * The tenant of the vault a host name belongs to ({@code myvault.vault.localhost:7443}), for Key Vault's
 * authentication challenge. Implemented by the vault capability; identity falls back to its default tenant.
 */
public interface VaultTenantLookup {

    Optional<String> tenantOfVaultHost(String host);
}
