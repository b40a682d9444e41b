package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Data Explorer cluster settings are applied and echoed or refused naming them (nothing accepted and dropped), the
 * cluster carries an etag that {@code If-Match} / {@code If-None-Match} are checked against (412 PreconditionFailed), and
 * every cluster shows {@code systemData}.
 */
class KustoSettingsTest {

    private static final String TENANT = "f0000000-0000-4000-8000-0000000000a7";
    private static final String API = KustoClustersTest.API;
    private static ClusterArm arm;

    @BeforeAll
    static void client() {
        arm = new ClusterArm(TENANT, "kusto-settings-test");
    }

    private static String created(String properties) {
        return "{\"location\":\"westeurope\",\"sku\":{\"name\":\"Standard_E8ads_v5\",\"tier\":\"Standard\",\"capacity\":2}"
                + (properties == null ? "" : ",\"properties\":" + properties) + "}";
    }

    @Test
    @SuppressWarnings("unchecked")
    void storedSettingsSentComeBackAndSurviveAPatchOfOthers() throws Exception {
        String path = KustoClustersTest.path(ClusterArm.sub(), ClusterArm.name("kc"));
        ClusterArm.Reply r = arm.call("PUT", path + API, created("{\"enablePurge\":true,\"enableStreamingIngest\":true,"
                + "\"enableAutoStop\":false,\"enableDiskEncryption\":true,\"trustedExternalTenants\":[{\"value\":\"*\"}],"
                + "\"acceptedAudiences\":[{\"value\":\"https://kusto.example\"}],\"publicNetworkAccess\":\"Enabled\",\"engineType\":\"V3\","
                + "\"enableDoubleEncryption\":false,\"restrictOutboundNetworkAccess\":\"Disabled\",\"publicIPType\":\"IPv4\"}"));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        for (Map<String, Object> p : List.of(r.properties(), arm.call("GET", path + API, null).properties())) {
            assertThat(p).containsEntry("enablePurge", true).containsEntry("enableStreamingIngest", true).containsEntry("enableAutoStop", false)
                    .containsEntry("enableDiskEncryption", true).containsEntry("trustedExternalTenants", List.of(Map.of("value", "*")))
                    .containsEntry("acceptedAudiences", List.of(Map.of("value", "https://kusto.example")));
        }
        ClusterArm.Reply patched = arm.call("PATCH", path + API, "{\"properties\":{\"enablePurge\":false}}");
        assertThat(patched.status()).as(patched.text()).isEqualTo(200);
        assertThat(patched.properties()).containsEntry("enablePurge", false).containsEntry("enableStreamingIngest", true);
        assertThat(arm.call("GET", path + API, null).properties()).containsEntry("enablePurge", false).containsEntry("enableAutoStop", false);
        // the defaults of the spec for a cluster that sets nothing
        String plain = KustoClustersTest.path(ClusterArm.sub(), ClusterArm.name("kc"));
        assertThat(arm.call("PUT", plain + API, created(null)).properties()).containsEntry("enablePurge", false)
                .containsEntry("enableStreamingIngest", false).containsEntry("enableAutoStop", true);
    }

    @Test
    void settingsKeywardCannotHonourAreRefusedNamingThemAndNothingIsCreated() throws Exception {
        String sub = ClusterArm.sub();
        Map<String, String> refused = Map.ofEntries(
                Map.entry("properties.enableDoubleEncryption", "{\"enableDoubleEncryption\":true}"),
                Map.entry("properties.publicNetworkAccess", "{\"publicNetworkAccess\":\"Disabled\"}"),
                Map.entry("properties.engineType", "{\"engineType\":\"V2\"}"),
                Map.entry("properties.restrictOutboundNetworkAccess", "{\"restrictOutboundNetworkAccess\":\"Enabled\"}"),
                Map.entry("properties.publicIPType", "{\"publicIPType\":\"DualStack\"}"),
                Map.entry("properties.optimizedAutoscale", "{\"optimizedAutoscale\":{\"version\":1,\"isEnabled\":true,\"minimum\":2,\"maximum\":4}}"),
                Map.entry("properties.virtualNetworkConfiguration", "{\"virtualNetworkConfiguration\":{\"subnetId\":\"s\","
                        + "\"enginePublicIpId\":\"e\",\"dataManagementPublicIpId\":\"d\"}}"),
                Map.entry("properties.allowedIpRangeList", "{\"allowedIpRangeList\":[\"10.0.0.0/8\"]}"),
                Map.entry("properties.allowedFqdnList", "{\"allowedFqdnList\":[\"a.example\"]}"),
                Map.entry("properties.calloutPolicies", "{\"calloutPolicies\":[{\"calloutUriRegex\":\".*\",\"calloutType\":\"sql\","
                        + "\"outboundAccess\":\"Allow\"}]}"),
                Map.entry("properties.languageExtensions", "{\"languageExtensions\":{\"value\":[{\"languageExtensionName\":\"PYTHON\"}]}}"),
                Map.entry("properties.virtualClusterGraduationProperties", "{\"virtualClusterGraduationProperties\":\"x\"}"),
                Map.entry("properties.noSuchSetting", "{\"noSuchSetting\":1}"));
        for (Map.Entry<String, String> e : refused.entrySet()) {
            String path = KustoClustersTest.path(sub, ClusterArm.name("kc"));
            ClusterArm.Reply r = arm.call("PUT", path + API, created(e.getValue()));
            ClusterArm.assertError(r, 400, "InvalidParameter", e.getKey());
            assertThat(r.error()).as(e.getKey()).containsEntry("target", e.getKey());
            assertThat(arm.call("GET", path + API, null).status()).as(e.getKey()).isEqualTo(404);
        }
        String path = KustoClustersTest.path(sub, ClusterArm.name("kc"));
        ClusterArm.assertError(arm.call("PUT", path + API, "{\"location\":\"westeurope\",\"zones\":[\"1\"],\"sku\":{\"name\":"
                + "\"Standard_E8ads_v5\",\"tier\":\"Standard\"}}"), 400, "InvalidParameter", "zones");
        // an existing cluster is left as it was by a refused PATCH
        assertThat(arm.call("PUT", path + API, created("{\"enablePurge\":true}")).status()).isEqualTo(201);
        ClusterArm.assertError(arm.call("PATCH", path + API, "{\"properties\":{\"enablePurge\":false,\"engineType\":\"V2\"}}"), 400,
                "InvalidParameter", "properties.engineType");
        assertThat(arm.call("GET", path + API, null).properties()).containsEntry("enablePurge", true);
    }

    @Test
    void aGetBodyPutBackIsAccepted() throws Exception {
        String path = KustoClustersTest.path(ClusterArm.sub(), ClusterArm.name("kc"));
        ClusterArm.Reply first = arm.call("PUT", path + API, created("{\"enableStreamingIngest\":true}"));
        assertThat(first.status()).as(first.text()).isEqualTo(201);
        ClusterArm.Reply again = arm.call("PUT", path + API, first.text());
        assertThat(again.status()).as(again.text()).isEqualTo(200);
        assertThat(again.properties()).containsEntry("enableStreamingIngest", true);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theEtagChangesWithEveryWriteAndIfMatchAndIfNoneMatchAreHonoured() throws Exception {
        String path = KustoClustersTest.path(ClusterArm.sub(), ClusterArm.name("kc"));
        // If-Match on a cluster that does not exist
        assertThat(send("PUT", path, created(null), "If-Match", "*").statusCode()).isEqualTo(412);
        assertThat(arm.call("GET", path + API, null).status()).isEqualTo(404);
        HttpResponse<String> made = send("PUT", path, created(null), "If-None-Match", "*");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        ClusterArm.Reply got = arm.call("GET", path + API, null);
        String etag = (String) got.json().get("etag");
        assertThat(etag).isNotBlank();
        Map<String, Object> systemData = (Map<String, Object>) got.json().get("systemData");
        assertThat(systemData).containsKeys("createdAt", "lastModifiedAt");

        HttpResponse<String> again = send("PUT", path, created(null), "If-None-Match", "*");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(412);
        assertThat(again.body()).contains("\"code\":\"PreconditionFailed\"").contains("If-None-Match");
        HttpResponse<String> stale = send("PATCH", path, "{\"tags\":{\"a\":\"b\"}}", "If-Match", "\"not-the-etag\"");
        assertThat(stale.statusCode()).as(stale.body()).isEqualTo(412);
        assertThat(stale.body()).contains("\"code\":\"PreconditionFailed\"");
        assertThat(arm.call("GET", path + API, null).json().get("tags")).isEqualTo(Map.of());

        HttpResponse<String> fresh = send("PATCH", path, "{\"tags\":{\"a\":\"b\"}}", "If-Match", etag);
        assertThat(fresh.statusCode()).as(fresh.body()).isEqualTo(200);
        ClusterArm.Reply after = arm.call("GET", path + API, null);
        assertThat(after.json().get("tags")).isEqualTo(Map.of("a", "b"));
        assertThat(after.json().get("etag")).isNotEqualTo(etag);
        // the old etag no longer matches
        assertThat(send("PATCH", path, "{\"tags\":{}}", "If-Match", etag).statusCode()).isEqualTo(412);
    }

    @Test
    void tableLevelSharingAndRenamesOfAFollowerAreRefusedNamingThem() throws Exception {
        String sub = ClusterArm.sub();
        String follower = KustoClustersTest.path(sub, ClusterArm.name("kc"));
        String leader = KustoClustersTest.path(sub, ClusterArm.name("kc"));
        assertThat(arm.call("PUT", follower + API, created(null)).status()).isEqualTo(201);
        assertThat(arm.call("PUT", leader + API, created(null)).status()).isEqualTo(201);
        for (String member : List.of("tableLevelSharingProperties\":{\"tablesToInclude\":[\"t1\"]}", "databaseNameOverride\":\"other\"",
                "databaseNamePrefix\":\"p_\"")) {
            ClusterArm.Reply r = arm.call("PUT", follower + "/attachedDatabaseConfigurations/a1" + API, "{\"location\":\"westeurope\","
                    + "\"properties\":{\"clusterResourceId\":\"" + leader + "\",\"databaseName\":\"db\",\"defaultPrincipalsModificationKind\":"
                    + "\"Union\",\"" + member + "}}");
            String name = member.substring(0, member.indexOf('"'));
            ClusterArm.assertError(r, 400, "InvalidParameter", "properties." + name);
        }
        assertThat(arm.call("GET", follower + "/attachedDatabaseConfigurations/a1" + API, null).status()).isEqualTo(404);
    }

    private static HttpResponse<String> send(String method, String path, String body, String header, String value) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(arm.host.baseUri() + path + API))
                .method(method, HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + arm.armToken()).header(header, value).build();
        return arm.host.http().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
