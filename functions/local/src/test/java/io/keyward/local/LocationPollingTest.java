package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The long-running operations' {@code Location} URLs as the ARM RPC and each surface's spec declare them, over HTTPS on
 * the local host with its real PostgreSQL and SoftHSM2: a finished PUT or PATCH answers 200 with the resource, a finished
 * delete 204 (Data Explorer: 200, its OperationsResultsLocation_Get declares no 204), Data Explorer's plain
 * {@code operationResults} is its OperationResult, and HPC Cache's status resource is {@code ascOperations}.
 */
class LocationPollingTest {

    private static final String TENANT = "f0000000-0000-4000-8000-0000000010c1";
    private static final String VAULT_SUBSCRIPTION = "f0000000-0000-4000-8000-0000000015c1";
    private static final String VAULT = "kwlro1";

    private static ClusterArm arm;
    private static URI vaultUri;

    @BeforeAll
    static void vault() throws Exception {
        arm = new ClusterArm(TENANT, "location-polling-test");
        arm.putVault(VAULT_SUBSCRIPTION, VAULT, "westeurope", true);
        vaultUri = arm.host.vaultUri(VAULT);
    }

    @Test
    void dataExplorersLocationAnswersTheUpdatedClusterAndItsOperationResultIsTheStatus() throws Exception {
        String cluster = "/subscriptions/" + ClusterArm.sub() + "/resourceGroups/rg1/providers/Microsoft.Kusto/clusters/" + ClusterArm.name("kc");
        String api = KustoClustersTest.API;
        ClusterArm.Reply created = arm.call("PUT", cluster + api, "{\"location\":\"westeurope\",\"identity\":{\"type\":\"SystemAssigned\"},"
                + "\"sku\":{\"name\":\"Standard_E8ads_v5\",\"tier\":\"Standard\",\"capacity\":2}}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String keyName = grantAndCreateKey((String) created.map("identity").get("principalId"));

        ClusterArm.Reply patched = arm.call("PATCH", cluster + api, "{\"properties\":" + KustoClustersTest.keyProperties(vaultUri, keyName, "")
                + "}");
        assertThat(patched.status()).as(patched.text()).isEqualTo(200);
        String location = patched.headers().firstValue("Location").orElseThrow();
        assertThat(location).contains("/providers/Microsoft.Kusto/locations/westeurope/operationResults/")
                .contains("api-version=2024-04-13").endsWith("&operationResultResponseType=Location");

        ClusterArm.Reply done = arm.awaitLocation(patched);
        assertThat(done.status()).as(done.text()).isEqualTo(200);
        assertThat(done.json()).containsEntry("id", cluster).containsEntry("type", "Microsoft.Kusto/Clusters");
        assertThat(done.properties()).containsEntry("provisioningState", "Succeeded").containsEntry("state", "Running");
        assertThat(done.properties().get("keyVaultProperties")).isEqualTo(Map.of("keyVaultUri", vaultUri.toString(), "keyName", keyName,
                "keyVersion", ""));

        // OperationsResults_Get: the same path without operationResultResponseType is the operation, 200
        String operationId = location.substring(location.indexOf("/operationResults/") + 18, location.indexOf('?'));
        ClusterArm.Reply result = arm.call("GET", location.substring(0, location.indexOf('&')), null);
        assertThat(result.status()).as(result.text()).isEqualTo(200);
        assertThat(result.json()).containsEntry("name", operationId).containsEntry("status", "Succeeded")
                .containsKeys("id", "startTime", "endTime");
        // Data Explorer's own words for the operation: what it was and how it ended
        assertThat(result.properties()).containsEntry("provisioningState", "Succeeded").containsEntry("operationKind", "ClusterUpdate")
                .containsEntry("operationState", "Completed");

        // delete: the Location ends in 200 without a body
        ClusterArm.Reply deleting = arm.call("DELETE", cluster + api, null);
        assertThat(deleting.status()).as(deleting.text()).isEqualTo(202);
        ClusterArm.Reply deleted = arm.awaitLocation(deleting);
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(200);
        assertThat(deleted.text()).isEmpty();
    }

    @Test
    void logAnalyticsLocationAnswersTheClusterWithItsNewKey() throws Exception {
        String sub = ClusterArm.sub();
        String name = ClusterArm.name("cl");
        ClusterArm.Reply created = arm.call("PUT", ClusterArm.cluster(sub, "rg1", name) + ClusterArm.API,
                ClusterArm.body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String keyName = grantAndCreateKey((String) created.map("identity").get("principalId"));
        String version = arm.createKey(VAULT, keyName, 2048);

        ClusterArm.Reply patched = arm.call("PATCH", ClusterArm.cluster(sub, "rg1", name) + ClusterArm.API,
                ClusterArm.keyPatch(vaultUri, keyName, version));
        assertThat(patched.status()).as(patched.text()).isIn(200, 202);
        assertThat(patched.headers().firstValue("Location").orElseThrow())
                .contains("/providers/Microsoft.OperationalInsights/locations/westeurope/operationResults/");

        ClusterArm.Reply done = arm.awaitLocation(patched);
        assertThat(done.status()).as(done.text()).isEqualTo(200);
        assertThat(done.json()).containsEntry("name", name).containsEntry("type", "Microsoft.OperationalInsights/clusters");
        assertThat(done.properties()).containsEntry("provisioningState", "Succeeded");
        assertThat(done.properties().get("keyVaultProperties")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("keyName", keyName).containsEntry("keyVersion", version);
    }

    @Test
    void hpcCachesStatusIsAscOperationsAndItsDeleteLocationEndsIn204() throws Exception {
        String cache = "/subscriptions/" + ClusterArm.sub() + "/resourceGroups/rg1/providers/Microsoft.StorageCache/caches/"
                + ClusterArm.name("hpc");
        String api = "?api-version=2023-05-01";
        ClusterArm.Reply created = arm.call("PUT", cache + api, "{\"location\":\"westeurope\",\"identity\":{\"type\":\"SystemAssigned\"},"
                + "\"sku\":{\"name\":\"Standard_2G\"},\"properties\":{\"cacheSizeGB\":3072,\"subnet\":\"/subscriptions/" + UUID.randomUUID()
                + "/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/cache\"}}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.headers().firstValue("Azure-AsyncOperation").orElseThrow())
                .contains("/providers/Microsoft.StorageCache/locations/westeurope/ascOperations/");
        ClusterArm.Reply status = arm.awaitOperation(created);
        assertThat(status.json()).containsEntry("status", "Succeeded");
        assertThat((String) status.json().get("id")).contains("/ascOperations/");

        ClusterArm.Reply ready = arm.awaitLocation(created);
        assertThat(ready.status()).as(ready.text()).isEqualTo(200);
        assertThat(ready.json()).containsEntry("id", cache);
        assertThat(ready.properties()).containsEntry("provisioningState", "Succeeded");

        ClusterArm.Reply deleting = arm.call("DELETE", cache + api, null);
        assertThat(deleting.status()).as(deleting.text()).isEqualTo(202);
        ClusterArm.Reply deleted = arm.awaitLocation(deleting);
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(204);
        assertThat(deleted.text()).isEmpty();
    }

    private static String grantAndCreateKey(String principal) throws Exception {
        arm.grant(VAULT_SUBSCRIPTION, VAULT, principal, "get", "wrapKey", "unwrapKey", "recover");
        String keyName = ClusterArm.name("k");
        arm.createKey(VAULT, keyName, 2048);
        return keyName;
    }
}
