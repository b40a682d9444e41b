package io.keyward.app.kusto;

import static io.keyward.app.arm.KnownMembers.ANY;
import static io.keyward.app.arm.KnownMembers.VALUE;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.Refusals;
import io.keyward.app.cmk.CustomerKey;
import io.keyward.app.engine.ArmSku;
import io.keyward.app.engine.ManagedIdentity;
import io.keyward.app.engine.Resource;
import io.keyward.app.engine.TrackedResource;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The JSON shapes of ARM {@code Microsoft.Kusto} (azure-rest-api-specs, specification/azure-kusto resource-manager,
 * stable 2024-04-13 {@code kusto.json}: Cluster, ClusterUpdate, ClusterProperties, KeyVaultProperties, Identity, AzureSku,
 * AttachedDatabaseConfiguration), kept apart from the domain. A request's members are checked against {@link #CLUSTER_REQUEST}
 * first: read-only ones are ignored (a GET body PUT back works), unknown ones refused naming them.
 */
final class KustoWire {

    private KustoWire() {
    }

    // --- inbound: Cluster (PUT) and ClusterUpdate (PATCH) share the members Keyward reads

    /** Every member of Cluster / ClusterUpdate (2024-04-13): what a request may carry. */
    static final Map<String, Object> CLUSTER_REQUEST = Map.ofEntries(Map.entry("id", VALUE), Map.entry("name", VALUE),
            Map.entry("type", VALUE), Map.entry("location", VALUE), Map.entry("tags", ANY), Map.entry("sku", ANY), Map.entry("zones", VALUE),
            Map.entry("identity", ANY), Map.entry("etag", VALUE), Map.entry("systemData", ANY), Map.entry("properties", Map.ofEntries(
                    // read-only: ignored
                    Map.entry("state", VALUE), Map.entry("provisioningState", VALUE), Map.entry("uri", VALUE),
                    Map.entry("dataIngestionUri", VALUE), Map.entry("stateReason", VALUE), Map.entry("privateEndpointConnections", VALUE),
                    Map.entry("migrationCluster", ANY), Map.entry("zoneStatus", VALUE),
                    // settings: applied, or refused where Keyward cannot honour the value
                    Map.entry("keyVaultProperties", ANY), Map.entry("trustedExternalTenants", VALUE), Map.entry("optimizedAutoscale", ANY),
                    Map.entry("enableDiskEncryption", VALUE), Map.entry("enableStreamingIngest", VALUE),
                    Map.entry("virtualNetworkConfiguration", ANY), Map.entry("enablePurge", VALUE), Map.entry("languageExtensions", ANY),
                    Map.entry("enableDoubleEncryption", VALUE), Map.entry("publicNetworkAccess", VALUE), Map.entry("allowedIpRangeList", VALUE),
                    Map.entry("engineType", VALUE), Map.entry("acceptedAudiences", VALUE), Map.entry("enableAutoStop", VALUE),
                    Map.entry("restrictOutboundNetworkAccess", VALUE), Map.entry("allowedFqdnList", VALUE), Map.entry("calloutPolicies", VALUE),
                    Map.entry("publicIPType", VALUE), Map.entry("virtualClusterGraduationProperties", VALUE))));

    @Serdeable
    record ClusterBody(@Nullable String location, @Nullable Map<String, String> tags, @Nullable ArmSku sku,
                       @Nullable ManagedIdentity identity, @Nullable List<String> zones, @Nullable PropertiesIn properties) {
    }

    @Serdeable
    record PropertiesIn(@Nullable KeyVault keyVaultProperties, @Nullable List<TenantIn> trustedExternalTenants,
                        @Nullable Map<String, Object> optimizedAutoscale, @Nullable Boolean enableDiskEncryption,
                        @Nullable Boolean enableStreamingIngest, @Nullable Map<String, Object> virtualNetworkConfiguration,
                        @Nullable Boolean enablePurge, @Nullable Map<String, Object> languageExtensions, @Nullable Boolean enableDoubleEncryption,
                        @Nullable String publicNetworkAccess, @Nullable List<String> allowedIpRangeList, @Nullable String engineType,
                        @Nullable List<AudienceIn> acceptedAudiences, @Nullable Boolean enableAutoStop,
                        @Nullable String restrictOutboundNetworkAccess, @Nullable List<String> allowedFqdnList,
                        @Nullable List<Map<String, Object>> calloutPolicies, @Nullable String publicIPType,
                        @Nullable String virtualClusterGraduationProperties) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record TenantIn(@Nullable String value) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AudienceIn(@Nullable String value) {
    }

    /**
     * Every member of AttachedDatabaseConfiguration Keyward acts on or ignores as read-only. A Keyward follower follows whole
     * databases under their own names: {@code databaseNameOverride} and {@code databaseNamePrefix} are accepted empty only, and
     * {@code tableLevelSharingProperties} only with every list empty (no table-level selection), the values Keyward answers
     * ({@link #refuseSelectiveFollowing}).
     */
    static final Map<String, Object> ATTACHED_REQUEST = Map.of("id", VALUE, "name", VALUE, "type", VALUE, "location", VALUE,
            "properties", Map.of("provisioningState", VALUE, "databaseName", VALUE, "clusterResourceId", VALUE, "attachedDatabaseNames", VALUE,
                    "defaultPrincipalsModificationKind", VALUE, "databaseNamePrefix", VALUE, "databaseNameOverride", VALUE,
                    "tableLevelSharingProperties", ANY));

    /** TableLevelSharingProperties (2023-05-02): the lists of tables, external tables and materialized views to include or exclude. */
    private static final List<String> SHARING_LISTS = List.of("tablesToInclude", "tablesToExclude", "externalTablesToInclude",
            "externalTablesToExclude", "materializedViewsToInclude", "materializedViewsToExclude");

    /** Adds a refusal, naming it, for each setting of the raw attach request that would rename or select part of the leader's database. */
    static void refuseSelectiveFollowing(Map<?, ?> raw, Refusals refusals) {
        if (!(raw.get("properties") instanceof Map<?, ?> p)) {
            return;
        }
        if (p.get("databaseNamePrefix") != null && !"".equals(p.get("databaseNamePrefix"))) {
            refusals.add(new ArmException(ArmErrorCode.InvalidParameter, "The property 'properties.databaseNamePrefix' cannot be honoured:"
                    + " a Keyward follower follows a leader's databases under their own names; remove it or send it empty.",
                    "properties.databaseNamePrefix"));
        }
        if (p.get("databaseNameOverride") != null && !"".equals(p.get("databaseNameOverride"))) {
            refusals.add(new ArmException(ArmErrorCode.InvalidParameter, "The property 'properties.databaseNameOverride' cannot be honoured:"
                    + " a Keyward follower follows a leader's database under its own name; remove it or send it empty.",
                    "properties.databaseNameOverride"));
        }
        Object sharing = p.get("tableLevelSharingProperties");
        if (sharing != null && !(sharing instanceof Map<?, ?> lists && lists.keySet().stream().allMatch(k -> SHARING_LISTS.contains(
                String.valueOf(k)) && (lists.get(k) == null || lists.get(k) instanceof List<?> l && l.isEmpty())))) {
            refusals.add(new ArmException(ArmErrorCode.InvalidParameter, "The property 'properties.tableLevelSharingProperties' cannot be"
                    + " honoured: a Keyward follower follows a leader's database whole, with no table-level selection; remove it or send"
                    + " its lists empty.", "properties.tableLevelSharingProperties"));
        }
    }

    /** ClusterCheckNameRequest. */
    @Serdeable
    record NameCheck(@Nullable String name, @Nullable String type) {
    }

    /** CheckNameResult: reason Invalid or AlreadyExists when the name is not available. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record NameCheckResult(boolean nameAvailable, @Nullable String name, @Nullable String message, @Nullable String reason) {
    }

    @Serdeable
    record AttachedBody(@Nullable String location, @Nullable AttachedPropertiesIn properties) {
    }

    @Serdeable
    record AttachedPropertiesIn(@Nullable String databaseName, @Nullable String clusterResourceId,
                                @Nullable String defaultPrincipalsModificationKind, @Nullable String databaseNamePrefix) {
    }

    // --- both ways

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record KeyVault(@Nullable String keyName, @Nullable String keyVersion, @Nullable String keyVaultUri, @Nullable String userIdentity) {
    }

    // --- outbound

    /**
     * {@code stateReason} says why the cluster is Unavailable (its key revoked), as Data Explorer does; Keyward has no
     * query or ingestion endpoints of Data Explorer, so {@code uri} and {@code dataIngestionUri} are left out.
     */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PropertiesOut(String provisioningState, String state, @Nullable String stateReason, @Nullable KeyVault keyVaultProperties,
                         boolean enableDiskEncryption, boolean enableDoubleEncryption, boolean enablePurge, boolean enableStreamingIngest,
                         boolean enableAutoStop, List<TenantIn> trustedExternalTenants, List<AudienceIn> acceptedAudiences,
                         String engineType, String publicNetworkAccess, String restrictOutboundNetworkAccess, String publicIPType,
                         List<String> allowedIpRangeList, List<String> allowedFqdnList, List<Object> privateEndpointConnections,
                         LanguageExtensions languageExtensions) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AttachedOut(String id, String name, String type, String location, AttachedPropertiesOut properties) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AttachedPropertiesOut(String provisioningState, String databaseName, String clusterResourceId,
                                 List<String> attachedDatabaseNames, String defaultPrincipalsModificationKind, String databaseNamePrefix,
                                 String databaseNameOverride, Map<String, List<String>> tableLevelSharingProperties) {
    }

    /** What a Keyward follower applies: the whole database, no table-level selection (every list empty). */
    private static final Map<String, List<String>> NO_SELECTION = SHARING_LISTS.stream().collect(
            Collectors.toMap(n -> n, n -> List.of(), (a, b) -> a, LinkedHashMap::new));

    /** LanguageExtensionsList: Keyward runs no language extensions, so its value is always empty. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record LanguageExtensions(List<Object> value) {
    }

    static TrackedResource<PropertiesOut> out(Resource<KustoCluster> c, @Nullable String unavailableReason) {
        CustomerKey k = c.key();
        KeyVault key = k == null ? null : new KeyVault(k.keyName(), k.keyVersion(), k.vaultUri(), c.userIdentities().keyIdentity());
        String state = unavailableReason == null ? KustoCluster.state(c) : "Unavailable";
        KustoCluster.Settings s = c.properties().settingsOrDefaults();
        return TrackedResource.of(c, KustoCluster.WIRE_TYPE, c.properties().sku(),
                new PropertiesOut(KustoCluster.provisioningState(c), state, unavailableReason, key, s.enableDiskEncryption(), false,
                        s.enablePurge(), s.enableStreamingIngest(), s.enableAutoStop(), s.trustedExternalTenants().stream().map(TenantIn::new).toList(),
                        s.acceptedAudiences().stream().map(AudienceIn::new).toList(), "V3", "Enabled", "Disabled", "IPv4",
                        List.of(), List.of(), List.of(), new LanguageExtensions(List.of())))
                .withIdentity(identity(c)).withEtag(etag(c));
    }

    /**
     * The cluster's identity as Data Explorer answers it: {@code userAssignedIdentities} is always there (an empty map
     * when the cluster has a system-assigned identity only), except for an identity of type None.
     */
    private static ManagedIdentity identity(Resource<KustoCluster> c) {
        ManagedIdentity i = ManagedIdentity.of(c);
        return i.userAssignedIdentities() != null || "None".equals(i.type()) ? i
                : new ManagedIdentity(i.type(), i.principalId(), i.tenantId(), Map.of());
    }

    /**
     * The cluster's etag: changes whenever the stored resource does (every write moves {@code updatedAt}), quoted as
     * Data Explorer sends it.
     */
    static String etag(Resource<KustoCluster> c) {
        return "\"" + Long.toHexString(c.updatedAt().getEpochSecond()) + "-" + Integer.toHexString(c.updatedAt().getNano()) + "-"
                + Integer.toHexString(c.uuid().hashCode()) + "\"";
    }

    static AttachedOut out(Resource<KustoCluster> follower, AttachedRepository.Attached a) {
        return new AttachedOut(follower.id() + "/attachedDatabaseConfigurations/" + a.name(), follower.name() + "/" + a.name(),
                KustoCluster.WIRE_TYPE + "/AttachedDatabaseConfigurations", follower.location(),
                new AttachedPropertiesOut("Succeeded", a.databaseName(), a.leaderResourceId(),
                        a.databaseName().equals("*") ? List.of() : List.of(a.databaseName()), a.principalsKind(), "", "", NO_SELECTION));
    }
}
