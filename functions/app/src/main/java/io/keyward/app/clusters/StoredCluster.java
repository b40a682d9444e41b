package io.keyward.app.clusters;

import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A {@code clusters} row with what the wire shows of it: linked workspaces and soft-delete dates. */
record StoredCluster(UUID clusterId, String subscriptionId, String resourceGroup, String name, String location, String tenantId,
                     UUID principalId, long capacity, BillingType billingType, ClusterProvisioningState state,
                     @Nullable KeyVaultProperties key, Map<String, String> tags, Instant createdAt, Instant updatedAt,
                     Instant lastSkuUpdate, @Nullable Instant deletedAt, @Nullable Instant scheduledPurgeAt,
                     List<LinkedWorkspace> workspaces) {

    StoredCluster {
        tags = Map.copyOf(tags);
        workspaces = List.copyOf(workspaces);
    }

    record LinkedWorkspace(String resourceId, Instant associatedAt) {
    }

    String id() {
        return Cluster.idOf(subscriptionId, resourceGroup, name);
    }

    boolean deleted() {
        return deletedAt != null;
    }

    Cluster view() {
        return new Cluster(id(), subscriptionId, resourceGroup, name, location, tenantId, principalId.toString(), clusterId.toString(),
                state, key != null, createdAt, updatedAt);
    }

    StoredCluster with(long newCapacity, BillingType newBilling, Map<String, String> newTags, ClusterProvisioningState newState,
                       @Nullable KeyVaultProperties newKey, Instant now, Instant newLastSkuUpdate) {
        return new StoredCluster(clusterId, subscriptionId, resourceGroup, name, location, tenantId, principalId, newCapacity, newBilling,
                newState, newKey, newTags, createdAt, now, newLastSkuUpdate, deletedAt, scheduledPurgeAt, workspaces);
    }

    StoredCluster withState(ClusterProvisioningState newState, Instant now) {
        return with(capacity, billingType, tags, newState, key, now, lastSkuUpdate);
    }

    StoredCluster deletedAt(@Nullable Instant when, @Nullable Instant purgeAt, Instant now) {
        return new StoredCluster(clusterId, subscriptionId, resourceGroup, name, location, tenantId, principalId, capacity, billingType,
                state, key, tags, createdAt, now, lastSkuUpdate, when, purgeAt, workspaces);
    }
}
