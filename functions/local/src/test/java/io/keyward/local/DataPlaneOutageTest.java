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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A vault outage end to end on the local host (SoftHSM2, PostgreSQL), docs/data-plane-outages.md. Keyward's own vaults
 * are called in process and cannot be unreachable, so the cluster's key is in a remote vault (docs/remote-vaults.md):
 * the host's vault reached over TCP and TLS through {@link VaultRelay}, which is made unreachable for real (its port
 * closed: stopped; accepting and never answering: time-outs) inside and beyond the grace period
 * ({@code keyward.keyhealth.outage-grace}, 10 minutes: the test moves the outage's start back on the database clock),
 * then back. Every record sent is counted in and out.
 */
class DataPlaneOutageTest {

    /** the remote vault entry serves this tenant's resources only */
    private static final String TENANT = TestHost.REMOTE_VAULT_TENANT;
    private static final String VAULT_SUBSCRIPTION = "e0000000-0000-4000-8000-0000000005e1";
    private static final String VAULT = "kwoutage1";
    private static final String WS_API = "?api-version=2022-10-01";
    private static final String LINK_API = "?api-version=2020-08-01";

    private static ClusterArm arm;
    private static JsonMapper json;
    private static VaultRelay vault;

    @BeforeAll
    static void setUp() throws Exception {
        arm = new ClusterArm(TENANT, "outage-test").owning(VAULT_SUBSCRIPTION);
        arm.putVault(VAULT_SUBSCRIPTION, VAULT, TestHost.REMOTE_VAULT_LOCATION, true);
        // the principal the remote vault sees is the remote entry's credential, not the cluster's identity
        arm.grant(VAULT_SUBSCRIPTION, VAULT, arm.host.remoteVaultPrincipal(), "get", "wrapKey", "unwrapKey");
        json = arm.host.bean(JsonMapper.class);
        vault = arm.host.relay();
    }

    @AfterEach
    void vaultBack() throws Exception {
        vault.restore();
    }

    @Test
    void aVaultOutageInsideAndBeyondTheGracePeriodLosesNoRecord() throws Exception {
        Linked l = linkedWorkspace();
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(1));
        List<String> sent = new ArrayList<>();

        assertThat(ingested(l, "before", t0, 3, sent).json()).containsEntry("key", "cluster");
        assertThat(arm.pollKeyState(l.clusterUuid, "Accessible")).isEqualTo("Accessible");

        // 1. the vault is stopped: its port is closed (connection refused)
        vault.stop();
        assertThat(arm.pollKeyState(l.clusterUuid, "Unavailable")).isEqualTo("Unavailable");
        assertThat(db("SELECT last_error FROM cmk_key_health WHERE resource_uuid = ?::uuid", l.clusterUuid, String.class))
                .contains("could not be reached");
        assertThat(db("SELECT unavailable_since IS NOT NULL FROM cmk_key_health WHERE resource_uuid = ?::uuid", l.clusterUuid,
                Boolean.class)).isTrue();
        assertThat(arm.call("GET", l.clusterId + API, null).properties()).containsEntry("keyState", "Unavailable");
        // within the grace period the cached AEK keeps both ways working
        ClusterArm.Reply during = ingested(l, "stopped", t0.plusSeconds(600), 2, sent);
        assertThat(during.json()).containsEntry("key", "cluster").doesNotContainKey("buffered");
        assertThat(messages(l)).containsExactlyInAnyOrderElementsOf(sent);

        // 2. the vault times out: its port accepts and never answers
        vault.blackHole();
        int before = vault.swallowed();
        assertThat(arm.pollKeyState(l.clusterUuid, "Unavailable")).isEqualTo("Unavailable");
        assertThat(vault.swallowed()).as("the poller's unwrap reached the black hole").isGreaterThan(before);
        assertThat(ingested(l, "timeout", t0.plusSeconds(1200), 2, sent).json()).containsEntry("key", "cluster");
        assertThat(messages(l)).containsExactlyInAnyOrderElementsOf(sent);

        // 3. beyond the grace period: queries fail clearly, ingestion is buffered under the platform key
        outageStartedAgo("11 minutes", l.clusterUuid);
        ClusterArm.Reply refusedQuery = query(l, "limit=100");
        ClusterArm.assertError(refusedQuery, 503, "KeyVaultUnavailable", "grace period");
        assertThat(refusedQuery.text()).doesNotContain("Exception");
        ClusterArm.Reply buffered = ingested(l, "buffered", t0.plusSeconds(1800), 4, sent);
        assertThat(buffered.json()).containsEntry("key", "platform").containsEntry("buffered", true);
        assertThat(ingested(l, "buffered-more", t0.plusSeconds(2400), 1, sent).json()).containsEntry("buffered", true);
        assertThat(db("SELECT sum(record_count) FROM data_blocks WHERE customer_id = ?::uuid AND key_kind = 'platform'"
                + " AND pending_cluster_id IS NOT NULL", l.customerId, Long.class)).isEqualTo(5L);
        // the buffered records are the cluster's data: not shown while its own data cannot be read
        ClusterArm.assertError(query(l, "from=" + t0.plusSeconds(1790) + "&to=" + t0.plusSeconds(2500)), 503,
                "KeyVaultUnavailable", null);

        // 4. beyond the outage buffer too: refused with 503, nothing stored, nothing counted as dropped
        outageStartedAgo("24 hours 11 minutes", l.clusterUuid);
        long blocks = db("SELECT count(*) FROM data_blocks WHERE customer_id = ?::uuid", l.customerId, Long.class);
        ClusterArm.Reply refused = ingest(l, records("refused", t0.plusSeconds(3000), 2));
        ClusterArm.assertError(refused, 503, "KeyVaultUnavailable", "not stored");
        assertThat(db("SELECT count(*) FROM data_blocks WHERE customer_id = ?::uuid", l.customerId, Long.class)).isEqualTo(blocks);
        outageStartedAgo("11 minutes", l.clusterUuid);

        // 5. the vault is back: the next check re-seals every buffered block under the cluster's key
        vault.restore();
        assertThat(arm.pollKeyState(l.clusterUuid, "Accessible")).isEqualTo("Accessible");
        assertThat(db("SELECT unavailable_since IS NULL FROM cmk_key_health WHERE resource_uuid = ?::uuid", l.clusterUuid,
                Boolean.class)).isTrue();
        assertThat(db("SELECT count(*) FROM data_blocks WHERE customer_id = ?::uuid AND (key_kind <> 'cluster'"
                + " OR pending_cluster_id IS NOT NULL OR cluster_id <> ?::uuid)", l.customerId, l.clusterUuid, Long.class)).isZero();
        assertThat(db("SELECT sum(record_count) FROM data_blocks WHERE customer_id = ?::uuid", l.customerId, Long.class))
                .isEqualTo((long) sent.size());
        assertThat(sent).hasSize(12);
        assertThat(messages(l)).containsExactlyInAnyOrderElementsOf(sent);
        assertThat(db("SELECT count(*) FROM data_dropped_records WHERE customer_id = ?::uuid", l.customerId, Long.class)).isZero();
        assertNoPlaintext(l.customerId, "buffered");
    }

    @Test
    void reSealingIsResumableABlockLockedMidwayStaysPendingAndReadableUntilTheNextCheck() throws Exception {
        Linked l = linkedWorkspace();
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(1));
        List<String> sent = new ArrayList<>();
        ingested(l, "cached", t0, 1, sent);
        assertThat(arm.pollKeyState(l.clusterUuid, "Accessible")).isEqualTo("Accessible");

        vault.stop();
        assertThat(arm.pollKeyState(l.clusterUuid, "Unavailable")).isEqualTo("Unavailable");
        outageStartedAgo("11 minutes", l.clusterUuid);
        for (int i = 0; i < 3; i++) {
            assertThat(ingested(l, "batch" + i, t0.plusSeconds(600L * (i + 1)), 2, sent).json()).containsEntry("buffered", true);
        }
        vault.restore();

        var db = arm.host.host().database();
        try (Connection held = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
            // another re-sealer's transaction (or one that crashed and is not rolled back yet) holds one block
            held.setAutoCommit(false);
            String lockedId;
            try (PreparedStatement ps = held.prepareStatement("SELECT block_id::text FROM data_blocks WHERE customer_id = ?::uuid"
                    + " AND pending_cluster_id IS NOT NULL ORDER BY block_id LIMIT 1 FOR UPDATE")) {
                ps.setString(1, l.customerId);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    lockedId = rs.getString(1);
                }
            }
            assertThat(arm.pollKeyState(l.clusterUuid, "Accessible")).isEqualTo("Accessible");
            assertThat(db("SELECT string_agg(block_id::text, ',') FROM data_blocks WHERE customer_id = ?::uuid"
                    + " AND pending_cluster_id IS NOT NULL", l.customerId, String.class)).isEqualTo(lockedId);
            // still under the platform key and readable beside the rest: nothing is missing meanwhile
            held.rollback();
        }
        assertThat(messages(l)).containsExactlyInAnyOrderElementsOf(sent);
        assertThat(arm.pollKeyState(l.clusterUuid, "Accessible")).isEqualTo("Accessible");
        assertThat(db("SELECT count(*) FROM data_blocks WHERE customer_id = ?::uuid AND pending_cluster_id IS NOT NULL",
                l.customerId, Long.class)).isZero();
        assertThat(db("SELECT sum(record_count) FROM data_blocks WHERE customer_id = ?::uuid AND key_kind = 'cluster'",
                l.customerId, Long.class)).isEqualTo((long) sent.size());
        assertThat(messages(l)).containsExactlyInAnyOrderElementsOf(sent);
    }

    /** Moves the outage's start back on the database clock (what the grace period is measured by). */
    private static void outageStartedAgo(String interval, String clusterUuid) throws Exception {
        assertThat(arm.query("UPDATE cmk_key_health SET unavailable_since = clock_timestamp() - interval '" + interval + "'"
                + " WHERE resource_uuid = ?::uuid AND key_state = 'Unavailable' RETURNING 1", clusterUuid, Integer.class)).isEqualTo(1);
    }

    // --- helpers

    private record Linked(String clusterId, String clusterUuid, String workspaceId, String customerId) {
    }

    /** A workspace linked to a new cluster whose key is in {@link #VAULT}, reached as a remote vault. */
    private static Linked linkedWorkspace() throws Exception {
        String sub = sub();
        String wsId = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.OperationalInsights/workspaces/" + name("ws");
        ClusterArm.Reply ws = arm.call("PUT", wsId + WS_API, "{\"location\":\"westeurope\"}");
        assertThat(ws.status()).as(ws.text()).isEqualTo(201);
        String clusterId = cluster(sub, "rg1", name("cl"));
        ClusterArm.Reply created = arm.call("PUT", clusterId + API, body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String keyName = name("k");
        arm.createKey(VAULT, keyName, 2048);
        ClusterArm.Reply keyed = arm.awaitOperation(arm.call("PATCH", clusterId + API, keyPatch(arm.host.remoteVaultUri(VAULT), keyName, "")));
        assertThat(keyed.json()).as(keyed.text()).containsEntry("status", "Succeeded");
        assertThat(arm.query("SELECT key_id FROM cmk_aeks WHERE resource_uuid = ?::uuid", (String) created.properties().get("clusterId"),
                String.class)).as("the key id names the remote vault's port").startsWith(arm.host.remoteVaultUri(VAULT) + "keys/");
        ClusterArm.Reply linked = arm.awaitOperation(arm.call("PUT", wsId + "/linkedServices/cluster" + LINK_API,
                "{\"properties\":{\"writeAccessResourceId\":\"" + clusterId + "\"}}"));
        assertThat(linked.json()).as(linked.text()).containsEntry("status", "Succeeded");
        return new Linked(clusterId, (String) created.properties().get("clusterId"), wsId, (String) ws.properties().get("customerId"));
    }

    /** Ingests {@code n} records that must be accepted, adding their messages to {@code sent}. */
    private static ClusterArm.Reply ingested(Linked l, String prefix, Instant first, int n, List<String> sent) throws Exception {
        ClusterArm.Reply r = ingest(l, records(prefix, first, n));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        assertThat(r.json()).containsEntry("records", n);
        for (int i = 0; i < n; i++) {
            sent.add(prefix + "-" + i);
        }
        return r;
    }

    private static String records(String prefix, Instant first, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("{\"ts\":\"" + first.plusSeconds(60L * i) + "\",\"msg\":\"" + prefix + "-" + i + "\"}");
        }
        return "[" + String.join(",", out) + "]";
    }

    private static ClusterArm.Reply ingest(Linked l, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(arm.host.baseUri().resolve("/api/workspaces/" + l.customerId + "/logs"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + arm.armToken()).header("Log-Type", "Outage_CL")
                .header("time-generated-field", "ts").timeout(Duration.ofSeconds(60)).build();
        HttpResponse<String> r = arm.host.http().send(request, HttpResponse.BodyHandlers.ofString());
        Map<String, Object> parsed = r.body() == null || !r.body().trim().startsWith("{") ? Map.of()
                : json.readValue(r.body(), Argument.mapOf(String.class, Object.class));
        return new ClusterArm.Reply(r.statusCode(), r.body(), parsed, r.headers());
    }

    private static ClusterArm.Reply query(Linked l, String params) throws Exception {
        return arm.call("GET", URI.create(arm.host.baseUri() + "/api/workspaces/" + l.customerId + "/logs?table=Outage_CL&" + params),
                arm.armToken(), null);
    }

    /** Every record's message, by a query that must succeed. */
    @SuppressWarnings("unchecked")
    private static List<String> messages(Linked l) throws Exception {
        ClusterArm.Reply q = query(l, "limit=1000");
        assertThat(q.status()).as(q.text()).isEqualTo(200);
        return ((List<Map<String, Object>>) q.json().get("records")).stream().map(r -> (String) r.get("msg")).toList();
    }


    private static <T> T db(String sql, String param, Class<T> type) throws Exception {
        return arm.query(sql, param, type);
    }

    private static <T> T db(String sql, String first, String second, Class<T> type) throws Exception {
        var db = arm.host.host().database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, first);
            ps.setString(2, second);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1, type) : null;
            }
        }
    }

    /** The sealed bytes as PostgreSQL holds them contain none of the records' text. */
    private static void assertNoPlaintext(String customerId, String marker) throws Exception {
        var db = arm.host.host().database();
        int blocks = 0;
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("SELECT sealed FROM data_blocks WHERE customer_id = ?::uuid")) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    assertThat(new String(rs.getBytes(1), StandardCharsets.ISO_8859_1)).doesNotContain(marker).doesNotContain("TimeGenerated");
                    blocks++;
                }
            }
        }
        assertThat(blocks).isPositive();
    }
}
