package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ARM operations issue 13 found missing, each in its spec's shape and with its siblings' authorization:
 * LinkedServices_ListByWorkspace, Data Explorer's Clusters_CheckNameAvailability, Clusters_ListSkus and
 * Clusters_ListSkusByResource, and Key Vault's Vaults_List (the subscription's resources filtered to vaults).
 */
class MissingOperationsTest {

    private static final String TENANT = "f0000000-0000-4000-8000-0000000000aa";
    private static final String KUSTO = KustoClustersTest.API;
    private static ClusterArm arm;
    private static ClusterArm stranger;

    @BeforeAll
    static void clients() {
        arm = new ClusterArm(TENANT, "missing-operations-test");
        stranger = new ClusterArm("f0000000-0000-4000-8000-0000000000ab", "missing-operations-stranger");
    }

    @Test
    @SuppressWarnings("unchecked")
    void linkedServicesAreListedByWorkspace() throws Exception {
        String sub = ClusterArm.sub();
        Logs.Workspace ws = new Logs(arm).workspace(sub);
        String list = ws.id() + "/linkedServices?api-version=2020-08-01";
        ClusterArm.Reply empty = arm.call("GET", list, null);
        assertThat(empty.status()).as(empty.text()).isEqualTo(200);
        assertThat(empty.json()).containsEntry("value", List.of());
        String cluster = ClusterArm.cluster(sub, "rg1", ClusterArm.name("cl"));
        assertThat(arm.call("PUT", cluster + ClusterArm.API, ClusterArm.body("westeurope", 1000, "")).status()).isEqualTo(201);
        ClusterArm.Reply linked = arm.awaitOperation(arm.call("PUT", ws.id() + "/linkedServices/cluster?api-version=2020-08-01",
                "{\"properties\":{\"writeAccessResourceId\":\"" + cluster + "\"}}"));
        assertThat(linked.json()).as(linked.text()).containsEntry("status", "Succeeded");
        List<Map<String, Object>> value = (List<Map<String, Object>>) arm.call("GET", list, null).json().get("value");
        assertThat(value).singleElement().satisfies(l -> {
            assertThat(l).containsEntry("id", ws.id() + "/linkedServices/cluster").containsEntry("name", "cluster");
            assertThat((Map<String, Object>) l.get("properties")).containsEntry("writeAccessResourceId", cluster)
                    .containsEntry("provisioningState", "Succeeded");
        });
        ClusterArm.assertError(stranger.call("GET", list, null), 403, "AuthorizationFailed", null);
    }

    @Test
    void kustoNamesAreCheckedForAvailability() throws Exception {
        String sub = ClusterArm.sub();
        String name = ClusterArm.name("kc");
        assertThat(arm.call("PUT", KustoClustersTest.path(sub, name) + KUSTO, "{\"location\":\"westeurope\",\"sku\":{\"name\":"
                + "\"Standard_E8ads_v5\",\"tier\":\"Standard\"}}").status()).isEqualTo(201);
        String check = "/subscriptions/" + sub + "/providers/Microsoft.Kusto/locations/westeurope/checkNameAvailability" + KUSTO;
        ClusterArm.Reply taken = arm.call("POST", check, "{\"name\":\"" + name + "\",\"type\":\"Microsoft.Kusto/clusters\"}");
        assertThat(taken.status()).as(taken.text()).isEqualTo(200);
        assertThat(taken.json()).containsEntry("nameAvailable", false).containsEntry("reason", "AlreadyExists").containsEntry("name", name);
        String free = ClusterArm.name("kc");
        assertThat(arm.call("POST", check, "{\"name\":\"" + free + "\",\"type\":\"Microsoft.Kusto/clusters\"}").json())
                .containsEntry("nameAvailable", true).containsEntry("name", free).doesNotContainKey("reason");
        assertThat(arm.call("POST", check, "{\"name\":\"Bad_Name\",\"type\":\"Microsoft.Kusto/clusters\"}").json())
                .containsEntry("nameAvailable", false).containsEntry("reason", "Invalid");
        ClusterArm.assertError(arm.call("POST", check, "{\"name\":\"" + free + "\",\"type\":\"Microsoft.Kusto/other\"}"), 400,
                "InvalidParameter", "type");
        ClusterArm.assertError(stranger.call("POST", check, "{\"name\":\"" + name + "\",\"type\":\"Microsoft.Kusto/clusters\"}"), 403,
                "AuthorizationFailed", null);
    }

    @Test
    @SuppressWarnings("unchecked")
    void kustoSkusAreListedForTheSubscriptionAndForACluster() throws Exception {
        String sub = ClusterArm.sub();
        String cluster = KustoClustersTest.path(sub, ClusterArm.name("kc"));
        assertThat(arm.call("PUT", cluster + KUSTO, "{\"location\":\"westeurope\",\"sku\":{\"name\":\"Standard_E8ads_v5\",\"tier\":"
                + "\"Standard\"}}").status()).isEqualTo(201);
        ClusterArm.Reply all = arm.call("GET", "/subscriptions/" + sub + "/providers/Microsoft.Kusto/skus" + KUSTO, null);
        assertThat(all.status()).as(all.text()).isEqualTo(200);
        List<Map<String, Object>> skus = (List<Map<String, Object>>) all.json().get("value");
        assertThat(skus).isNotEmpty().allSatisfy(s -> assertThat(s).containsEntry("resourceType", "clusters")
                .containsKeys("name", "tier", "locations", "locationInfo", "restrictions"));
        assertThat(skus).extracting(s -> s.get("name")).contains("Standard_E8ads_v5");

        ClusterArm.Reply own = arm.call("GET", cluster + "/skus" + KUSTO, null);
        assertThat(own.status()).as(own.text()).isEqualTo(200);
        List<Map<String, Object>> mine = (List<Map<String, Object>>) own.json().get("value");
        assertThat(mine).isNotEmpty().allSatisfy(s -> {
            assertThat(s).containsEntry("resourceType", "Microsoft.Kusto/clusters");
            assertThat((Map<String, Object>) s.get("sku")).containsEntry("tier", "Standard");
            assertThat((Map<String, Object>) s.get("capacity")).containsEntry("scaleType", "manual").containsEntry("minimum", 2)
                    .containsEntry("maximum", 1000).containsEntry("default", 2);
        });
        ClusterArm.assertError(stranger.call("GET", cluster + "/skus" + KUSTO, null), 403, "AuthorizationFailed", null);
        ClusterArm.assertError(arm.call("GET", KustoClustersTest.path(sub, ClusterArm.name("kc")) + "/skus" + KUSTO, null), 404,
                "ResourceNotFound", null);
    }

    @Test
    @SuppressWarnings("unchecked")
    void vaultsAreListedAsTheSubscriptionsResourcesFilteredToVaults() throws Exception {
        String sub = ClusterArm.sub();
        List<String> names = List.of(ClusterArm.name("kv"), ClusterArm.name("kv"), ClusterArm.name("kv"));
        for (String n : names) {
            arm.putVault(sub, n, "westeurope", false);
        }
        String filter = "%24filter=resourceType%20eq%20%27Microsoft.KeyVault%2Fvaults%27";
        String path = "/subscriptions/" + sub + "/resources?" + filter + "&api-version=2015-11-01";
        ClusterArm.Reply all = arm.call("GET", path, null);
        assertThat(all.status()).as(all.text()).isEqualTo(200);
        List<Map<String, Object>> value = (List<Map<String, Object>>) all.json().get("value");
        assertThat(value).extracting(v -> v.get("name")).containsExactlyInAnyOrderElementsOf(names);
        assertThat(value).allSatisfy(v -> assertThat(v).containsEntry("type", "Microsoft.KeyVault/vaults").containsEntry("location", "westeurope")
                .containsKeys("id", "tags").doesNotContainKey("properties"));

        // pages keep the filter in their nextLink
        ClusterArm.Reply first = arm.call("GET", path + "&%24top=2", null);
        assertThat((List<?>) first.json().get("value")).hasSize(2);
        String next = (String) first.json().get("nextLink");
        assertThat(next).contains("%24filter=");
        ClusterArm.Reply second = arm.call("GET", URI.create(next), arm.armToken(), null);
        assertThat(second.status()).as(second.text()).isEqualTo(200);
        assertThat((List<?>) second.json().get("value")).hasSize(1);

        ClusterArm.assertError(arm.call("GET", "/subscriptions/" + sub + "/resources?%24filter=resourceType%20eq%20%27Microsoft.Kusto"
                + "%2Fclusters%27&api-version=2015-11-01", null), 400, "InvalidParameter", "$filter");
        ClusterArm.assertError(arm.call("GET", "/subscriptions/" + sub + "/resources?api-version=2015-11-01", null), 400,
                "InvalidParameter", "$filter");
        ClusterArm.assertError(arm.call("GET", "/subscriptions/" + sub + "/resources?" + filter + "&api-version=2023-07-01", null), 400,
                "InvalidApiVersionParameter", null);
        ClusterArm.assertError(stranger.call("GET", path, null), 403, "AuthorizationFailed", null);
    }
}
