package io.keyward.app.kusto;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.cmk.CustomerKey;
import io.keyward.app.engine.ArmSku;
import io.keyward.app.engine.ManagedIdentity;
import io.keyward.app.engine.Resource;
import io.keyward.app.engine.TrackedResource;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of ARM {@code Microsoft.Kusto} (azure-rest-api-specs, specification/azure-kusto resource-manager,
 * stable 2024-04-13 {@code kusto.json}: Cluster, ClusterUpdate, ClusterProperties, KeyVaultProperties, Identity, AzureSku,
 * AttachedDatabaseConfiguration), kept apart from the domain. Read-only and unsupported members of requests are ignored.
 */
final class KustoWire {

    private KustoWire() {
    }

    // --- inbound: Cluster (PUT) and ClusterUpdate (PATCH) share the members Keyward reads

    @Serdeable
    record ClusterBody(@Nullable String location, @Nullable Map<String, String> tags, @Nullable ArmSku sku,
                       @Nullable ManagedIdentity identity, @Nullable PropertiesIn properties) {
    }

    @Serdeable
    record PropertiesIn(@Nullable KeyVault keyVaultProperties) {
    }

    @Serdeable
    record AttachedBody(@Nullable String location, @Nullable AttachedPropertiesIn properties) {
    }

    @Serdeable
    record AttachedPropertiesIn(@Nullable String databaseName, @Nullable String clusterResourceId,
                                @Nullable String defaultPrincipalsModificationKind) {
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
                         String engineType, String publicNetworkAccess) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AttachedOut(String id, String name, String type, String location, AttachedPropertiesOut properties) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AttachedPropertiesOut(String provisioningState, String databaseName, String clusterResourceId,
                                 List<String> attachedDatabaseNames, String defaultPrincipalsModificationKind) {
    }

    static TrackedResource<PropertiesOut> out(Resource<KustoCluster> c, @Nullable String unavailableReason) {
        CustomerKey k = c.key();
        KeyVault key = k == null ? null : new KeyVault(k.keyName(), k.keyVersion(), k.vaultUri(), c.userIdentities().keyIdentity());
        String state = unavailableReason == null ? KustoCluster.state(c) : "Unavailable";
        return TrackedResource.of(c, KustoCluster.WIRE_TYPE, c.properties().sku(),
                new PropertiesOut(KustoCluster.provisioningState(c), state, unavailableReason, key, false, false, false, false, "V3", "Enabled"));
    }

    static AttachedOut out(Resource<KustoCluster> follower, AttachedRepository.Attached a) {
        return new AttachedOut(follower.id() + "/attachedDatabaseConfigurations/" + a.name(), follower.name() + "/" + a.name(),
                KustoCluster.WIRE_TYPE + "/AttachedDatabaseConfigurations", follower.location(),
                new AttachedPropertiesOut("Succeeded", a.databaseName(), a.leaderResourceId(),
                        a.databaseName().equals("*") ? List.of() : List.of(a.databaseName()), a.principalsKind()));
    }
}
