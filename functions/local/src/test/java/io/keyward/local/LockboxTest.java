package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.micronaut.json.JsonMapper;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Customer Lockbox on the local host, on real PostgreSQL: a support principal (a principal of the operator's tenant) is
 * refused a workspace's data without a request; an approved request allows exactly its workspace, for queries, for its
 * time; denied and expired requests refuse; a tenant that has not opted in has its requests approved at once; every
 * request, decision and access is recorded and listed for the customer.
 */
class LockboxTest {

    private static final String API = "?api-version=2018-02-28-preview";
    /** the operator's tenant (keyward.identity.default-tenant): its principals are the support principals */
    private static final String SUPPORT_TENANT = "00000000-0000-0000-0000-00000000a11c";
    private static final String TABLE = "Lockbox_CL";

    private static TestHost host;
    private static String operatorToken;
    private static ClientCredentials support;
    private static String supportToken;

    @BeforeAll
    static void principals() throws Exception {
        host = TestHost.get();
        Map<?, ?> operator = host.bean(JsonMapper.class).readValue(Files.readAllBytes(Path.of(
                "target/host-home-tests/.keyward/identity/operator.json")), Map.class);
        operatorToken = host.token(new ClientCredentials((String) operator.get("tenantId"), (String) operator.get("clientId"),
                (String) operator.get("clientSecret"), null), Audiences.ARM);
        support = host.newClient(SUPPORT_TENANT, "support engineer");
        supportToken = host.token(support, Audiences.ARM);
    }

    /** A customer tenant with a workspace holding two records, Lockbox on or off. */
    private record Customer(ClusterArm arm, Logs logs, String sub, Logs.Workspace ws) {
    }

    private static Customer customer(String tenant, boolean optIn) throws Exception {
        ClusterArm arm = new ClusterArm(tenant, "lockbox-customer");
        Logs logs = new Logs(arm);
        String sub = ClusterArm.sub();
        Logs.Workspace ws = logs.workspace(sub);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600);
        assertThat(logs.ingest(ws.customerId(), TABLE, "ts", Logs.records("lb", t0, 2)).status()).isEqualTo(200);
        ClusterArm.Reply set = arm.call("POST", URI.create(host.baseUri() + "/providers/Microsoft.CustomerLockbox/"
                + (optIn ? "enableLockbox" : "disableLockbox") + API), arm.armToken(), null);
        assertThat(set.status()).as(set.text()).isEqualTo(200);
        return new Customer(arm, logs, sub, ws);
    }

    private static ClusterArm.Reply raise(Customer c, Logs.Workspace ws, int hours) throws Exception {
        return c.arm().call("POST", URI.create(host.baseUri() + "/keyward/lockbox/requests"), operatorToken, "{\"workspaceResourceId\":\""
                + ws.id() + "\",\"supportPrincipalId\":\"" + support.principal().objectId() + "\",\"justification\":\"Ingestion delays,"
                + " case 123\",\"supportRequest\":\"123\",\"durationHours\":" + hours + "}");
    }

    private static ClusterArm.Reply supportQuery(Customer c, Logs.Workspace ws) throws Exception {
        return c.arm().call("GET", URI.create(host.baseUri() + "/api/workspaces/" + ws.customerId() + "/logs?table=" + TABLE
                + "&timespan=PT2H"), supportToken, null);
    }

    private static ClusterArm.Reply decide(Customer c, String requestId, String decision, String reason) throws Exception {
        return c.arm().call("POST", "/subscriptions/" + c.sub() + "/providers/Microsoft.CustomerLockbox/requests/" + requestId
                + "/updateApproval" + API, "{\"decision\":\"" + decision + "\"" + (reason == null ? "" : ",\"reason\":\"" + reason + "\"") + "}");
    }

    private static ClusterArm.Reply request(Customer c, String requestId) throws Exception {
        return c.arm().call("GET", "/subscriptions/" + c.sub() + "/providers/Microsoft.CustomerLockbox/requests/" + requestId + API, null);
    }

    @SuppressWarnings("unchecked")
    private static List<String> events(Customer c) throws Exception {
        ClusterArm.Reply r = c.arm().call("GET", "/subscriptions/" + c.sub() + "/providers/Microsoft.CustomerLockbox/events" + API, null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return ((List<Map<String, Object>>) r.json().get("value")).stream()
                .filter(e -> !"OptedIn".equals(e.get("kind")) && !"OptedOut".equals(e.get("kind")))
                .map(e -> e.get("kind") + ":" + e.get("principalObjectId")).toList();
    }

    @Test
    void supportIsRefusedWithoutARequestAndTheAttemptIsRecorded() throws Exception {
        Customer c = customer("f0000000-0000-4000-8000-0000000000d1", true);
        ClusterArm.assertError(supportQuery(c, c.ws()), 403, "AuthorizationFailed", null);
        // the customer's own access is untouched
        assertThat(c.logs().messages(c.ws().customerId(), "table=" + TABLE + "&timespan=PT2H")).containsExactly("lb-1", "lb-0");
        assertThat(events(c)).containsExactly("AccessRefused:" + support.principal().objectId());
        // another tenant's principal is not a support principal: refused, and nothing of it is recorded here
        ClusterArm stranger = new ClusterArm("f0000000-0000-4000-8000-0000000000d9", "stranger");
        ClusterArm.assertError(stranger.call("GET", URI.create(host.baseUri() + "/api/workspaces/" + c.ws().customerId() + "/logs?table="
                + TABLE + "&timespan=PT2H"), stranger.armToken(), null), 403, "AuthorizationFailed", null);
        assertThat(events(c)).hasSize(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void anApprovedRequestAllowsExactlyItsWorkspaceForItsTime() throws Exception {
        Customer c = customer("f0000000-0000-4000-8000-0000000000d2", true);
        Logs.Workspace other = c.logs().workspace(c.sub());
        ClusterArm.Reply opted = c.arm().call("GET", URI.create(host.baseUri() + "/providers/Microsoft.CustomerLockbox/tenantOptedIn/"
                + c.arm().tenant + API), c.arm().armToken(), null);
        assertThat(opted.json()).containsEntry("isOptedIn", true);

        ClusterArm.Reply raised = raise(c, c.ws(), 2);
        assertThat(raised.status()).as(raised.text()).isEqualTo(201);
        String id = (String) raised.properties().get("requestId");
        assertThat(raised.properties()).containsEntry("status", "Pending").containsEntry("duration", 2)
                .containsEntry("requestedResourceIds", List.of(c.ws().id())).containsEntry("supportRequest", "123");
        assertThat(raised.json()).containsEntry("type", "requests").containsEntry("name", "LockboxRequest_" + id);
        // pending: still refused
        ClusterArm.assertError(supportQuery(c, c.ws()), 403, "AuthorizationFailed", null);
        ClusterArm.Reply pending = c.arm().call("GET", "/subscriptions/" + c.sub() + "/providers/Microsoft.CustomerLockbox/requests" + API
                + "&$filter=" + java.net.URLEncoder.encode("properties/status eq 'Pending'", java.nio.charset.StandardCharsets.UTF_8), null);
        assertThat(((List<Map<String, Object>>) pending.json().get("value"))).hasSize(1);

        ClusterArm.assertError(decide(c, id, "Approve", null), 400, "InvalidParameter", "reason");
        ClusterArm.Reply approved = decide(c, id, "Approve", "Case 123 needs it");
        assertThat(approved.status()).as(approved.text()).isEqualTo(200);
        assertThat(approved.json()).containsEntry("decision", "Approve").containsEntry("reason", "Case 123 needs it");
        assertThat(request(c, id).properties()).containsEntry("status", "Approved");

        // its scope: this workspace, queries only
        ClusterArm.Reply allowed = supportQuery(c, c.ws());
        assertThat(allowed.status()).as(allowed.text()).isEqualTo(200);
        assertThat(((List<Map<String, Object>>) allowed.json().get("records")).stream().map(r -> r.get("msg")).toList())
                .containsExactly("lb-1", "lb-0");
        ClusterArm.assertError(supportQuery(c, other), 403, "AuthorizationFailed", null);
        ClusterArm.Reply ingest = c.arm().call("POST", URI.create(host.baseUri() + "/api/workspaces/" + c.ws().customerId() + "/logs"),
                supportToken, Logs.records("support", Instant.now(), 1));
        assertThat(ingest.status()).as(ingest.text()).isEqualTo(403);
        // another support principal is not covered by a request naming this one
        ClusterArm.Reply colleague = c.arm().call("GET", URI.create(host.baseUri() + "/api/workspaces/" + c.ws().customerId()
                + "/logs?table=" + TABLE + "&timespan=PT2H"), host.token(host.newClient(SUPPORT_TENANT, "colleague"), Audiences.ARM), null);
        assertThat(colleague.status()).isEqualTo(403);

        // its time: once the access window is over, refused, and the request shows Expired
        c.arm().query("UPDATE lockbox_requests SET access_until = now() - interval '1 second', decided_at = now() - interval '2 hours'"
                + " WHERE request_id = ?::uuid RETURNING 1", id, Integer.class);
        ClusterArm.assertError(supportQuery(c, c.ws()), 403, "AuthorizationFailed", null);
        assertThat(request(c, id).properties()).containsEntry("status", "Expired");

        String s = support.principal().objectId();
        String me = c.arm().client.principal().objectId();
        assertThat(events(c)).startsWith("RequestRaised:" + operatorObjectId(), "AccessRefused:" + s, "Approved:" + me,
                "AccessAllowed:" + s).endsWith("AccessRefused:" + s);
        // another tenant cannot see or decide the customer's requests
        ClusterArm outsider = new ClusterArm("f0000000-0000-4000-8000-0000000000d8", "outsider");
        ClusterArm.assertError(outsider.call("POST", "/subscriptions/" + c.sub() + "/providers/Microsoft.CustomerLockbox/requests/" + id
                + "/updateApproval" + API, "{\"decision\":\"Deny\",\"reason\":\"x\"}"), 403, "AuthorizationFailed", null);
    }

    @Test
    void deniedAndExpiredRequestsRefuse() throws Exception {
        Customer c = customer("f0000000-0000-4000-8000-0000000000d3", true);
        String denied = (String) raise(c, c.ws(), 4).properties().get("requestId");
        ClusterArm.Reply deny = c.arm().call("POST", "/subscriptions/" + c.sub() + "/providers/Microsoft.CustomerLockbox/requests/" + denied
                + "/updateApproval" + API, "{\"status\":\"Deny\",\"reason\":\"Not needed\"}");
        assertThat(deny.status()).as(deny.text()).isEqualTo(200);
        assertThat(request(c, denied).properties()).containsEntry("status", "Denied");
        ClusterArm.assertError(supportQuery(c, c.ws()), 403, "AuthorizationFailed", null);
        ClusterArm.assertError(decide(c, denied, "Approve", "changed my mind"), 400, "BadRequest", "is Denied");

        String stale = (String) raise(c, c.ws(), 4).properties().get("requestId");
        c.arm().query("UPDATE lockbox_requests SET expires_at = now() - interval '1 second' WHERE request_id = ?::uuid RETURNING 1", stale,
                Integer.class);
        assertThat(request(c, stale).properties()).containsEntry("status", "Expired");
        ClusterArm.assertError(decide(c, stale, "Approve", "too late"), 400, "BadRequest", "is Expired");
        ClusterArm.assertError(supportQuery(c, c.ws()), 403, "AuthorizationFailed", null);
        ClusterArm.assertError(decide(c, stale, "Maybe", "x"), 400, "InvalidParameter", "Approve or Deny");
        ClusterArm.assertError(c.arm().call("POST", "/subscriptions/" + c.sub() + "/providers/Microsoft.CustomerLockbox/requests/" + stale
                + "/updateApproval" + API, "{\"decision\":\"Approve\",\"reason\":\"x\",\"until\":\"tomorrow\"}"), 400, "InvalidParameter",
                "'until'");
    }

    @Test
    void aTenantNotOptedInHasItsRequestsApprovedAtOnceAndOnlyTheOperatorRaisesThem() throws Exception {
        Customer c = customer("f0000000-0000-4000-8000-0000000000d4", false);
        ClusterArm.Reply opted = c.arm().call("GET", URI.create(host.baseUri() + "/providers/Microsoft.CustomerLockbox/tenantOptedIn/"
                + c.arm().tenant + API), c.arm().armToken(), null);
        assertThat(opted.json()).containsEntry("isOptedIn", false);
        ClusterArm.assertError(c.arm().call("GET", URI.create(host.baseUri() + "/providers/Microsoft.CustomerLockbox/tenantOptedIn/"
                + "f0000000-0000-4000-8000-0000000000d1" + API), c.arm().armToken(), null), 403, "AuthorizationFailed", null);

        ClusterArm.Reply raised = raise(c, c.ws(), 1);
        assertThat(raised.status()).as(raised.text()).isEqualTo(201);
        assertThat(raised.properties()).containsEntry("status", "Approved");
        assertThat(supportQuery(c, c.ws()).status()).isEqualTo(200);
        assertThat(events(c)).containsExactly("RequestRaised:" + operatorObjectId(), "AutoApproved:system",
                "AccessAllowed:" + support.principal().objectId());

        // the customer, not being an operator, cannot raise one; nor can a request name an unknown principal
        ClusterArm.assertError(c.arm().call("POST", URI.create(host.baseUri() + "/keyward/lockbox/requests"), c.arm().armToken(),
                "{\"workspaceResourceId\":\"" + c.ws().id() + "\",\"supportPrincipalId\":\"" + support.principal().objectId()
                + "\",\"justification\":\"x\"}"), 403, "AuthorizationFailed", "not a Keyward operator");
        ClusterArm.assertError(c.arm().call("POST", URI.create(host.baseUri() + "/keyward/lockbox/requests"), operatorToken,
                "{\"workspaceResourceId\":\"" + c.ws().id() + "\",\"supportPrincipalId\":\"" + c.arm().client.principal().objectId()
                + "\",\"justification\":\"x\"}"), 400, "InvalidParameter", "supportPrincipalId");
    }

    private static String operatorObjectId() throws Exception {
        Map<?, ?> operator = host.bean(JsonMapper.class).readValue(Files.readAllBytes(Path.of(
                "target/host-home-tests/.keyward/identity/operator.json")), Map.class);
        return (String) operator.get("objectId");
    }
}
