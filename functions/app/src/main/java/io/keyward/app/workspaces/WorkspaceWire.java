package io.keyward.app.workspaces;

import static io.keyward.app.arm.KnownMembers.ANY;
import static io.keyward.app.arm.KnownMembers.VALUE;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.KnownMembers;
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

    /**
     * Every member of Workspace / WorkspacePatch in the versions served (up to 2025-07-01): what a request may carry. Read-only
     * members (ids, systemData, provisioningState, customerId, dates, sku.lastSkuUpdate, the capping's reset time and status,
     * privateLinkScopedResources, failover, features.clusterResourceId, which only a linked service sets, and the features
     * Log Analytics computes) are ignored, so a GET body sent back works; settings are applied or, where Keyward cannot
     * honour the value, refused naming them ({@link #refuseUnhonoured}).
     */
    static final Map<String, Object> REQUEST = Map.of("id", VALUE, "name", VALUE, "type", VALUE, "location", VALUE, "tags", ANY,
            "etag", VALUE, "systemData", ANY, "identity", Map.of("type", VALUE, "principalId", VALUE, "tenantId", VALUE,
                    "userAssignedIdentities", ANY),
            "properties", Map.ofEntries(
                    Map.entry("sku", Map.of("name", VALUE, "capacityReservationLevel", VALUE, "lastSkuUpdate", VALUE)),
                    Map.entry("retentionInDays", VALUE),
                    Map.entry("workspaceCapping", Map.of("dailyQuotaGb", VALUE, "quotaNextResetTime", VALUE, "dataIngestionStatus", VALUE)),
                    Map.entry("publicNetworkAccessForIngestion", VALUE), Map.entry("publicNetworkAccessForQuery", VALUE),
                    Map.entry("forceCmkForQuery", VALUE),
                    Map.entry("features", Map.of("enableDataExport", VALUE, "immediatePurgeDataOn30Days", VALUE,
                            "enableLogAccessUsingOnlyResourcePermissions", VALUE, "clusterResourceId", VALUE, "disableLocalAuth", VALUE,
                            "unifiedSentinelBillingOnly", VALUE, "associations", VALUE)),
                    Map.entry("defaultDataCollectionRuleResourceId", VALUE),
                    Map.entry("replication", Map.of("location", VALUE, "enabled", VALUE, "provisioningState", VALUE, "createdDate", VALUE,
                            "lastModifiedDate", VALUE)),
                    // read-only
                    Map.entry("provisioningState", VALUE), Map.entry("customerId", VALUE), Map.entry("createdDate", VALUE),
                    Map.entry("modifiedDate", VALUE), Map.entry("privateLinkScopedResources", VALUE), Map.entry("failover", ANY)));

    /** The members of a PUT or PATCH body, checked before it is read: unknown ones and settings Keyward cannot honour are refused. */
    static void requireKnown(Map<?, ?> body) {
        KnownMembers.require(body, REQUEST, "Keyward's workspaces carry the members of the 2025-07-01 Workspace");
        if (body.get("etag") != null) {
            throw unsupported("etag", "Keyward's workspaces carry no etag to match");
        }
        if (body.get("identity") instanceof Map<?, ?> identity && !(identity.get("type") == null || "None".equals(identity.get("type")))) {
            throw unsupported("identity.type", "a Keyward workspace has no managed identity (its keys are its cluster's)");
        }
        if (body.get("properties") instanceof Map<?, ?> p) {
            refuseUnhonoured(p);
        }
    }

    /** Settings Keyward cannot honour: accepted only at the value a Keyward workspace has, which the answer shows. */
    private static void refuseUnhonoured(Map<?, ?> p) {
        if (p.get("sku") instanceof Map<?, ?> sku && sku.get("capacityReservationLevel") != null) {
            throw unsupported("properties.sku.capacityReservationLevel", "the CapacityReservation pricing tier is not offered; a workspace"
                    + " linked to a cluster takes the cluster's capacity");
        }
        for (String member : List.of("publicNetworkAccessForIngestion", "publicNetworkAccessForQuery")) {
            Object v = p.get(member);
            if (v != null && !"Enabled".equals(v)) {
                throw unsupported("properties." + member, "Keyward has no private links or network perimeters, so only Enabled is accepted");
            }
        }
        if (Boolean.TRUE.equals(p.get("forceCmkForQuery"))) {
            throw unsupported("properties.forceCmkForQuery", "Keyward does not require a linked storage account for queries");
        }
        if (p.get("defaultDataCollectionRuleResourceId") != null) {
            throw unsupported("properties.defaultDataCollectionRuleResourceId", "Keyward has no data collection rules");
        }
        if (p.get("replication") instanceof Map<?, ?> r) {
            if (Boolean.TRUE.equals(r.get("enabled"))) {
                throw unsupported("properties.replication.enabled", "a Keyward deployment has no secondary location to replicate a"
                        + " workspace to");
            }
            if (r.get("location") != null) {
                throw unsupported("properties.replication.location", "a Keyward workspace is not replicated");
            }
        }
        if (p.get("features") instanceof Map<?, ?> f) {
            refuseUnless(f, "enableDataExport", false, "Keyward exports no data");
            refuseUnless(f, "immediatePurgeDataOn30Days", false, "data is kept for retentionInDays and then purged");
            refuseUnless(f, "enableLogAccessUsingOnlyResourcePermissions", true, "Keyward authorizes log access by resource permissions");
            refuseUnless(f, "disableLocalAuth", true, "Keyward's data plane takes only Microsoft Entra tokens, no shared keys");
        }
    }

    private static void refuseUnless(Map<?, ?> features, String member, boolean only, String why) {
        Object v = features.get(member);
        if (v != null && !Boolean.valueOf(only).equals(v)) {
            throw unsupported("properties.features." + member, why + ", so only " + only + " is accepted");
        }
    }

    private static ArmException unsupported(String target, String why) {
        return new ArmException(ArmErrorCode.InvalidParameter, "The property '" + target + "' cannot be honoured: " + why + ".", target);
    }

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
                         FeaturesOut features, Capping workspaceCapping, boolean forceCmkForQuery) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FeaturesOut(boolean enableLogAccessUsingOnlyResourcePermissions, @Nullable String clusterResourceId, boolean enableDataExport,
                       boolean immediatePurgeDataOn30Days, boolean disableLocalAuth) {
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
                "Enabled", "Enabled", new FeaturesOut(true, w.clusterResourceId(), false, false, true), new Capping(-1.0, null, "RespectQuota"),
                false),
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
