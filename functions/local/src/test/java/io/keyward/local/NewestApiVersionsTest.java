package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The newest stable api-versions of each surface's spec (azure-rest-api-specs: Key Vault management 2025-05-01,
 * Data Explorer 2024-04-13, Log Analytics clusters and workspaces 2025-07-01, StorageCache 2025-07-01) and the Key Vault
 * management SDK's default 2026-02-01 are accepted next to the older ones the docs use: a create and a read with each.
 */
class NewestApiVersionsTest {

    private static final String TENANT = "f0000000-0000-4000-8000-0000000000a9";
    private static ClusterArm arm;

    @BeforeAll
    static void client() {
        arm = new ClusterArm(TENANT, "newest-api-versions-test");
    }

    @Test
    void everySurfaceAnswersItsNewestVersions() throws Exception {
        String sub = ClusterArm.sub();
        // a subscription is claimed by its first write
        Logs.Workspace ws = new Logs(arm).workspace(sub);
        for (String version : List.of("2025-05-01", "2026-02-01", "2024-11-01")) {
            String vault = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/" + ClusterArm.name("kv");
            ClusterArm.Reply made = arm.call("PUT", vault + "?api-version=" + version, "{\"location\":\"westeurope\",\"properties\":"
                    + "{\"tenantId\":\"" + TENANT + "\",\"sku\":{\"family\":\"A\",\"name\":\"standard\"},\"accessPolicies\":[]}}");
            assertThat(made.status()).as(version + ": " + made.text()).isIn(200, 201);
            assertThat(arm.call("GET", vault + "?api-version=" + version, null).status()).as(version).isEqualTo(200);
        }
        // two clusters per region and subscription: the third version's goes elsewhere
        for (String version : List.of("2025-07-01", "2025-02-01", "2023-09-01")) {
            ClusterArm.Reply got = arm.call("GET", ws.id() + "?api-version=" + version, null);
            assertThat(got.status()).as(version + ": " + got.text()).isEqualTo(200);
            String cluster = ClusterArm.cluster(sub, "rg1", ClusterArm.name("cl"));
            ClusterArm.Reply made = arm.call("PUT", cluster + "?api-version=" + version, ClusterArm.body(version.equals("2023-09-01") ? "northeurope" : "westeurope",
                    1000, ""));
            assertThat(made.status()).as(version + ": " + made.text()).isEqualTo(201);
            assertThat(arm.call("GET", ws.id() + "/linkedStorageAccounts?api-version=" + version, null).status()).as(version).isEqualTo(200);
        }
        String kusto = KustoClustersTest.path(sub, ClusterArm.name("kc"));
        ClusterArm.Reply k = arm.call("PUT", kusto + "?api-version=2024-04-13", "{\"location\":\"westeurope\",\"sku\":{\"name\":"
                + "\"Standard_E8ads_v5\",\"tier\":\"Standard\"}}");
        assertThat(k.status()).as(k.text()).isEqualTo(201);
        for (String version : List.of("2025-07-01", "2024-03-01", "2023-05-01")) {
            ClusterArm.Reply caches = arm.call("GET", "/subscriptions/" + sub + "/providers/Microsoft.StorageCache/caches?api-version=" + version,
                    null);
            assertThat(caches.status()).as(version + ": " + caches.text()).isEqualTo(200);
        }
        ClusterArm.assertError(arm.call("GET", ws.id() + "?api-version=2031-01-01", null), 400, "InvalidApiVersionParameter", null);
    }
}
