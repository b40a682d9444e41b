package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The data plane's ingest and query calls, and the key-health poll, as tests drive them on the local host. */
final class Logs {

    static final String WS_API = "?api-version=2022-10-01";
    static final String LINK_API = "?api-version=2020-08-01";

    private final ClusterArm arm;
    private final JsonMapper json;

    Logs(ClusterArm arm) {
        this.arm = arm;
        this.json = arm.host.bean(JsonMapper.class);
    }

    record Workspace(String id, String customerId) {
    }

    Workspace workspace(String sub) throws Exception {
        String id = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.OperationalInsights/workspaces/" + ClusterArm.name("ws");
        ClusterArm.Reply put = arm.call("PUT", id + WS_API, "{\"location\":\"westeurope\"}");
        assertThat(put.status()).as(put.text()).isEqualTo(201);
        return new Workspace(id, (String) put.properties().get("customerId"));
    }

    void link(Workspace ws, String clusterId) throws Exception {
        ClusterArm.Reply linked = arm.awaitOperation(arm.call("PUT", ws.id() + "/linkedServices/cluster" + LINK_API,
                "{\"properties\":{\"writeAccessResourceId\":\"" + clusterId + "\"}}"));
        assertThat(linked.json()).as(linked.text()).containsEntry("status", "Succeeded");
    }

    /** A cluster bound to its key, a workspace linked to it, and two records under the cluster's key from {@code t0}. */
    record KeyedCluster(String clusterId, String clusterUuid, String principalId, Workspace ws, Instant t0) {
    }

    /**
     * A Log Analytics cluster in a new subscription whose identity may get, wrapKey and unwrapKey in {@code vault}, bound
     * to {@code keyName} at {@code keyVersion} ("" = latest), a workspace linked to it, and records {@code prefix}-0 and -1
     * in {@code table} from an hour ago.
     */
    KeyedCluster keyedCluster(String vaultSubscription, String vault, String keyName, String keyVersion, String table, String prefix)
            throws Exception {
        return keyedCluster(vaultSubscription, vault, keyName, keyVersion, table, prefix, "");
    }

    /** {@link #keyedCluster} created with {@code properties} (the members of the create's properties object). */
    KeyedCluster keyedCluster(String vaultSubscription, String vault, String keyName, String keyVersion, String table, String prefix,
                              String properties) throws Exception {
        String sub = ClusterArm.sub();
        Workspace ws = workspace(sub);
        String clusterId = ClusterArm.cluster(sub, "rg1", ClusterArm.name("cl"));
        ClusterArm.Reply created = arm.call("PUT", clusterId + ClusterArm.API, ClusterArm.body("westeurope", 1000, properties));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String principalId = (String) created.map("identity").get("principalId");
        arm.grant(vaultSubscription, vault, principalId, "get", "wrapKey", "unwrapKey");
        assertThat(arm.awaitOperation(arm.call("PATCH", clusterId + ClusterArm.API,
                ClusterArm.keyPatch(arm.host.vaultUri(vault), keyName, keyVersion))).json()).containsEntry("status", "Succeeded");
        link(ws, clusterId);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(1));
        assertThat(ingest(ws.customerId(), table, "ts", records(prefix, t0, 2)).json()).containsEntry("key", "cluster");
        return new KeyedCluster(clusterId, (String) created.properties().get("clusterId"), principalId, ws, t0);
    }

    /** {@code n} records {"ts", "msg": prefix-i} one minute apart from {@code first}. */
    static String records(String prefix, Instant first, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("{\"ts\":\"" + first.plusSeconds(60L * i) + "\",\"msg\":\"" + prefix + "-" + i + "\",\"level\":" + i + "}");
        }
        return "[" + String.join(",", out) + "]";
    }

    ClusterArm.Reply ingest(String customerId, String table, String timeField, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(arm.host.baseUri().resolve("/api/workspaces/" + customerId + "/logs"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + arm.armToken()).header("Log-Type", table).timeout(Duration.ofSeconds(60));
        if (timeField != null) {
            b.header("time-generated-field", timeField);
        }
        HttpResponse<String> r = arm.host.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Object> parsed = r.body() == null || !r.body().trim().startsWith("{") ? Map.of()
                : json.readValue(r.body(), Argument.mapOf(String.class, Object.class));
        return new ClusterArm.Reply(r.statusCode(), r.body(), parsed, r.headers());
    }

    ClusterArm.Reply query(String customerId, String params) throws Exception {
        return arm.call("GET", URI.create(arm.host.baseUri() + "/api/workspaces/" + customerId + "/logs?" + params), arm.armToken(), null);
    }

    /** The {@code msg} of each record a successful query returned, in order. */
    @SuppressWarnings("unchecked")
    List<Object> messages(String customerId, String params) throws Exception {
        ClusterArm.Reply q = query(customerId, params);
        assertThat(q.status()).as(q.text()).isEqualTo(200);
        return ((List<Map<String, Object>>) q.json().get("records")).stream().map(r -> r.get("msg")).toList();
    }
}
