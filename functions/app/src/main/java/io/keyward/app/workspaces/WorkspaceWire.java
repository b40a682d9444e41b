package io.keyward.app.workspaces;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.SystemData;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON shapes of ARM {@code Microsoft.OperationalInsights/workspaces} (azure-rest-api-specs, operationalinsights
 * resource-manager, stable/2022-10-01 {@code Workspaces.json}) and of the workspace's linked service (stable/2020-08-01
 * {@code LinkedServices.json}), kept apart from the domain. NON_NULL: Azure sends empty maps ({@code "tags": {}}).
 */
final class WorkspaceWire {

    /** WorkspaceSkuNameEnum values Keyward accepts from callers; LACluster is set by a link, CapacityReservation unsupported. */
    private static final List<String> SKUS = List.of("PerGB2018", "PerNode", "Standalone", "Standard", "Premium");
    static final String DEFAULT_SKU = "PerGB2018";
    /** The pricing tier of a linked workspace: the cluster's plan governs its billing (dedicated clusters docs). */
    static final String CLUSTER_SKU = "LACluster";

    private WorkspaceWire() {
    }

    // --- inbound

    /** Workspace (PUT) and WorkspacePatch (PATCH, no location). */
    @Serdeable
    record WorkspaceBody(@Nullable String location, @Nullable Map<String, String> tags, @Nullable PropertiesIn properties) {
    }

    /** Read-only properties (customerId, features.clusterResourceId, ...) are ignored, as ARM does: a GET body PUT back works. */
    @Serdeable
    record PropertiesIn(@Nullable Sku sku, @Nullable Integer retentionInDays, @Nullable Capping workspaceCapping) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Sku(@Nullable String name) {
    }

    // --- outbound

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record WorkspaceOut(String id, String name, String type, String location, Map<String, String> tags, PropertiesOut properties,
                        SystemData systemData) {
    }

    /**
     * WorkspaceCapping: Keyward meters no ingestion volume, so the only cap it can honour is none ({@code -1}, the spec's
     * "unlimited"); {@code quotaNextResetTime} and {@code dataIngestionStatus} are read-only.
     */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Capping(@Nullable Double dailyQuotaGb, @Nullable String quotaNextResetTime, @Nullable String dataIngestionStatus) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PropertiesOut(String provisioningState, String customerId, Sku sku, int retentionInDays, String createdDate,
                         String modifiedDate, String publicNetworkAccessForIngestion, String publicNetworkAccessForQuery,
                         FeaturesOut features, Capping workspaceCapping) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FeaturesOut(boolean enableLogAccessUsingOnlyResourcePermissions, @Nullable String clusterResourceId) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record WorkspaceList(List<WorkspaceOut> value, @Nullable String nextLink) {
    }

    /** LinkedService, out. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record LinkedServiceList(List<LinkedServiceOut> value) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record LinkedServiceOut(String id, String name, String type, LinkedServiceProperties properties) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record LinkedServiceProperties(String writeAccessResourceId, String provisioningState) {
    }

    // --- mapping

    static WorkspaceRequest request(WorkspaceBody body, boolean patch) {
        PropertiesIn p = body.properties();
        if (p != null && p.workspaceCapping() != null && p.workspaceCapping().dailyQuotaGb() != null
                && p.workspaceCapping().dailyQuotaGb() != -1.0) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The property 'properties.workspaceCapping.dailyQuotaGb' cannot be honoured:"
                    + " Keyward meters no ingestion volume, so only -1 (no daily cap) is accepted.", "properties.workspaceCapping.dailyQuotaGb");
        }
        String sku = p == null || p.sku() == null ? null : sku(p.sku().name());
        return new WorkspaceRequest(patch ? null : body.location(), body.tags(), sku, p == null ? null : p.retentionInDays());
    }

    private static String sku(@Nullable String name) {
        if (name == null) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'properties.sku.name' property is required when"
                    + " 'properties.sku' is given.", "properties.sku.name");
        }
        if (name.equalsIgnoreCase(CLUSTER_SKU)) {
            return CLUSTER_SKU;
        }
        Optional<String> known = SKUS.stream().filter(s -> s.equalsIgnoreCase(name)).findFirst();
        return known.orElseThrow(() -> new ArmException(ArmErrorCode.InvalidParameter, "The sku '" + name + "' is invalid. It"
                + " must be one of " + String.join(", ", SKUS) + ".", "properties.sku.name"));
    }

    static WorkspaceOut out(Workspace w) {
        String sku = w.clusterResourceId() != null ? CLUSTER_SKU : w.sku();
        return new WorkspaceOut(w.id(), w.name(), Workspace.TYPE, w.location(), w.tags(), new PropertiesOut("Succeeded",
                w.customerId().toString(), new Sku(sku), w.retentionInDays(), w.createdAt().toString(), w.modifiedAt().toString(),
                "Enabled", "Enabled", new FeaturesOut(true, w.clusterResourceId()), new Capping(-1.0, null, "RespectQuota")),
                SystemData.times(w.createdAt(), w.modifiedAt()));
    }

    /**
     * The linked service "cluster" of {@code w}, when there is one: LinkedServiceEntityStatus is ProvisioningAccount
     * while the link runs, Deleting while the unlink runs, Succeeded while linked.
     */
    static Optional<LinkedServiceOut> linkedService(Workspace w) {
        Workspace.Pending p = w.pending();
        String cluster;
        String state;
        if (p != null && p.kind() == Workspace.LinkKind.LINK) {
            cluster = p.clusterResourceId();
            state = "ProvisioningAccount";
        } else if (w.clusterResourceId() != null) {
            cluster = w.clusterResourceId();
            state = p != null ? "Deleting" : "Succeeded";
        } else {
            return Optional.empty();
        }
        return Optional.of(new LinkedServiceOut(w.linkedServiceId(), Workspace.CLUSTER_LINK, Workspace.TYPE + "/linkedServices",
                new LinkedServiceProperties(cluster, state)));
    }

    static String normalLocation(String location) {
        return location.replace(" ", "").toLowerCase(Locale.ROOT);
    }
}
