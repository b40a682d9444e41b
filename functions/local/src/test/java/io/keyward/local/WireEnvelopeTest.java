package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every route answers in its surface's words (ARM's envelope for unmatched ARM paths, 405 for a wrong method, Key Vault's
 * envelope on a vault's host), provider namespaces and types match without case on every surface, and every response
 * carries {@code x-ms-request-id} and {@code x-ms-correlation-request-id}.
 */
class WireEnvelopeTest {

    private static final String TENANT = "f0000000-0000-4000-8000-0000000020d1";
    private static ClusterArm arm;

    @BeforeAll
    static void client() {
        arm = new ClusterArm(TENANT, "wire-envelope-test");
    }

    @Test
    void anUnknownNamespaceIsNoRegisteredProviderFoundAndAnUnknownTypeIsInvalidResourceType() throws Exception {
        String sub = ClusterArm.sub();
        ClusterArm.Reply provider = arm.call("GET", "/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Nothing/things/x"
                + ClusterArm.API, null);
        ClusterArm.assertError(provider, 400, "NoRegisteredProviderFound", "Microsoft.Nothing");
        ClusterArm.Reply type = arm.call("GET", "/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Kusto/gadgets/x"
                + KustoClustersTest.API, null);
        ClusterArm.assertError(type, 404, "InvalidResourceType", "gadgets");
        // the namespaces added with storage and Customer Lockbox are served: an unknown type in them is InvalidResourceType
        ClusterArm.assertError(arm.call("GET", "/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Storage/gadgets/x"
                + "?api-version=2023-05-01", null), 404, "InvalidResourceType", "gadgets");
        ClusterArm.assertError(arm.call("GET", "/subscriptions/" + sub + "/providers/microsoft.customerlockbox/gadgets"
                + "?api-version=2018-02-28-preview", null), 404, "InvalidResourceType", "gadgets");
        ClusterArm.Reply deep = arm.call("GET", "/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Kusto/clusters/c/a/b/c/d"
                + KustoClustersTest.API, null);
        assertThat(deep.status()).as(deep.text()).isIn(400, 404);
        assertThat(deep.error()).as(deep.text()).containsKeys("code", "message");
        ClusterArm.Reply nowhere = arm.call("GET", "/no/such/path", null);
        assertThat(nowhere.status()).isEqualTo(404);
        assertThat(nowhere.error()).as(nowhere.text()).containsKeys("code", "message");
        assertThat(nowhere.text()).doesNotContain("_links");
    }

    @Test
    void aWrongMethodIs405InTheEnvelope() throws Exception {
        String path = "/subscriptions/" + ClusterArm.sub() + "/providers/Microsoft.Kusto/clusters" + KustoClustersTest.API;
        ClusterArm.Reply put = arm.call("PUT", path, "{}");
        assertThat(put.status()).as(put.text()).isEqualTo(405);
        assertThat(put.error()).as(put.text()).containsEntry("code", "MethodNotAllowed");
    }

    @Test
    void namespacesAndTypesMatchWithoutCaseOnEverySurface() throws Exception {
        String sub = ClusterArm.sub();
        for (String path : new String[] {
                "/subscriptions/" + sub + "/providers/microsoft.kusto/CLUSTERS" + KustoClustersTest.API,
                "/subscriptions/" + sub + "/resourcegroups/rg/providers/MICROSOFT.KUSTO/clusters" + KustoClustersTest.API,
                "/subscriptions/" + sub + "/providers/microsoft.storagecache/caches?api-version=2023-05-01",
                "/subscriptions/" + sub + "/resourcegroups/rg/providers/Microsoft.storageCache/Caches?api-version=2023-05-01",
                "/subscriptions/" + sub + "/providers/microsoft.operationalinsights/CLUSTERS" + ClusterArm.API,
                "/subscriptions/" + sub + "/providers/microsoft.operationalinsights/Workspaces?api-version=2022-10-01",
                "/subscriptions/" + sub + "/providers/microsoft.keyvault/Vaults?api-version=2023-07-01",
                "/subscriptions/" + sub + "/providers/microsoft.storage/STORAGEACCOUNTS?api-version=2023-05-01",
                "/subscriptions/" + sub + "/resourcegroups/rg/providers/Microsoft.storage/storageaccounts?api-version=2023-05-01",
                "/subscriptions/" + sub + "/providers/microsoft.customerlockbox/Requests?api-version=2018-02-28-preview",
                "/subscriptions/" + sub + "/providers/MICROSOFT.CUSTOMERLOCKBOX/events?api-version=2018-02-28-preview"}) {
            ClusterArm.Reply r = arm.call("GET", path, null);
            assertThat(r.status()).as(path + ": " + r.text()).isEqualTo(200);
            assertThat(r.json()).as(path).containsKey("value");
        }
        Logs.Workspace ws = new Logs(arm).workspace(sub);
        String workspace = ws.id().replace("Microsoft.OperationalInsights/workspaces", "microsoft.operationalinsights/WORKSPACES");
        for (String child : new String[] {"/LinkedStorageAccounts", "/savedsearches"}) {
            ClusterArm.Reply r = arm.call("GET", workspace + child + "?api-version=2022-10-01", null);
            assertThat(r.status()).as(child + ": " + r.text()).isEqualTo(200);
            assertThat(r.json()).as(child).containsKey("value");
        }
        String cluster = "/subscriptions/" + sub + "/resourceGroups/rg/providers/microsoft.kusto/clusters/" + ClusterArm.name("kc");
        ClusterArm.Reply missing = arm.call("GET", cluster + "/attacheddatabaseconfigurations" + KustoClustersTest.API, null);
        assertThat(missing.status()).as(missing.text()).isEqualTo(404);
        assertThat(missing.error()).as(missing.text()).containsEntry("code", "ResourceNotFound");
    }

    @Test
    void everyResponseCarriesRequestAndCorrelationIdsEchoingTheClientsRequestId() throws Exception {
        ClusterArm.Reply ok = arm.call("GET", "/subscriptions/" + ClusterArm.sub() + "/providers/Microsoft.Kusto/clusters"
                + KustoClustersTest.API, null);
        assertThat(ok.headers().firstValue("x-ms-request-id")).isPresent();
        assertThat(ok.headers().firstValue("x-ms-correlation-request-id")).isPresent();
        ClusterArm.Reply notFound = arm.call("GET", "/no/such/path", null);
        assertThat(notFound.headers().firstValue("x-ms-request-id")).isPresent();
        assertThat(notFound.headers().firstValue("x-ms-correlation-request-id")).isPresent();

        String clientId = "c1d2e3f4-0000-4000-8000-00000000abcd";
        var request = java.net.http.HttpRequest.newBuilder(URI.create(arm.host.baseUri() + "/subscriptions/" + ClusterArm.sub()
                        + "/providers/Microsoft.Kusto/clusters" + KustoClustersTest.API))
                .header("Authorization", "Bearer " + arm.armToken()).header("x-ms-client-request-id", clientId).build();
        var r = arm.host.http().send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.headers().firstValue("x-ms-client-request-id")).contains(clientId);
        assertThat(r.headers().firstValue("x-ms-correlation-request-id")).as("the client's request id correlates").contains(clientId);
        assertThat(r.headers().firstValue("x-ms-request-id")).isPresent().get().isNotEqualTo(clientId);
    }
}
