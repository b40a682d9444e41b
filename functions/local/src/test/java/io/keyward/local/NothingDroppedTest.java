package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 5 beyond Data Explorer (KustoSettingsTest): every request member is applied and echoed or refused with
 * 400 naming it: HPC Cache's securitySettings and other settings a Keyward cache cannot honour, Log Analytics'
 * workspaceCapping and cluster replication; and the read-only members the SDK models expose: systemData (with the
 * writer's object id on engine resources), associatedWorkspaces[].workspaceId.
 */
class NothingDroppedTest {

    private static final String TENANT = "f0000000-0000-4000-8000-0000000000a8";
    private static final String CACHE_API = "?api-version=2023-05-01";
    private static final String WS_API = "?api-version=2022-10-01";
    private static ClusterArm arm;

    @BeforeAll
    static void client() {
        arm = new ClusterArm(TENANT, "nothing-dropped-test");
    }

    private static String cache(String sub) {
        return "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.StorageCache/caches/" + ClusterArm.name("hc");
    }

    private static String cacheBody(String properties, String top) {
        return "{\"location\":\"East US\",\"identity\":{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"Standard_2G\"}" + top
                + ",\"properties\":{\"cacheSizeGB\":3072,\"subnet\":\"/subscriptions/" + UUID.randomUUID() + "/resourceGroups/net/providers"
                + "/Microsoft.Network/virtualNetworks/vnet/subnets/cache\"" + properties + "}}";
    }

    @Test
    @SuppressWarnings("unchecked")
    void hpcCacheSettingsItCannotHonourAreRefusedNamingThem() throws Exception {
        String sub = ClusterArm.sub();
        Map<String, String> refused = Map.ofEntries(
                Map.entry("properties.securitySettings.accessPolicies", ",\"securitySettings\":{\"accessPolicies\":[{\"name\":\"default\","
                        + "\"accessRules\":[{\"scope\":\"default\",\"access\":\"rw\"}]}]}"),
                Map.entry("properties.securitySettings.rootSquash", ",\"securitySettings\":{\"rootSquash\":true}"),
                Map.entry("properties.directoryServicesSettings.activeDirectory", ",\"directoryServicesSettings\":{\"activeDirectory\":{"
                        + "\"primaryDnsIpAddress\":\"10.0.0.4\",\"domainName\":\"x.example\",\"domainNetBiosName\":\"X\",\"cacheNetBiosName\":\"C\"}}"),
                Map.entry("properties.directoryServicesSettings.usernameDownload.usernameSource", ",\"directoryServicesSettings\":{"
                        + "\"usernameDownload\":{\"usernameSource\":\"LDAP\",\"ldapServer\":\"10.0.0.5\"}}"),
                Map.entry("properties.directoryServicesSettings.usernameDownload.extendedGroups", ",\"directoryServicesSettings\":{"
                        + "\"usernameDownload\":{\"extendedGroups\":true}}"),
                Map.entry("properties.directoryServicesSettings.kerberos", ",\"directoryServicesSettings\":{\"kerberos\":{}}"),
                Map.entry("properties.networkSettings.mtu", ",\"networkSettings\":{\"mtu\":1400}"),
                Map.entry("properties.networkSettings.dnsServers", ",\"networkSettings\":{\"dnsServers\":[\"10.0.0.4\"]}"),
                Map.entry("properties.networkSettings.jumboFrames", ",\"networkSettings\":{\"jumboFrames\":true}"),
                Map.entry("properties.upgradeSettings.upgradeScheduleEnabled", ",\"upgradeSettings\":{\"upgradeScheduleEnabled\":true,"
                        + "\"scheduledTime\":\"2030-01-01T00:00:00Z\"}"),
                Map.entry("properties.upgradeSettings.scheduledTime", ",\"upgradeSettings\":{\"upgradeScheduleEnabled\":false,"
                        + "\"scheduledTime\":\"2030-01-01T00:00:00Z\"}"),
                Map.entry("properties.zones", ",\"zones\":[\"1\"]"),
                Map.entry("properties.blobNfs", ",\"blobNfs\":{}"));
        for (Map.Entry<String, String> e : refused.entrySet()) {
            String path = cache(sub);
            ClusterArm.Reply r = arm.call("PUT", path + CACHE_API, cacheBody(e.getValue(), ""));
            ClusterArm.assertError(r, 400, "InvalidParameter", e.getKey());
            assertThat(r.error()).as(e.getKey()).containsEntry("target", e.getKey());
            assertThat(arm.call("GET", path + CACHE_API, null).status()).as(e.getKey()).isEqualTo(404);
        }
        ClusterArm.assertError(arm.call("PUT", cache(sub) + CACHE_API, cacheBody("", ",\"zones\":[\"1\"]")), 400, "InvalidParameter", "zones");
        // the defaults (and an empty access policy list) ask for nothing and are accepted
        String path = cache(sub);
        ClusterArm.Reply ok = arm.call("PUT", path + CACHE_API, cacheBody(",\"securitySettings\":{\"accessPolicies\":[]},"
                + "\"networkSettings\":{\"mtu\":1500,\"ntpServer\":\"time.windows.com\"}", ""));
        assertThat(ok.status()).as(ok.text()).isIn(200, 201);

        // the answer shows every setting the spec declares, at the value the cache has, and a GET body sent back is accepted
        ClusterArm.Reply got = arm.call("GET", path + CACHE_API, null);
        Map<String, Object> p = got.properties();
        assertThat((Map<String, Object>) p.get("networkSettings")).containsEntry("mtu", 1500).containsEntry("ntpServer", "time.windows.com")
                .containsEntry("dnsServers", List.of()).containsEntry("dnsSearchDomain", "").containsEntry("utilityAddresses", List.of());
        assertThat(p).containsEntry("securitySettings", Map.of("accessPolicies", List.of()))
                .containsEntry("upgradeSettings", Map.of("upgradeScheduleEnabled", false))
                .containsEntry("upgradeStatus", Map.of("firmwareUpdateStatus", "unavailable"))
                .containsEntry("primingJobs", List.of()).containsEntry("spaceAllocation", List.of()).containsEntry("zones", List.of());
        assertThat((Map<String, Object>) p.get("directoryServicesSettings")).doesNotContainKey("activeDirectory")
                .containsEntry("usernameDownload", Map.of("extendedGroups", false, "usernameSource", "None", "encryptLdapConnection", false,
                        "requireValidCertificate", false, "autoDownloadCertificate", false, "usernameDownloaded", "No"));
        ClusterArm.Reply back = arm.call("PUT", path + CACHE_API, got.text());
        assertThat(back.status()).as(back.text()).isEqualTo(200);
        // the settings come back as they were (health and provisioningState move on their own while the cache starts)
        Map<String, Object> settings = new java.util.HashMap<>(p);
        Map<String, Object> settingsBack = new java.util.HashMap<>(back.properties());
        for (String moving : List.of("health", "provisioningState")) {
            settings.remove(moving);
            settingsBack.remove(moving);
        }
        assertThat(settingsBack).isEqualTo(settings);
    }

    @Test
    @SuppressWarnings("unchecked")
    void workspaceCappingIsEchoedAndOnlyNoCapIsAccepted() throws Exception {
        String sub = ClusterArm.sub();
        String ws = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.OperationalInsights/workspaces/" + ClusterArm.name("ws");
        ClusterArm.Reply refused = arm.call("PUT", ws + WS_API, "{\"location\":\"westeurope\",\"properties\":{\"workspaceCapping\":"
                + "{\"dailyQuotaGb\":5}}}");
        ClusterArm.assertError(refused, 400, "InvalidParameter", "properties.workspaceCapping.dailyQuotaGb");
        assertThat(arm.call("GET", ws + WS_API, null).status()).isEqualTo(404);
        ClusterArm.Reply made = arm.call("PUT", ws + WS_API, "{\"location\":\"westeurope\",\"properties\":{\"workspaceCapping\":"
                + "{\"dailyQuotaGb\":-1}}}");
        assertThat(made.status()).as(made.text()).isEqualTo(201);
        assertThat((Map<String, Object>) made.properties().get("workspaceCapping")).containsEntry("dailyQuotaGb", -1.0)
                .containsEntry("dataIngestionStatus", "RespectQuota");
        ClusterArm.assertError(arm.call("PATCH", ws + WS_API, "{\"properties\":{\"workspaceCapping\":{\"dailyQuotaGb\":0.5}}}"), 400,
                "InvalidParameter", "properties.workspaceCapping.dailyQuotaGb");
        Map<String, Object> systemData = (Map<String, Object>) arm.call("GET", ws + WS_API, null).json().get("systemData");
        assertThat(systemData).containsKeys("createdAt", "lastModifiedAt");
    }

    @Test
    @SuppressWarnings("unchecked")
    void vaultsShowWhoCreatedAndLastChangedThemOnEveryAnswer() throws Exception {
        String sub = ClusterArm.sub();
        String name = ClusterArm.name("kv");
        String path = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults/" + name;
        String api = "?api-version=2024-11-01";
        String me = arm.client.principal().objectId();
        ClusterArm.Reply created = arm.call("PUT", path + api, "{\"location\":\"westeurope\",\"properties\":{\"tenantId\":\"" + TENANT
                + "\",\"sku\":{\"family\":\"A\",\"name\":\"standard\"},\"accessPolicies\":[]}}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        Map<String, Object> first = created.map("systemData");
        assertThat(first).containsEntry("createdBy", me).containsEntry("createdByType", "Application").containsEntry("lastModifiedBy", me)
                .containsEntry("lastModifiedByType", "Application").containsKeys("createdAt", "lastModifiedAt");
        assertThat(arm.call("GET", path + api, null).map("systemData")).isEqualTo(first);

        // another principal of the tenant, given a role on the subscription, changes it: the last writer moves, the creator stays
        ClusterArm other = new ClusterArm(TENANT, "nothing-dropped-vault-other").owning(sub);
        String them = other.client.principal().objectId();
        ClusterArm.Reply patched = other.call("PATCH", path + api, "{\"tags\":{\"t\":\"1\"}}");
        assertThat(patched.status()).as(patched.text()).isEqualTo(200);
        assertThat(patched.map("systemData")).containsEntry("createdBy", me).containsEntry("createdAt", first.get("createdAt"))
                .containsEntry("lastModifiedBy", them).containsEntry("lastModifiedByType", "Application");
        // every answer shows them: the get, both lists
        Map<String, Object> now = arm.call("GET", path + api, null).map("systemData");
        assertThat(now).isEqualTo(patched.map("systemData"));
        for (String list : List.of("/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults",
                "/subscriptions/" + sub + "/providers/Microsoft.KeyVault/vaults")) {
            ClusterArm.Reply listed = arm.call("GET", list + api, null);
            assertThat((List<Map<String, Object>>) listed.json().get("value")).as(listed.text()).singleElement()
                    .satisfies(v -> assertThat(v.get("systemData")).isEqualTo(now));
        }
        // an access policy change is a write too
        ClusterArm.Reply added = arm.call("PUT", path + "/accessPolicies/add" + api, "{\"properties\":{\"accessPolicies\":[{\"tenantId\":\""
                + TENANT + "\",\"objectId\":\"" + them + "\",\"permissions\":{\"keys\":[\"get\"]}}]}}");
        assertThat(added.status()).as(added.text()).isEqualTo(200);
        assertThat(arm.call("GET", path + api, null).map("systemData")).containsEntry("createdBy", me).containsEntry("lastModifiedBy", me);
    }

    @Test
    @SuppressWarnings("unchecked")
    void workspaceMembersItDoesNotApplyAreRefusedNamingThemAndWhatItReadsBackIsAccepted() throws Exception {
        String sub = ClusterArm.sub();
        String ws = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.OperationalInsights/workspaces/" + ClusterArm.name("ws");
        Map<String, String> refused = Map.ofEntries(
                Map.entry("unknownTopLevel", "\"unknownTopLevel\":1,\"properties\":{}"),
                Map.entry("properties.unknownSetting", "\"properties\":{\"unknownSetting\":true}"),
                Map.entry("properties.features.someNewFeature", "\"properties\":{\"features\":{\"someNewFeature\":true}}"),
                Map.entry("properties.sku.capacityReservationLevel", "\"properties\":{\"sku\":{\"name\":\"PerGB2018\",\"capacityReservationLevel\":100}}"),
                Map.entry("properties.publicNetworkAccessForQuery", "\"properties\":{\"publicNetworkAccessForQuery\":\"Disabled\"}"),
                Map.entry("properties.publicNetworkAccessForIngestion", "\"properties\":{\"publicNetworkAccessForIngestion\":\"SecuredByPerimeter\"}"),
                Map.entry("properties.forceCmkForQuery", "\"properties\":{\"forceCmkForQuery\":true}"),
                Map.entry("properties.features.enableDataExport", "\"properties\":{\"features\":{\"enableDataExport\":true}}"),
                Map.entry("properties.features.immediatePurgeDataOn30Days", "\"properties\":{\"features\":{\"immediatePurgeDataOn30Days\":true}}"),
                Map.entry("properties.features.disableLocalAuth", "\"properties\":{\"features\":{\"disableLocalAuth\":false}}"),
                Map.entry("properties.defaultDataCollectionRuleResourceId", "\"properties\":{\"defaultDataCollectionRuleResourceId\":\"/subscriptions/"
                        + sub + "/resourceGroups/rg1/providers/Microsoft.Insights/dataCollectionRules/dcr\"}"),
                Map.entry("properties.replication.enabled", "\"properties\":{\"replication\":{\"enabled\":true,\"location\":\"northeurope\"}}"),
                Map.entry("identity.type", "\"identity\":{\"type\":\"SystemAssigned\"},\"properties\":{}"),
                Map.entry("etag", "\"etag\":\"1\",\"properties\":{}"));
        for (Map.Entry<String, String> e : refused.entrySet()) {
            ClusterArm.Reply r = arm.call("PUT", ws + WS_API, "{\"location\":\"westeurope\"," + e.getValue() + "}");
            ClusterArm.assertError(r, 400, "InvalidParameter", e.getKey());
            assertThat(r.error()).as(e.getKey()).containsEntry("target", e.getKey());
            assertThat(arm.call("GET", ws + WS_API, null).status()).as(e.getKey()).isEqualTo(404);
        }
        // the values a Keyward workspace has are accepted, and the answer shows them
        ClusterArm.Reply made = arm.call("PUT", ws + WS_API, "{\"location\":\"westeurope\",\"properties\":{\"publicNetworkAccessForQuery\":"
                + "\"Enabled\",\"forceCmkForQuery\":false,\"features\":{\"enableDataExport\":false,\"disableLocalAuth\":true},"
                + "\"replication\":{\"enabled\":false}}}");
        assertThat(made.status()).as(made.text()).isEqualTo(201);
        assertThat(made.properties()).containsEntry("forceCmkForQuery", false).containsEntry("publicNetworkAccessForQuery", "Enabled");
        assertThat((Map<String, Object>) made.properties().get("features")).containsEntry("enableDataExport", false)
                .containsEntry("disableLocalAuth", true).containsEntry("immediatePurgeDataOn30Days", false);
        // a GET body sent back (read-only members included: provisioningState, customerId, dates, systemData) is accepted
        // and changes nothing; a PATCH of it too
        ClusterArm.Reply got = arm.call("GET", ws + WS_API, null);
        ClusterArm.Reply back = arm.call("PUT", ws + WS_API, got.text());
        assertThat(back.status()).as(back.text()).isEqualTo(200);
        assertThat(back.properties()).containsEntry("customerId", got.properties().get("customerId"))
                .containsEntry("createdDate", got.properties().get("createdDate"));
        ClusterArm.Reply patched = arm.call("PATCH", ws + WS_API, got.text());
        assertThat(patched.status()).as(patched.text()).isEqualTo(200);
        ClusterArm.assertError(arm.call("PATCH", ws + WS_API, "{\"properties\":{\"retentionInDays\":30,\"dailyQuotaGb\":1}}"), 400,
                "InvalidParameter", "properties.dailyQuotaGb");
    }

    @Test
    void logAnalyticsClusterMembersItDoesNotApplyAreRefusedNamingThemAndWhatItReadsBackIsAccepted() throws Exception {
        String sub = ClusterArm.sub();
        String id = ClusterArm.cluster(sub, "rg1", ClusterArm.name("cl"));
        Map<String, String> refused = Map.of(
                "unknownTopLevel", "\"unknownTopLevel\":{}",
                "properties.unknownSetting", "\"unknownSetting\":1",
                "properties.keyVaultProperties.keyType", "\"keyVaultProperties\":{\"keyType\":\"RSA\"}",
                "properties.replication.location", "\"replication\":{\"location\":\"northeurope\"}",
                "properties.replication.isAvailabilityZonesEnabled", "\"replication\":{\"isAvailabilityZonesEnabled\":true}");
        for (Map.Entry<String, String> e : refused.entrySet()) {
            String body = e.getKey().startsWith("properties.") ? ClusterArm.body("westeurope", 1000, e.getValue())
                    : ClusterArm.body("westeurope", 1000, "").replaceFirst("\\{", "{" + e.getValue() + ",");
            ClusterArm.Reply r = arm.call("PUT", id + ClusterArm.API, body);
            ClusterArm.assertError(r, 400, "InvalidParameter", e.getKey());
            assertThat(r.error()).as(e.getKey()).containsEntry("target", e.getKey());
            assertThat(arm.call("GET", id + ClusterArm.API, null).status()).as(e.getKey()).isEqualTo(404);
        }
        ClusterArm.Reply created = arm.call("PUT", id + ClusterArm.API, ClusterArm.body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        ClusterArm.Reply got = arm.call("GET", id + ClusterArm.API, null);
        ClusterArm.Reply back = arm.call("PUT", id + ClusterArm.API, got.text());
        assertThat(back.status()).as(back.text()).isIn(200, 202);
        ClusterArm.Reply patched = arm.call("PATCH", id + ClusterArm.API, got.text());
        assertThat(patched.status()).as(patched.text()).isIn(200, 202);
        assertThat(arm.call("GET", id + ClusterArm.API, null).properties()).containsEntry("clusterId", got.properties().get("clusterId"));
    }

    @Test
    void logAnalyticsClusterReplicationIsRefusedNamingIt() throws Exception {
        String id = ClusterArm.cluster(ClusterArm.sub(), "rg1", ClusterArm.name("cl"));
        ClusterArm.assertError(arm.call("PUT", id + ClusterArm.API, ClusterArm.body("westeurope", 1000,
                "\"replication\":{\"enabled\":true,\"location\":\"northeurope\"}")), 400, "InvalidParameter", "properties.replication.enabled");
        assertThat(arm.call("GET", id + ClusterArm.API, null).status()).isEqualTo(404);
    }

    @Test
    @SuppressWarnings("unchecked")
    void engineResourcesShowWhoCreatedAndLastChangedThemAndAssociatedWorkspacesTheirIds() throws Exception {
        String sub = ClusterArm.sub();
        String id = ClusterArm.cluster(sub, "rg1", ClusterArm.name("cl"));
        ClusterArm.Reply created = arm.call("PUT", id + ClusterArm.API, ClusterArm.body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String me = arm.client.principal().objectId();
        Map<String, Object> first = (Map<String, Object>) arm.call("GET", id + ClusterArm.API, null).json().get("systemData");
        assertThat(first).containsEntry("createdBy", me).containsEntry("createdByType", "Application")
                .containsEntry("lastModifiedBy", me).containsEntry("lastModifiedByType", "Application").containsKeys("createdAt", "lastModifiedAt");

        // another principal of the same tenant, granted a role on the subscription, changes it: lastModifiedBy moves,
        // createdBy stays
        ClusterArm other = new ClusterArm(TENANT, "nothing-dropped-other").owning(sub);
        ClusterArm.Reply patched = other.call("PATCH", id + ClusterArm.API, "{\"tags\":{\"t\":\"1\"}}");
        assertThat(patched.status()).as(patched.text()).isEqualTo(200);
        Map<String, Object> after = (Map<String, Object>) arm.call("GET", id + ClusterArm.API, null).json().get("systemData");
        assertThat(after).containsEntry("createdBy", me).containsEntry("lastModifiedBy", other.client.principal().objectId());

        Logs.Workspace ws = new Logs(arm).workspace(sub);
        ClusterArm.Reply linked = arm.awaitOperation(arm.call("PUT", ws.id() + "/linkedServices/cluster?api-version=2020-08-01",
                "{\"properties\":{\"writeAccessResourceId\":\"" + id + "\"}}"));
        assertThat(linked.json()).as(linked.text()).containsEntry("status", "Succeeded");
        List<Map<String, Object>> associated = (List<Map<String, Object>>) arm.call("GET", id + ClusterArm.API, null).properties()
                .get("associatedWorkspaces");
        assertThat(associated).singleElement().satisfies(a -> {
            assertThat(a).containsEntry("workspaceId", ws.customerId()).containsEntry("resourceId", ws.id());
        });
    }
}
