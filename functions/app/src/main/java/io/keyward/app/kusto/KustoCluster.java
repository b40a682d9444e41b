package io.keyward.app.kusto;

import io.keyward.app.cmk.CmkResource;
import io.keyward.app.cmk.CustomerKey;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A {@code kusto_clusters} row. {@code principalId} is the system-assigned identity (null for identity type None);
 * {@code key} the customer's key once a key update bound it (its AEK is the CMK core's). {@code state} is what the
 * ARM operations left (Running, Stopped, Updating, Deleting); GET reports Unavailable over it while the key is revoked.
 */
record KustoCluster(UUID uuid, String subscriptionId, String resourceGroup, String name, String location, String tenantId,
                    @Nullable UUID principalId, Sku sku, ProvisioningState provisioningState, State state,
                    @Nullable CustomerKey key, Map<String, String> tags, Instant createdAt, Instant updatedAt) {

    static final String PROVIDER = "Microsoft.Kusto";
    /** The resource type as ARM paths and cmk_aeks.resource_kind spell it. */
    static final String KIND = "Microsoft.Kusto/clusters";
    /** The type Data Explorer answers with in resource bodies. */
    static final String WIRE_TYPE = "Microsoft.Kusto/Clusters";

    KustoCluster {
        tags = Map.copyOf(tags);
    }

    /** {name, tier, capacity} of Data Explorer's AzureSku. */
    record Sku(String name, String tier, int capacity) {
    }

    /** ProvisioningState of the 2024-04-13 spec (Moving and Canceled never happen here). */
    enum ProvisioningState { Running, Creating, Deleting, Succeeded, Failed }

    /** properties.state of the 2024-04-13 spec, as far as Keyward goes through it. */
    enum State { Creating, Unavailable, Running, Deleting, Stopping, Stopped, Starting, Updating }

    String id() {
        return idOf(subscriptionId, resourceGroup, name);
    }

    static String idOf(String subscriptionId, String resourceGroup, String name) {
        return "/subscriptions/" + subscriptionId + "/resourceGroups/" + resourceGroup + "/providers/" + KIND + "/" + name;
    }

    boolean systemAssigned() {
        return principalId != null;
    }

    CmkResource cmkResource() {
        return new CmkResource(uuid, KIND, name, tenantId, principalId, location);
    }

    KustoCluster with(Sku newSku, Map<String, String> newTags, @Nullable UUID newPrincipal, Instant now) {
        return new KustoCluster(uuid, subscriptionId, resourceGroup, name, location, tenantId, newPrincipal, newSku, provisioningState,
                state, key, newTags, createdAt, now);
    }

    KustoCluster withStates(ProvisioningState newProvisioning, State newState, Instant now) {
        return new KustoCluster(uuid, subscriptionId, resourceGroup, name, location, tenantId, principalId, sku, newProvisioning,
                newState, key, tags, createdAt, now);
    }

    KustoCluster withKey(CustomerKey newKey, Instant now) {
        return new KustoCluster(uuid, subscriptionId, resourceGroup, name, location, tenantId, principalId, sku,
                ProvisioningState.Succeeded, State.Running, newKey, tags, createdAt, now);
    }
}
