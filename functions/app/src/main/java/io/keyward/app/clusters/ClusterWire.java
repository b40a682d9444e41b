package io.keyward.app.clusters;

import static io.keyward.app.arm.KnownMembers.ANY;
import static io.keyward.app.arm.KnownMembers.VALUE;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.engine.ArmSku;
import io.keyward.app.engine.ManagedIdentity;
import io.keyward.app.engine.Resource;
import io.keyward.app.engine.TrackedResource;
import io.keyward.app.keyhealth.KeyHealth;
import io.keyward.app.keyhealth.KeyState;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of ARM {@code Microsoft.OperationalInsights/clusters} (azure-rest-api-specs, operationalinsights
 * resource-manager, stable 2022-10-01 {@code Clusters.json}), kept apart from the domain. NON_NULL rather than serde's
 * NON_EMPTY: {@code "associatedWorkspaces": []} and {@code "tags": {}} go out as Azure sends them.
 */
final class ClusterWire {

    static final String TYPE = Cluster.TYPE;
    static final String SKU_NAME = "CapacityReservation";

    private ClusterWire() {
    }

    // --- inbound: Cluster (PUT) and ClusterPatch (PATCH); read-only members are ignored

    /**
     * Every member of Cluster / ClusterPatch in the versions served (up to 2025-07-01), and Keyward's own read-only key-health
     * members: what a request may carry. Read-only ones are ignored, so a GET body sent back works; unknown ones are refused
     * naming them, and settings Keyward cannot honour too (Clusters).
     */
    static final Map<String, Object> REQUEST = Map.of("id", VALUE, "name", VALUE, "type", VALUE, "location", VALUE, "tags", ANY,
            "systemData", ANY, "identity", Map.of("type", VALUE, "principalId", VALUE, "tenantId", VALUE, "userAssignedIdentities", ANY),
            "sku", Map.of("name", VALUE, "capacity", VALUE),
            "properties", Map.ofEntries(
                    Map.entry("isDoubleEncryptionEnabled", VALUE), Map.entry("isAvailabilityZonesEnabled", VALUE), Map.entry("billingType", VALUE),
                    Map.entry("keyVaultProperties", Map.of("keyVaultUri", VALUE, "keyName", VALUE, "keyVersion", VALUE, "keyRsaSize", VALUE)),
                    Map.entry("replication", Map.of("location", VALUE, "enabled", VALUE, "isAvailabilityZonesEnabled", VALUE,
                            "provisioningState", VALUE, "createdDate", VALUE, "lastModifiedDate", VALUE)),
                    // read-only (the last three are Keyward's own)
                    Map.entry("clusterId", VALUE), Map.entry("provisioningState", VALUE), Map.entry("lastModifiedDate", VALUE),
                    Map.entry("createdDate", VALUE), Map.entry("associatedWorkspaces", VALUE), Map.entry("capacityReservationProperties", ANY),
                    Map.entry("keyState", VALUE), Map.entry("lastSuccessfulKeyUnwrap", VALUE), Map.entry("lastKeyError", VALUE)));

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ClusterBody(@Nullable String location, @Nullable Map<String, String> tags, @Nullable ManagedIdentity identity,
                       @Nullable ArmSku sku, @Nullable PropertiesIn properties) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PropertiesIn(@Nullable String billingType, @Nullable KeyVault keyVaultProperties,
                        @Nullable Boolean isDoubleEncryptionEnabled, @Nullable Boolean isAvailabilityZonesEnabled) {
    }

    // --- both ways

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record KeyVault(@Nullable String keyVaultUri, @Nullable String keyName, @Nullable String keyVersion, @Nullable Integer keyRsaSize) {
    }

    // --- outbound

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PropertiesOut(String clusterId, String provisioningState, boolean isDoubleEncryptionEnabled,
                         boolean isAvailabilityZonesEnabled, String billingType, @Nullable KeyVault keyVaultProperties,
                         String lastModifiedDate, String createdDate, List<AssociatedWorkspace> associatedWorkspaces,
                         CapacityReservation capacityReservationProperties, @Nullable String keyState,
                         @Nullable String lastSuccessfulKeyUnwrap, @Nullable String lastKeyError) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AssociatedWorkspace(@Nullable String workspaceId, String workspaceName, String resourceId, String associateDate) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CapacityReservation(String lastSkuUpdate, long minCapacity) {
    }

    /**
     * With {@code health} (GET of one cluster): Keyward's own properties keyState ({@code Accessible|Revoked|Unknown},
     * Unknown until the key-health poller first checked the key), lastSuccessfulKeyUnwrap and lastKeyError, shown only
     * when a customer key is configured. Azure Monitor has no such properties.
     */
    static TrackedResource<PropertiesOut> out(Clusters.Stored stored, @Nullable KeyHealth.Status health) {
        Resource<ClusterProperties> c = stored.resource();
        ClusterProperties p = c.properties();
        KeyVault key = c.key() == null ? null : new KeyVault(c.key().vaultUri(), c.key().keyName(), c.key().keyVersion(), p.keyRsaSize());
        List<AssociatedWorkspace> workspaces = stored.workspaces().stream()
                .map(w -> new AssociatedWorkspace(w.workspaceCustomerId() == null ? null : w.workspaceCustomerId().toString(), w.workspaceId().substring(w.workspaceId().lastIndexOf('/') + 1), w.workspaceId(),
                        w.associatedAt().toString()))
                .toList();
        return TrackedResource.of(c, TYPE, new ArmSku(SKU_NAME, null, (int) p.capacity()),
                new PropertiesOut(c.uuid().toString(), c.phase().name(), p.doubleEncrypted(), p.zoneRedundant(), p.billingType().name(), key,
                        c.updatedAt().toString(), c.createdAt().toString(), workspaces,
                        new CapacityReservation(p.lastSkuUpdate().toString(), ClusterCapacity.MIN),
                        key == null ? null : health == null ? KeyState.Unknown.name() : health.state().name(),
                        key == null || health == null || health.lastSuccessfulUnwrap() == null ? null
                                : health.lastSuccessfulUnwrap().toString(),
                        key == null || health == null ? null : health.lastError()));
    }
}
