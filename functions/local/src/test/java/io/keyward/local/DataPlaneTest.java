package io.keyward.local;

import static io.keyward.local.ClusterArm.API;
import static io.keyward.local.ClusterArm.body;
import static io.keyward.local.ClusterArm.cluster;
import static io.keyward.local.ClusterArm.keyPatch;
import static io.keyward.local.ClusterArm.name;
import static io.keyward.local.ClusterArm.sub;
import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The encrypted data plane on the local host: ingest and query through {@code /api/workspaces/{id}/logs}, blocks under
 * the workspace's platform AEK or, once linked to a cluster with a customer key, under the cluster's AEK (unwrapped by
 * the customer's vault as the cluster's identity); the stored blocks as PostgreSQL holds them.
 */
class DataPlaneTest {

    private static final String TENANT = "e0000000-0000-4000-8000-00000000d001";
    private static final String OTHER_TENANT = "e0000000-0000-4000-8000-00000000d002";
    private static final String VAULT_SUBSCRIPTION = "e0000000-0000-4000-8000-0000000005d1";
    /** soft delete and purge protection; in src/test/resources/hosts */
    private static final String VAULT = "kwdp1";
    private static final String WS_API = "?api-version=2022-10-01";
    private static final String LINK_API = "?api-version=2020-08-01";

    private static ClusterArm arm;
    private static ClusterArm other;
    private static JsonMapper json;

    @BeforeAll
    static void setUp() throws Exception {
        arm = new ClusterArm(TENANT, "data-plane-test").owning(VAULT_SUBSCRIPTION);
        other = new ClusterArm(OTHER_TENANT, "data-plane-other");
        arm.putVault(VAULT_SUBSCRIPTION, VAULT, "westeurope", true);
        json = arm.host.bean(JsonMapper.class);
    }

    @Test
    void anUnlinkedWorkspaceIngestsAndQueriesUnderThePlatformKey() throws Exception {
        String sub = sub();
        Workspace ws = workspace(sub);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(2));
        ClusterArm.Reply in = ingest(arm, ws.customerId, "AppEvents_CL", "ts", records("plat-secret", t0, 3));
        assertThat(in.status()).as(in.text()).isEqualTo(200);
        assertThat(in.json()).containsEntry("records", 3).containsEntry("blocks", 1).containsEntry("key", "platform");

        ClusterArm.Reply q = query(arm, ws.customerId, "table=AppEvents_CL&timespan=PT3H&limit=10");
        assertThat(q.status()).as(q.text()).isEqualTo(200);
        List<Map<String, Object>> rows = rows(q);
        assertThat(rows).extracting(r -> r.get("msg")).containsExactly("plat-secret-2", "plat-secret-1", "plat-secret-0");
        assertThat(rows.get(0).get("TimeGenerated")).isEqualTo(t0.plusSeconds(120).toString());
        assertThat(rows(query(arm, ws.customerId, "table=AppEvents_CL&limit=2"))).hasSize(2);
        assertThat(rows(query(arm, ws.customerId, "table=AppEvents_CL&from=" + enc(t0.plusSeconds(30).toString())
                + "&to=" + enc(t0.plusSeconds(90).toString())))).extracting(r -> r.get("msg")).containsExactly("plat-secret-1");
        assertThat(rows(query(arm, ws.customerId, "table=Other_CL"))).isEmpty();

        assertNoPlaintext(ws.customerId, "plat-secret");
        assertThat(queryDb("SELECT count(*) FROM workspace_platform_aeks WHERE customer_id = ?::uuid", ws.customerId, Long.class))
                .isEqualTo(1L);
    }

    @Test
    void aCallerOfAnotherTenantIsRefused() throws Exception {
        Workspace ws = workspace(sub());
        assertThat(ingest(arm, ws.customerId, "T_CL", null, "[{\"a\":1}]").status()).isEqualTo(200);
        ClusterArm.Reply read = query(other, ws.customerId, "table=T_CL");
        ClusterArm.assertError(read, 403, "AuthorizationFailed", null);
        ClusterArm.Reply write = ingest(other, ws.customerId, "T_CL", null, "[{\"a\":2}]");
        ClusterArm.assertError(write, 403, "AuthorizationFailed", null);
        assertThat(rows(query(arm, ws.customerId, "table=T_CL"))).hasSize(1);
        ClusterArm.assertError(query(arm, UUID.randomUUID().toString(), "table=T_CL"), 404, "ResourceNotFound", null);
    }

    @Test
    void aModifiedBlockFailsItsIntegrityCheckOnQuery() throws Exception {
        Workspace ws = workspace(sub());
        assertThat(ingest(arm, ws.customerId, "Tamper_CL", null, "[{\"msg\":\"intact\"}]").status()).isEqualTo(200);
        assertThat(rows(query(arm, ws.customerId, "table=Tamper_CL"))).hasSize(1);
        // one bit of the ciphertext (past the 5-byte header and the 12-byte nonce) flipped
        arm.sql("UPDATE data_blocks SET sealed = set_byte(sealed, 20, get_byte(sealed, 20) # 1) WHERE customer_id = ?::uuid",
                ws.customerId);
        ClusterArm.Reply q = query(arm, ws.customerId, "table=Tamper_CL");
        ClusterArm.assertError(q, 409, "DataIntegrityFailure", "failed its integrity check");
        assertThat(q.text()).doesNotContain("Exception").doesNotContain("at io.keyward");
    }

    @Test
    void dataBeforeALinkStaysUnderThePlatformKeyBesideNewClusterKeyData() throws Exception {
        String sub = sub();
        Workspace ws = workspace(sub);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(3));
        assertThat(ingest(arm, ws.customerId, "Mixed_CL", "ts", records("before-link", t0, 2)).json()).containsEntry("key", "platform");

        String clusterName = name("cl");
        String clusterId = cluster(sub, "rg1", clusterName);
        ClusterArm.Reply created = arm.call("PUT", clusterId + API, body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        arm.grant(VAULT_SUBSCRIPTION, VAULT, (String) created.map("identity").get("principalId"), "get", "wrapKey", "unwrapKey");
        String keyName = name("k");
        arm.createKey(VAULT, keyName, 2048);
        ClusterArm.Reply keyed = arm.awaitOperation(arm.call("PATCH", clusterId + API, keyPatch(arm.host.vaultUri(VAULT), keyName, "")));
        assertThat(keyed.json()).as(keyed.text()).containsEntry("status", "Succeeded");
        ClusterArm.Reply linked = arm.awaitOperation(arm.call("PUT", ws.id + "/linkedServices/cluster" + LINK_API,
                "{\"properties\":{\"writeAccessResourceId\":\"" + clusterId + "\"}}"));
        assertThat(linked.json()).as(linked.text()).containsEntry("status", "Succeeded");

        ClusterArm.Reply in = ingest(arm, ws.customerId, "Mixed_CL", "ts", records("after-link", t0.plus(Duration.ofHours(1)), 2));
        assertThat(in.status()).as(in.text()).isEqualTo(200);
        assertThat(in.json()).containsEntry("key", "cluster");

        List<Map<String, Object>> rows = rows(query(arm, ws.customerId, "table=Mixed_CL&timespan=PT4H"));
        assertThat(rows).extracting(r -> r.get("msg"))
                .containsExactly("after-link-1", "after-link-0", "before-link-1", "before-link-0");
        assertThat(queryDb("SELECT string_agg(key_kind, ',' ORDER BY max_time_generated) FROM data_blocks WHERE customer_id = ?::uuid",
                ws.customerId, String.class)).isEqualTo("platform,cluster");
        assertThat(queryDb("SELECT count(*) FROM data_blocks b JOIN cmk_resources c ON c.resource_uuid = b.cluster_id WHERE b.customer_id = ?::uuid"
                + " AND c.name IS NOT NULL AND b.aek_version = 1", ws.customerId, Long.class)).isEqualTo(1L);
        assertNoPlaintext(ws.customerId, "-link-");

        ClusterArm.Reply unlinked = arm.awaitOperation(arm.call("DELETE", ws.id + "/linkedServices/cluster" + LINK_API, null));
        assertThat(unlinked.json()).as(unlinked.text()).containsEntry("status", "Succeeded");
        ClusterArm.Reply after = ingest(arm, ws.customerId, "Mixed_CL", "ts", records("after-unlink", t0.plus(Duration.ofHours(2)), 1));
        assertThat(after.json()).as(after.text()).containsEntry("key", "platform");
        assertThat(rows(query(arm, ws.customerId, "table=Mixed_CL&limit=3"))).extracting(r -> r.get("msg"))
                .containsExactly("after-unlink-0", "after-link-1", "after-link-0");
    }

    @Test
    void aKeyTheVaultRefusesDropsIngestionAndCountsIt() throws Exception {
        String sub = sub();
        Workspace ws = workspace(sub);
        String clusterName = name("cl");
        String clusterId = cluster(sub, "rg1", clusterName);
        ClusterArm.Reply created = arm.call("PUT", clusterId + API, body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        arm.grant(VAULT_SUBSCRIPTION, VAULT, (String) created.map("identity").get("principalId"), "get", "wrapKey", "unwrapKey");
        String keyName = name("k");
        String version = arm.createKey(VAULT, keyName, 2048);
        assertThat(arm.awaitOperation(arm.call("PATCH", clusterId + API, keyPatch(arm.host.vaultUri(VAULT), keyName, ""))).json())
                .containsEntry("status", "Succeeded");
        assertThat(arm.awaitOperation(arm.call("PUT", ws.id + "/linkedServices/cluster" + LINK_API,
                "{\"properties\":{\"writeAccessResourceId\":\"" + clusterId + "\"}}")).json()).containsEntry("status", "Succeeded");
        // the customer disables the key before this instance ever unwrapped the cluster's AEK
        ClusterArm.Reply disabled = arm.call("PATCH", URI.create(arm.host.vaultUri(VAULT) + "keys/" + keyName + "/" + version
                + "?api-version=7.4"), arm.host.token(arm.client, io.keyward.app.identity.Audiences.KEY_VAULT),
                "{\"attributes\":{\"enabled\":false}}");
        assertThat(disabled.status()).as(disabled.text()).isEqualTo(200);

        ClusterArm.Reply refused = ingest(arm, ws.customerId, "Revoked_CL", null, "[{\"msg\":\"a\"},{\"msg\":\"b\"}]");
        ClusterArm.assertError(refused, 403, "CustomerManagedKeyInaccessible", "records were dropped");
        assertThat(queryDb("SELECT dropped FROM data_dropped_records WHERE customer_id = ?::uuid AND table_name = 'Revoked_CL'",
                ws.customerId, Long.class)).isEqualTo(2L);
        assertThat(queryDb("SELECT count(*) FROM data_blocks WHERE customer_id = ?::uuid", ws.customerId, Long.class)).isZero();
    }

    @Test
    void theKeyHealthPollRevokesADisabledKeyAndRestoresItWhenEnabledAgain() throws Exception {
        String sub = sub();
        Workspace ws = workspace(sub);
        String clusterId = cluster(sub, "rg1", name("cl"));
        ClusterArm.Reply created = arm.call("PUT", clusterId + API, body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String clusterUuid = (String) created.properties().get("clusterId");
        arm.grant(VAULT_SUBSCRIPTION, VAULT, (String) created.map("identity").get("principalId"), "get", "wrapKey", "unwrapKey");
        String keyName = name("k");
        String version = arm.createKey(VAULT, keyName, 2048);
        assertThat(arm.awaitOperation(arm.call("PATCH", clusterId + API, keyPatch(arm.host.vaultUri(VAULT), keyName, ""))).json())
                .containsEntry("status", "Succeeded");
        assertThat(arm.awaitOperation(arm.call("PUT", ws.id + "/linkedServices/cluster" + LINK_API,
                "{\"properties\":{\"writeAccessResourceId\":\"" + clusterId + "\"}}")).json()).containsEntry("status", "Succeeded");
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(1));
        assertThat(ingest(arm, ws.customerId, "Health_CL", "ts", records("kept", t0, 2)).json()).containsEntry("key", "cluster");
        assertThat(arm.pollKeyState(clusterUuid, "Accessible")).isEqualTo("Accessible");
        assertThat(rows(query(arm, ws.customerId, "table=Health_CL&timespan=PT2H"))).hasSize(2);

        assertThat(setKeyEnabled(keyName, version, false).status()).isEqualTo(200);
        // the AEK is still cached on this instance: only the poll notices the revocation
        assertThat(arm.pollKeyState(clusterUuid, "Revoked")).isEqualTo("Revoked");
        Map<String, Object> revokedGet = arm.call("GET", clusterId + API, null).properties();
        assertThat(revokedGet).containsEntry("keyState", "Revoked").containsKey("lastSuccessfulKeyUnwrap");
        assertThat((String) revokedGet.get("lastKeyError")).contains("answered 403");
        assertThat(queryDb("SELECT last_error FROM cmk_key_health WHERE resource_uuid = ?::uuid", clusterUuid, String.class))
                .contains("answered 403");
        ClusterArm.Reply refused = query(arm, ws.customerId, "table=Health_CL&timespan=PT2H");
        ClusterArm.assertError(refused, 403, "CustomerManagedKeyInaccessible", "was revoked");
        ClusterArm.Reply dropped = ingest(arm, ws.customerId, "Health_CL", "ts", records("dropped", t0.plusSeconds(600), 3));
        ClusterArm.assertError(dropped, 403, "CustomerManagedKeyInaccessible", "records were dropped");
        assertThat(queryDb("SELECT dropped FROM data_dropped_records WHERE customer_id = ?::uuid AND table_name = 'Health_CL'",
                ws.customerId, Long.class)).isEqualTo(3L);
        assertThat(queryDb("SELECT sum(record_count) FROM data_blocks WHERE customer_id = ?::uuid", ws.customerId, Long.class))
                .isEqualTo(2L);

        assertThat(setKeyEnabled(keyName, version, true).status()).isEqualTo(200);
        assertThat(arm.pollKeyState(clusterUuid, "Accessible")).isEqualTo("Accessible");
        assertThat(rows(query(arm, ws.customerId, "table=Health_CL&timespan=PT2H"))).extracting(r -> r.get("msg"))
                .containsExactly("kept-1", "kept-0");
        assertThat(queryDb("SELECT last_error IS NULL AND last_successful_unwrap IS NOT NULL FROM cmk_key_health"
                + " WHERE resource_uuid = ?::uuid", clusterUuid, Boolean.class)).isTrue();
        Map<String, Object> restoredGet = arm.call("GET", clusterId + API, null).properties();
        assertThat(restoredGet).containsEntry("keyState", "Accessible").containsKey("lastSuccessfulKeyUnwrap")
                .doesNotContainKey("lastKeyError");
    }

    @Test
    void aBatchLargerThanABlockIsSplitIntoBlocksOfAtMost64KiB() throws Exception {
        Workspace ws = workspace(sub());
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(1));
        StringBuilder batch = new StringBuilder("[");
        String pad = "x".repeat(1000);
        for (int i = 0; i < 200; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"ts\":\"").append(t0.plusMillis(i)).append("\",\"n\":").append(i)
                    .append(",\"pad\":\"").append(pad).append("\"}");
        }
        ClusterArm.Reply in = ingest(arm, ws.customerId, "Big_CL", "ts", batch.append("]").toString());
        assertThat(in.status()).as(in.text()).isEqualTo(200);
        assertThat((Integer) in.json().get("blocks")).isGreaterThanOrEqualTo(4);
        assertThat(queryDb("SELECT max(length(sealed)) FROM data_blocks WHERE customer_id = ?::uuid", ws.customerId, Integer.class))
                .isLessThanOrEqualTo(65536 + 33);
        List<Map<String, Object>> rows = rows(query(arm, ws.customerId, "table=Big_CL&limit=150"));
        assertThat(rows).hasSize(150);
        assertThat(rows.get(0).get("n")).isEqualTo(199);
        assertThat(rows.get(149).get("n")).isEqualTo(50);
    }

    @Test
    void aQueryOverMoreBlocksThanAPageReadsThemNewestFirstAcrossPages() throws Exception {
        Workspace ws = workspace(sub());
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(3));
        // 40 ingests of one record each: 40 blocks, more than two of the query's 16-block pages
        for (int i = 0; i < 40; i++) {
            assertThat(ingest(arm, ws.customerId, "Paged_CL", "ts", "[{\"ts\":\"" + t0.plusSeconds(60L * i) + "\",\"msg\":\"m" + i
                    + "\"}]").status()).isEqualTo(200);
        }
        assertThat(queryDb("SELECT count(*) FROM data_blocks WHERE customer_id = ?::uuid", ws.customerId, Long.class)).isEqualTo(40L);
        List<Object> newest = rows(query(arm, ws.customerId, "table=Paged_CL&timespan=PT4H&limit=25")).stream().map(r -> r.get("msg")).toList();
        List<Object> expected = new ArrayList<>();
        for (int i = 39; i >= 15; i--) {
            expected.add("m" + i);
        }
        assertThat(newest).isEqualTo(expected);
        assertThat(rows(query(arm, ws.customerId, "table=Paged_CL&timespan=PT4H&limit=1000"))).hasSize(40);
        // a window in the middle: blocks 5..34 by time, crossing page boundaries from either end
        assertThat(rows(query(arm, ws.customerId, "table=Paged_CL&limit=1000&from=" + enc(t0.plusSeconds(300).toString()) + "&to="
                + enc(t0.plusSeconds(60L * 34).toString())))).extracting(r -> r.get("msg")).hasSize(30).first().isEqualTo("m34");
    }

    // --- helpers

    private static ClusterArm.Reply setKeyEnabled(String keyName, String version, boolean enabled) throws Exception {
        return arm.call("PATCH", URI.create(arm.host.vaultUri(VAULT) + "keys/" + keyName + "/" + version + "?api-version=7.4"),
                arm.host.token(arm.client, io.keyward.app.identity.Audiences.KEY_VAULT),
                "{\"attributes\":{\"enabled\":" + enabled + "}}");
    }


    private record Workspace(String id, String customerId) {
    }

    private static Workspace workspace(String sub) throws Exception {
        String id = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.OperationalInsights/workspaces/" + name("ws");
        ClusterArm.Reply put = arm.call("PUT", id + WS_API, "{\"location\":\"westeurope\"}");
        assertThat(put.status()).as(put.text()).isEqualTo(201);
        return new Workspace(id, (String) put.properties().get("customerId"));
    }

    private static String records(String prefix, Instant first, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("{\"ts\":\"" + first.plusSeconds(60L * i) + "\",\"msg\":\"" + prefix + "-" + i + "\",\"level\":" + i + "}");
        }
        return "[" + String.join(",", out) + "]";
    }

    private static ClusterArm.Reply ingest(ClusterArm as, String workspaceId, String table, String timeField, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(as.host.baseUri().resolve("/api/workspaces/" + workspaceId + "/logs"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + as.armToken()).header("Log-Type", table).timeout(Duration.ofSeconds(60));
        if (timeField != null) {
            b.header("time-generated-field", timeField);
        }
        return reply(as.host.http().send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    private static ClusterArm.Reply query(ClusterArm as, String workspaceId, String params) throws Exception {
        return as.call("GET", URI.create(as.host.baseUri() + "/api/workspaces/" + workspaceId + "/logs?" + params), as.armToken(), null);
    }

    private static ClusterArm.Reply reply(HttpResponse<String> r) throws Exception {
        Map<String, Object> parsed = r.body() == null || !r.body().trim().startsWith("{") ? Map.of()
                : json.readValue(r.body(), Argument.mapOf(String.class, Object.class));
        return new ClusterArm.Reply(r.statusCode(), r.body(), parsed, r.headers());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(ClusterArm.Reply q) {
        assertThat(q.status()).as(q.text()).isEqualTo(200);
        return (List<Map<String, Object>>) q.json().get("records");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static <T> T queryDb(String sql, String customerId, Class<T> type) throws Exception {
        return arm.query(sql, customerId, type);
    }

    /** The sealed bytes as PostgreSQL holds them contain none of the records' text. */
    private static void assertNoPlaintext(String customerId, String marker) throws Exception {
        var db = arm.host.host().database();
        byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
        int blocks = 0;
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("SELECT sealed FROM data_blocks WHERE customer_id = ?::uuid")) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String text = new String(rs.getBytes(1), StandardCharsets.ISO_8859_1);
                    assertThat(text).doesNotContain(new String(needle, StandardCharsets.ISO_8859_1)).doesNotContain("TimeGenerated");
                    blocks++;
                }
            }
        }
        assertThat(blocks).isPositive();
    }
}
