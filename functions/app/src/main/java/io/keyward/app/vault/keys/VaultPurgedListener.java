package io.keyward.app.vault.keys;

import io.keyward.app.vault.VaultPurged;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A purged vault takes its keys with it: rows and token objects, deleted or not. */
@Singleton
class VaultPurgedListener {
    private static final Logger LOG = LoggerFactory.getLogger(VaultPurgedListener.class);

    private final VaultKeys keys;

    VaultPurgedListener(VaultKeys keys) {
        this.keys = keys;
    }

    @EventListener
    void onVaultPurged(VaultPurged event) {
        int n = keys.purgeVault(event.vaultId());
        LOG.info("vault {} purged: {} keys destroyed", event.vaultName(), n);
    }
}
