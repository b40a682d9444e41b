package io.keyward.app.hpccache;

import io.keyward.app.cmk.CmkResource;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** A row of {@code hpc_caches}. {@code keyUrl} null: Microsoft-managed keys, no AEK in the CMK core. */
record StoredCache(UUID uuid, String subscriptionId, String resourceGroup, String name, String location, String tenantId,
                   UUID principalId, String skuName, int cacheSizeGb, String subnet, @Nullable String keyUrl,
                   @Nullable String sourceVaultId, boolean rotationToLatest, String provisioningState, String healthState,
                   String statusDescription, Map<String, String> tags, Instant createdAt, Instant updatedAt,
                   @Nullable Instant authorizedAt, @Nullable UUID createOperation) {

    static final String KIND = "Microsoft.StorageCache/caches";
    // provisioningState
    static final String CREATING = "Creating";
    static final String SUCCEEDED = "Succeeded";
    static final String FAILED = "Failed";
    static final String DELETING = "Deleting";
    // health.state (CacheHealth of the spec)
    static final String TRANSITIONING = "Transitioning";
    static final String WAITING_FOR_KEY = "WaitingForKey";
    static final String HEALTHY = "Healthy";
    static final String START_FAILED = "StartFailed";
    /** Shown, never stored: the key-health poller found the key unusable. */
    static final String DOWN = "Down";

    StoredCache {
        tags = Map.copyOf(tags);
    }

    String id() {
        return "/subscriptions/" + subscriptionId + "/resourceGroups/" + resourceGroup + "/providers/" + KIND + "/" + name;
    }

    boolean customerKey() {
        return keyUrl != null;
    }

    boolean waitingForKey() {
        return CREATING.equals(provisioningState) && WAITING_FOR_KEY.equals(healthState);
    }

    CmkResource resource() {
        return new CmkResource(uuid, KIND, name, tenantId, principalId, location);
    }

    StoredCache withState(String provisioning, String health, String description, Instant now) {
        return new StoredCache(uuid, subscriptionId, resourceGroup, name, location, tenantId, principalId, skuName, cacheSizeGb, subnet,
                keyUrl, sourceVaultId, rotationToLatest, provisioning, health, description, tags, createdAt, now, authorizedAt,
                createOperation);
    }

    StoredCache withTags(Map<String, String> newTags, Instant now) {
        return new StoredCache(uuid, subscriptionId, resourceGroup, name, location, tenantId, principalId, skuName, cacheSizeGb, subnet,
                keyUrl, sourceVaultId, rotationToLatest, provisioningState, healthState, statusDescription, newTags, createdAt, now,
                authorizedAt, createOperation);
    }

    StoredCache authorized(Instant now) {
        return new StoredCache(uuid, subscriptionId, resourceGroup, name, location, tenantId, principalId, skuName, cacheSizeGb, subnet,
                keyUrl, sourceVaultId, rotationToLatest, provisioningState, healthState, statusDescription, tags, createdAt, now, now,
                createOperation);
    }

    StoredCache withCreateOperation(UUID operationId) {
        return new StoredCache(uuid, subscriptionId, resourceGroup, name, location, tenantId, principalId, skuName, cacheSizeGb, subnet,
                keyUrl, sourceVaultId, rotationToLatest, provisioningState, healthState, statusDescription, tags, createdAt, updatedAt,
                authorizedAt, operationId);
    }
}
