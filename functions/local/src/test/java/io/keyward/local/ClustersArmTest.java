package io.keyward.local;

import static io.keyward.local.ClusterArm.API;
import static io.keyward.local.ClusterArm.assertError;
import static io.keyward.local.ClusterArm.body;
import static io.keyward.local.ClusterArm.cluster;
import static io.keyward.local.ClusterArm.name;
import static io.keyward.local.ClusterArm.sub;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ARM {@code Microsoft.OperationalInsights/clusters} over raw HTTPS: the life cycle and every documented refusal,
 * with the status and message of Azure Monitor's CMK and dedicated-cluster docs. Each test uses fresh subscriptions
 * and names, as the host's database outlives a run.
 */
class ClustersArmTest {

    private static ClusterArm arm;

    @BeforeAll
    static void start() {
        arm = new ClusterArm(UUID.randomUUID().toString(), "clusters-arm-test");
    }

    @Test
    void createsGetsListsDeletesAndRecovers() throws Exception {
        String sub = sub();
        String name = name("cl");
        ClusterArm.Reply put = arm.call("PUT", cluster(sub, "rg1", name) + API, body("westeurope", 1000, "\"billingType\":\"workspaces\""));
        assertThat(put.status()).as(put.text()).isEqualTo(201);
        assertThat(put.json()).containsEntry("id", cluster(sub, "rg1", name)).containsEntry("name", name)
                .containsEntry("type", "Microsoft.OperationalInsights/clusters").containsEntry("location", "westeurope");
        assertThat(put.map("identity")).containsEntry("type", "SystemAssigned").containsEntry("tenantId", arm.tenant);
        assertThat(UUID.fromString((String) put.map("identity").get("principalId"))).isNotNull();
        assertThat(put.map("sku")).containsEntry("name", "CapacityReservation").containsEntry("capacity", 1000);
        assertThat(put.properties()).containsEntry("provisioningState", "Succeeded").containsEntry("billingType", "Workspaces")
                .containsEntry("associatedWorkspaces", List.of()).doesNotContainKey("keyVaultProperties");
        assertThat(UUID.fromString((String) put.properties().get("clusterId"))).isNotNull();
        assertThat(put.properties()).containsKeys("createdDate", "lastModifiedDate");

        // case-insensitive ids, as the SDK sends them (resourcegroups in lower case)
        String lower = "/subscriptions/" + sub + "/resourcegroups/RG1/providers/microsoft.operationalinsights/CLUSTERS/" + name.toUpperCase();
        ClusterArm.Reply get = arm.call("GET", lower + API, null);
        assertThat(get.status()).as(get.text()).isEqualTo(200);
        assertThat(get.map("identity")).isEqualTo(put.map("identity"));

        // a PUT on an existing cluster updates it (200)
        ClusterArm.Reply again = arm.call("PUT", cluster(sub, "rg1", name) + API, body("westeurope", 1100, ""));
        assertThat(again.status()).as(again.text()).isEqualTo(200);
        assertThat(again.map("sku")).containsEntry("capacity", 1100);
        assertThat(again.properties()).containsEntry("clusterId", put.properties().get("clusterId"));

        assertThat(arm.call("DELETE", cluster(sub, "rg1", name) + API, null).status()).isEqualTo(200);
        assertThat(arm.call("DELETE", cluster(sub, "rg1", name) + API, null).status()).isEqualTo(204);
        assertError(arm.call("GET", cluster(sub, "rg1", name) + API, null), 404, "ResourceNotFound", "Cluster not found");
        assertThat(names(arm.call("GET", "/subscriptions/" + sub + "/providers/Microsoft.OperationalInsights/clusters" + API, null)))
                .isEmpty();

        // the name stays reserved for 14 days: 409 naming the reason
        ClusterArm.Reply reserved = arm.call("PUT", cluster(sub, "rg1", name) + API, body("westeurope", 1000, ""));
        assertError(reserved, 409, "ConflictError", "reserved");
        assertThat((String) reserved.error().get("message")).contains("14 days").contains("recover");

        ClusterArm.Reply recovered = arm.call("POST", cluster(sub, "rg1", name) + "/recover" + API, null);
        assertThat(recovered.status()).as(recovered.text()).isEqualTo(200);
        assertThat(recovered.properties()).containsEntry("clusterId", put.properties().get("clusterId"));
        assertThat(arm.call("GET", cluster(sub, "rg1", name) + API, null).status()).isEqualTo(200);
        assertError(arm.call("POST", cluster(sub, "rg1", name) + "/recover" + API, null), 409, "ConflictError", "not deleted");
        assertError(arm.call("POST", cluster(sub, "rg1", name("cl")) + "/recover" + API, null), 404, "ResourceNotFound", null);

        // after the 14 days the row is purged on the next create of the name, which makes a new cluster
        assertThat(arm.call("DELETE", cluster(sub, "rg1", name) + API, null).status()).isEqualTo(200);
        arm.sql("UPDATE cmk_resources SET purge_at = now() - interval '1 minute' WHERE name = ?", name);
        assertError(arm.call("POST", cluster(sub, "rg1", name) + "/recover" + API, null), 404, "ResourceNotFound", null);
        ClusterArm.Reply fresh = arm.call("PUT", cluster(sub, "rg1", name) + API, body("westeurope", 1000, ""));
        assertThat(fresh.status()).as(fresh.text()).isEqualTo(201);
        assertThat(fresh.properties().get("clusterId")).isNotEqualTo(put.properties().get("clusterId"));
    }

    @Test
    void listsByResourceGroupAndSubscriptionWithNextLink() throws Exception {
        String sub = sub();
        List<String> inGroup = List.of(name("cl"), name("cl"));
        assertThat(arm.call("PUT", cluster(sub, "rg1", inGroup.get(0)) + API, body("westeurope", 1000, "")).status()).isEqualTo(201);
        assertThat(arm.call("PUT", cluster(sub, "rg1", inGroup.get(1)) + API, body("northeurope", 1000, "")).status()).isEqualTo(201);
        String elsewhere = name("cl");
        assertThat(arm.call("PUT", cluster(sub, "rg2", elsewhere) + API, body("westeurope", 1000, "")).status()).isEqualTo(201);

        String group = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.OperationalInsights/clusters";
        ClusterArm.Reply first = arm.call("GET", group + API + "&$top=1", null);
        assertThat(first.status()).as(first.text()).isEqualTo(200);
        assertThat(names(first)).hasSize(1);
        String next = (String) first.json().get("nextLink");
        assertThat(next).startsWith(arm.host.baseUri() + group);
        ClusterArm.Reply second = arm.call("GET", URI.create(next), arm.armToken(), null);
        assertThat(second.status()).as(second.text()).isEqualTo(200);
        List<String> all = new ArrayList<>(names(first));
        all.addAll(names(second));
        assertThat(all).containsExactlyInAnyOrderElementsOf(inGroup);

        ClusterArm.Reply bySub = arm.call("GET", "/subscriptions/" + sub + "/providers/Microsoft.OperationalInsights/clusters" + API, null);
        assertThat(names(bySub)).containsExactlyInAnyOrder(inGroup.get(0), inGroup.get(1), elsewhere);
        assertThat(bySub.json()).doesNotContainKey("nextLink");
    }

    @Test
    void refusesInvalidCreatesWithTheDocumentedMessages() throws Exception {
        String sub = sub();
        for (String bad : List.of("ab", "-abc", "abc-", "bad_name", "a".repeat(64))) {
            assertError(arm.call("PUT", cluster(sub, "rg1", bad) + API, body("westeurope", 1000, "")), 400, "BadRequest",
                    "Cluster name is not valid. Cluster name can contain characters a-z, A-Z, 0-9 and length of 3-63.");
        }
        String path = cluster(sub, "rg1", name("cl")) + API;
        assertError(arm.call("PUT", path, "{\"location\":\"westeurope\",\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":1000}}"),
                400, "BadRequest", "Identity is null or empty. Set Identity with systemAssigned type.");
        assertError(arm.call("PUT", path, body("westeurope", 1000, "").replace("SystemAssigned", "UserAssigned")),
                400, "InvalidParameter", "needs at least one identity in identity.userAssignedIdentities");
        assertError(arm.call("PUT", path, body("westeurope", 1000,
                        "\"keyVaultProperties\":{\"keyVaultUri\":\"https://kwcl1.vault.localhost/\",\"keyName\":\"k\"}")),
                400, "BadRequest", "KeyVaultProperties are set on creation. Update KeyVaultProperties after cluster creation.");
        assertError(arm.call("PUT", path, "{\"location\":\"westeurope\",\"identity\":{\"type\":\"systemAssigned\"}}"),
                400, "BadRequest", "No SKU was set. Set the SKU name to capacityReservation and Capacity value to 1000 or higher in steps of 100 (GB).");
        assertError(arm.call("PUT", path, body("westeurope", 1000, "").replace("CapacityReservation", "PerGB2018")),
                400, "BadRequest", "Capacity was provided but SKU is not capacityReservation. Set SKU name to capacityReservation.");
        assertError(arm.call("PUT", path, "{\"location\":\"westeurope\",\"identity\":{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"Free\"}}"),
                400, "BadRequest", "SKU name is invalid. Set SKU name to capacityReservation.");
        assertError(arm.call("PUT", path, "{\"location\":\"westeurope\",\"identity\":{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"capacityReservation\"}}"),
                400, "BadRequest", "Missing Capacity in SKU. Set Capacity value to 1000 or higher in steps of 100 (GB).");
        for (long capacity : List.of(50L, 150L, 600L, 1050L, 60000L)) {
            assertError(arm.call("PUT", path, body("westeurope", capacity, "")), 400, "BadRequest", "Capacity in SKU is not in range.");
        }
        assertError(arm.call("PUT", path, body("westeurope", 1000, "\"billingType\":\"Everyone\"")), 400, "BadRequest", "billingType");
        assertError(arm.call("PUT", path, ""), 400, "BadRequest", "The body of the request is null or in bad format.");
        assertError(arm.call("PUT", path, "{\"location\": "), 400, "InvalidRequestContent", null);
        assertError(arm.call("PUT", cluster(sub, "rg1", name("cl")), body("westeurope", 1000, "")), 400, "MissingApiVersionParameter", null);
        assertError(arm.call("PUT", cluster(sub, "rg1", name("cl")) + "?api-version=2019-01-01", body("westeurope", 1000, "")),
                400, "InvalidApiVersionParameter", "2022-10-01");
        // the documented smaller tiers are accepted
        assertThat(arm.call("PUT", path, body("westeurope", 100, "")).status()).isEqualTo(201);
    }

    @Test
    void atMostTwoClustersPerRegionAndSubscription() throws Exception {
        String sub = sub();
        assertThat(arm.call("PUT", cluster(sub, "rg1", name("cl")) + API, body("westeurope", 1000, "")).status()).isEqualTo(201);
        String second = name("cl");
        assertThat(arm.call("PUT", cluster(sub, "rg2", second) + API, body("West Europe", 1000, "")).status()).isEqualTo(201);
        assertError(arm.call("PUT", cluster(sub, "rg1", name("cl")) + API, body("westeurope", 1000, "")), 400, "BadRequest",
                "The maximum number of clusters per region and subscription is 2");
        assertThat(arm.call("PUT", cluster(sub, "rg1", name("cl")) + API, body("northeurope", 1000, "")).status()).isEqualTo(201);
        assertThat(arm.call("PUT", cluster(sub(), "rg1", name("cl")) + API, body("westeurope", 1000, "")).status()).isEqualTo(201);

        // a deleted cluster frees its place, and a recovery needs one
        assertThat(arm.call("DELETE", cluster(sub, "rg2", second) + API, null).status()).isEqualTo(200);
        assertThat(arm.call("PUT", cluster(sub, "rg1", name("cl")) + API, body("westeurope", 1000, "")).status()).isEqualTo(201);
        assertError(arm.call("POST", cluster(sub, "rg2", second) + "/recover" + API, null), 400, "BadRequest",
                "The maximum number of clusters per region and subscription is 2");
    }

    @Test
    void capacityDecreaseIsLockedFor30Days() throws Exception {
        String sub = sub();
        String name = name("cl");
        assertThat(arm.call("PUT", cluster(sub, "rg1", name) + API, body("westeurope", 2000, "")).status()).isEqualTo(201);
        assertError(arm.call("PATCH", cluster(sub, "rg1", name) + API, "{\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":1000}}"),
                400, "BadRequest", "Capacity is locked for 30 days. Decreasing capacity is permitted 30 days after update.");
        ClusterArm.Reply up = arm.call("PATCH", cluster(sub, "rg1", name) + API,
                "{\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":5000},\"properties\":{\"billingType\":\"Workspaces\"},\"tags\":{\"a\":\"b\"}}");
        assertThat(up.status()).as(up.text()).isEqualTo(200);
        assertThat(up.map("sku")).containsEntry("capacity", 5000);
        assertThat(up.properties()).containsEntry("billingType", "Workspaces").containsEntry("provisioningState", "Succeeded");
        assertThat(up.json()).containsEntry("tags", Map.of("a", "b"));
        assertThat(up.headers().firstValue("Azure-AsyncOperation")).isEmpty();

        arm.sql("UPDATE cmk_resources SET properties = jsonb_set(properties, '{lastSkuUpdate}', to_jsonb(to_char((now()"
                + " - interval '31 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))) WHERE name = ?", name);
        ClusterArm.Reply down = arm.call("PATCH", cluster(sub, "rg1", name) + API, "{\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":1000}}");
        assertThat(down.status()).as(down.text()).isEqualTo(200);
        assertThat(down.map("sku")).containsEntry("capacity", 1000);
        assertError(arm.call("PATCH", cluster(sub, "rg1", name) + API, "{\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":100}}"),
                400, "BadRequest", "Capacity is locked for 30 days.");
        assertError(arm.call("PATCH", cluster(sub, "rg1", name("cl")) + API, "{\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":1000}}"),
                404, "ResourceNotFound", null);
    }

    @Test
    void busyClustersRefuseUpdatesAndDeletes() throws Exception {
        String sub = sub();
        String name = name("cl");
        assertThat(arm.call("PUT", cluster(sub, "rg1", name) + API, body("westeurope", 1000, "")).status()).isEqualTo(201);
        // the engine's phases in which a cluster is busy: a key update runs, or (Azure's) the cluster still provisions
        for (String state : List.of("Updating", "Creating")) {
            arm.sql("UPDATE cmk_resources SET phase = '" + state + "' WHERE name = ?", name);
            assertError(arm.call("PATCH", cluster(sub, "rg1", name) + API, "{\"properties\":{\"billingType\":\"Cluster\"}}"),
                    400, "BadRequest", "Operation cannot be executed now. Wait for the Async operation to complete and try again.");
            assertError(arm.call("PUT", cluster(sub, "rg1", name) + API, body("westeurope", 1000, "")), 400, "BadRequest",
                    "Operation cannot be executed now. Async operation is in a state other than succeeded.");
            assertError(arm.call("DELETE", cluster(sub, "rg1", name) + API, null), 409, "ConflictError",
                    "Can't delete a cluster while in provisioning state. Wait for the Async operation to complete and try again.");
        }
        arm.sql("UPDATE cmk_resources SET phase = 'Succeeded' WHERE name = ?", name);
        assertThat(arm.call("DELETE", cluster(sub, "rg1", name) + API, null).status()).isEqualTo(200);
    }

    @Test
    void aKeyInABadFormatIsRefusedAtOnce() throws Exception {
        String sub = sub();
        String name = name("cl");
        assertThat(arm.call("PUT", cluster(sub, "rg1", name) + API, body("westeurope", 1000, "")).status()).isEqualTo(201);
        for (String bad : List.of(
                "{\"keyVaultUri\":\"not a uri\",\"keyName\":\"k1\"}",
                "{\"keyVaultUri\":\"http://kwcl1.vault.localhost/\",\"keyName\":\"k1\"}",
                "{\"keyVaultUri\":\"https://kwcl1.vault.localhost/\"}",
                "{\"keyVaultUri\":\"https://kwcl1.vault.localhost/\",\"keyName\":\"k_1\"}",
                "{\"keyVaultUri\":\"https://kwcl1.vault.localhost/\",\"keyName\":\"k1\",\"keyVersion\":\"v1\"}",
                "{\"keyVaultUri\":\"https://kwcl1.vault.localhost/keys/k1\",\"keyName\":\"k1\"}")) {
            assertError(arm.call("PATCH", cluster(sub, "rg1", name) + API, "{\"properties\":{\"keyVaultProperties\":" + bad + "}}"),
                    400, "BadRequest", "KeyVaultProperties is not empty but has a bad format.");
        }
        assertThat(arm.call("GET", cluster(sub, "rg1", name) + API, null).properties()).containsEntry("provisioningState", "Succeeded");
    }

    @Test
    void anotherTenantIsRefusedAndSeesNothing() throws Exception {
        String sub = sub();
        String name = name("cl");
        assertThat(arm.call("PUT", cluster(sub, "rg1", name) + API, body("westeurope", 1000, "")).status()).isEqualTo(201);
        ClusterArm stranger = new ClusterArm(UUID.randomUUID().toString(), "clusters-stranger");
        assertError(stranger.call("GET", cluster(sub, "rg1", name) + API, null), 403, "AuthorizationFailed", null);
        assertError(stranger.call("PUT", cluster(sub, "rg1", name("cl")) + API, body("westeurope", 1000, "")), 403, "AuthorizationFailed", null);
        assertError(stranger.call("PATCH", cluster(sub, "rg1", name) + API, "{\"tags\":{}}"), 403, "AuthorizationFailed", null);
        assertError(stranger.call("DELETE", cluster(sub, "rg1", name) + API, null), 403, "AuthorizationFailed", null);
        assertError(stranger.call("GET", "/subscriptions/" + sub + "/providers/Microsoft.OperationalInsights/clusters" + API, null),
                403, "AuthorizationFailed", null);
        assertThat(arm.call("GET", cluster(sub, "rg1", name) + API, null).status()).isEqualTo(200);
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(ClusterArm.Reply list) {
        assertThat(list.status()).as(list.text()).isEqualTo(200);
        return ((List<Map<String, Object>>) list.json().get("value")).stream().map(m -> (String) m.get("name")).toList();
    }
}
