package io.keyward.app.vault;

import io.keyward.app.identity.Principal;
import java.util.Optional;
import java.util.Set;

/** What other capabilities (the keys data plane, identity, the other resource providers) ask of vaults. */
public interface VaultService {

    /** The vault named {@code vaultName} unless it is soft-deleted; names are global and case-insensitive. */
    Optional<Vault> findActiveByName(String vaultName);

    /**
     * {@link #findActiveByName}, as read at most {@code keyward.vault.metadata-cache-ttl} (5 s) ago: for the Key Vault
     * data plane's crypto calls, which would otherwise read the vault on every call. A change made through this
     * instance is seen at once; one made through another instance within that time (docs/security.md). Revocation
     * checks (key health, the customer-key port) use {@link #findActiveByName}.
     */
    Optional<Vault> findRecentActiveByName(String vaultName);

    /**
     * Authorizes a resource's identity on a vault, as the portal's "authorize" button of a CMK resource does for
     * {@code caller}: adds (unions) an access policy granting {@code permissions} to {@code principalObjectId} of
     * {@code tenantId} and, with {@code enableProtection}, turns on soft delete and purge protection where they are
     * off (purge protection cannot be turned off again). Runs in the caller's transaction, with the vault's
     * row locked; the caller must be allowed to write the vault's access policies (its subscription's tenant), else
     * 403 {@code AuthorizationFailed}; an unknown or soft-deleted vault is 404 {@code ResourceNotFound}. Returns the
     * vault as updated.
     */
    Vault authorizeKeyAccess(String vaultName, Principal caller, String principalObjectId, String tenantId,
                             Set<KeyPermission> permissions, boolean enableProtection);
}
