package io.keyward.app.vault;

import jakarta.inject.Singleton;

/**
 * Purges soft-deleted vaults once their scheduled purge date has passed, as Azure does at the end of the
 * retention period (purge protection only forbids purging earlier). Run by the {@code Vaults_PurgeExpired} timer
 * function; safe on any number of instances at once.
 */
@Singleton
public class VaultPurgeJob {

    /** Vaults per transaction: each purge publishes an event whose listeners call the HSM, so keep locks short. */
    static final int BATCH = 20;

    private final VaultCatalog vaults;

    VaultPurgeJob(VaultCatalog vaults) {
        this.vaults = vaults;
    }

    /** Returns how many vaults were purged. */
    public int run() {
        int total = 0;
        int n;
        do {
            n = vaults.purgeExpired(BATCH);
            total += n;
        } while (n == BATCH);
        return total;
    }
}
