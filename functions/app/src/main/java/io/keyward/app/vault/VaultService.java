package io.keyward.app.vault;

import java.util.Optional;

/** What other capabilities (the keys data plane, identity) ask of vaults. */
public interface VaultService {

    /** The vault named {@code vaultName} unless it is soft-deleted; names are global and case-insensitive. */
    Optional<Vault> findActiveByName(String vaultName);
}
