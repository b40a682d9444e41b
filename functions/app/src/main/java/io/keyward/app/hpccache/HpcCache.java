package io.keyward.app.hpccache;

import io.keyward.app.engine.Phase;
import io.keyward.app.engine.Resource;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.UUID;

/**
 * What an HPC cache keeps beyond the engine's columns: its size, subnet and sku, its {@code encryptionSettings} as given
 * ({@code keyUrl} null: Microsoft-managed keys, nothing in the CMK core), its health, when its key vault access was
 * authorized, and its create operation.
 */
@Serdeable
record HpcCache(String skuName, int cacheSizeGb, String subnet, @Nullable String keyUrl, @Nullable String sourceVaultId,
                boolean rotationToLatest, String healthState, String statusDescription, @Nullable Instant authorizedAt,
                @Nullable UUID createOperationId) {

    static final String TYPE = "Microsoft.StorageCache/caches";
    // health.state (CacheHealth of the spec)
    static final String TRANSITIONING = "Transitioning";
    static final String WAITING_FOR_KEY = "WaitingForKey";
    static final String HEALTHY = "Healthy";
    static final String START_FAILED = "StartFailed";
    /** Shown, never stored: the key-health poller found the key unusable. */
    static final String DOWN = "Down";

    boolean customerKey() {
        return keyUrl != null;
    }

    HpcCache withHealth(String state, String description) {
        return new HpcCache(skuName, cacheSizeGb, subnet, keyUrl, sourceVaultId, rotationToLatest, state, description, authorizedAt,
                createOperationId);
    }

    HpcCache authorized(Instant at) {
        return new HpcCache(skuName, cacheSizeGb, subnet, keyUrl, sourceVaultId, rotationToLatest, healthState, statusDescription, at,
                createOperationId);
    }

    HpcCache withKey(String newKeyUrl, String newSourceVaultId, boolean newRotation) {
        return new HpcCache(skuName, cacheSizeGb, subnet, newKeyUrl, newSourceVaultId, newRotation, healthState, statusDescription,
                authorizedAt, createOperationId);
    }

    HpcCache withCreateOperation(UUID operation) {
        return new HpcCache(skuName, cacheSizeGb, subnet, keyUrl, sourceVaultId, rotationToLatest, healthState, statusDescription,
                authorizedAt, operation);
    }

    /** A cache created with a customer key whose encrypted disks do not exist yet. */
    static boolean waitingForKey(Resource<HpcCache> c) {
        return c.phase() == Phase.Creating && WAITING_FOR_KEY.equals(c.properties().healthState());
    }

    /** The spec's provisioningState: the engine's phase. */
    static String provisioningState(Resource<HpcCache> c) {
        return c.phase().name();
    }
}
