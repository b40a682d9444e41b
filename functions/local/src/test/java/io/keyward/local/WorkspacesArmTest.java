package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.keyward.app.workspaces.WorkspaceService;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ARM {@code Microsoft.OperationalInsights/workspaces} over HTTPS against the in-process host, and the link of a
 * workspace to a dedicated cluster ({@code linkedServices/cluster}) through the async operations, polled on their
 * {@code Azure-AsyncOperation} URL as ARM clients do. Each test works in fresh subscriptions and names.
 */
class WorkspacesArmTest {

    private static final String API = "?api-version=2022-10-01";
    private static final String LINK_API = "?api-version=2020-08-01";
    private static final String CLUSTER_API = "?api-version=2022-10-01";
    private static TestHost host;
    private static JsonMapper json;
    private static String tenant;
    private static String token;

    @BeforeAll
    static void start() {
        host = TestHost.get();
        json = host.bean(JsonMapper.class);
        tenant = UUID.randomUUID().toString();
        ClientCredentials client = host.newClient(tenant, "workspaces-arm-test");
        token = host.token(client, Audiences.ARM);
    }

    // --- workspaces

    @Test
    void createsReadsUpdatesListsAndDeletesAWorkspace() throws Exception {
        String sub = sub();
        String name = wsName();
        Reply put = call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"eastus\",\"tags\":{\"team\":\"a\"}}");
        assertThat(put.status).as(put.text).isEqualTo(201);
        assertThat(put.json.get("id")).isEqualTo(ws(sub, "rg1", name));
        assertThat(put.json.get("type")).isEqualTo("Microsoft.OperationalInsights/workspaces");
        assertThat(put.json.get("location")).isEqualTo("eastus");
        Map<String, Object> props = put.map("properties");
        String customerId = (String) props.get("customerId");
        assertThat(UUID.fromString(customerId).toString()).isEqualTo(customerId);
        assertThat(props).containsEntry("provisioningState", "Succeeded").containsEntry("retentionInDays", 30)
                .containsKeys("createdDate", "modifiedDate");
        assertThat(props.get("sku")).isEqualTo(Map.of("name", "PerGB2018"));
        assertThat(features(put)).doesNotContainKey("clusterResourceId");

        Reply again = call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"East US\",\"properties\":{\"retentionInDays\":60}}");
        assertThat(again.status).as(again.text).isEqualTo(200);
        assertThat(again.map("properties")).containsEntry("customerId", customerId).containsEntry("retentionInDays", 60);
        assertThat(again.json.get("tags")).isEqualTo(Map.of());

        Reply patch = call("PATCH", ws(sub, "rg1", name) + API, token,
                "{\"tags\":{\"env\":\"test\"},\"properties\":{\"retentionInDays\":730,\"sku\":{\"name\":\"pergb2018\"}}}");
        assertThat(patch.status).as(patch.text).isEqualTo(200);
        assertThat(patch.json.get("tags")).isEqualTo(Map.of("env", "test"));
        assertThat(patch.map("properties")).containsEntry("retentionInDays", 730);

        // Resource ids are case-insensitive.
        String upper = "/SUBSCRIPTIONS/" + sub.toUpperCase() + "/resourcegroups/RG1/providers/microsoft.operationalinsights/WORKSPACES/"
                + name.toUpperCase();
        Reply get = call("GET", upper + API, token, null);
        assertThat(get.status).as(get.text).isEqualTo(200);
        assertThat(get.json.get("id")).isEqualTo(ws(sub, "rg1", name));
        assertThat(get.map("properties")).containsEntry("customerId", customerId).containsEntry("retentionInDays", 730);

        // Lists: by group with paging, by subscription.
        List<String> inGroup = new ArrayList<>(List.of(name));
        for (int i = 0; i < 2; i++) {
            String n = wsName();
            assertThat(call("PUT", ws(sub, "rg1", n) + API, token, "{\"location\":\"eastus\"}").status).isEqualTo(201);
            inGroup.add(n);
        }
        String elsewhere = wsName();
        assertThat(call("PUT", ws(sub, "rg2", elsewhere) + API, token, "{\"location\":\"eastus\"}").status).isEqualTo(201);
        Reply first = call("GET", "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.OperationalInsights/workspaces"
                + API + "&$top=2", token, null);
        assertThat(names(first)).hasSize(2);
        String next = (String) first.json.get("nextLink");
        assertThat(next).startsWith(host.baseUri() + "/subscriptions/" + sub + "/resourceGroups/rg1/");
        Reply second = callUri("GET", URI.create(next), token, null);
        assertThat(second.json).doesNotContainKey("nextLink");
        List<String> all = new ArrayList<>(names(first));
        all.addAll(names(second));
        assertThat(all).containsExactlyInAnyOrderElementsOf(inGroup);
        List<String> everything = new ArrayList<>(inGroup);
        everything.add(elsewhere);
        assertThat(names(call("GET", "/subscriptions/" + sub + "/providers/Microsoft.OperationalInsights/workspaces" + API, token, null)))
                .containsExactlyInAnyOrderElementsOf(everything);

        // Delete is soft: the name is kept 14 days, and a PUT in the same location recovers the workspace.
        assertThat(call("DELETE", ws(sub, "rg1", name) + API, token, null).status).isEqualTo(200);
        assertThat(call("DELETE", ws(sub, "rg1", name) + API, token, null).status).isEqualTo(204);
        assertError(call("GET", ws(sub, "rg1", name) + API, token, null), 404, "ResourceNotFound", null);
        assertThat(names(call("GET", "/subscriptions/" + sub + "/providers/Microsoft.OperationalInsights/workspaces" + API, token, null)))
                .doesNotContain(name);
        assertError(call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"westeurope\"}"), 409, "ConflictError", null);
        Reply recovered = call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"eastus\"}");
        assertThat(recovered.status).as(recovered.text).isEqualTo(200);
        assertThat(recovered.map("properties")).containsEntry("customerId", customerId).containsEntry("retentionInDays", 730);

        // force=true deletes for good: the name is free and a new workspace gets a new customerId.
        assertThat(call("DELETE", ws(sub, "rg1", name) + API + "&force=true", token, null).status).isEqualTo(200);
        Reply fresh = call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"westeurope\"}");
        assertThat(fresh.status).as(fresh.text).isEqualTo(201);
        assertThat(fresh.map("properties").get("customerId")).isNotEqualTo(customerId);
    }

    @Test
    void refusesBadWorkspaceInputWithArmErrors() throws Exception {
        String sub = sub();
        for (int days : new int[] {29, 731, -1}) {
            assertError(call("PUT", ws(sub, "rg1", wsName()) + API, token,
                    "{\"location\":\"eastus\",\"properties\":{\"retentionInDays\":" + days + "}}"), 400, "InvalidParameter",
                    "properties.retentionInDays");
        }
        for (String bad : List.of("abc", "-abcd", "abcd-", "ab_cd", "a".repeat(64))) {
            assertError(call("PUT", ws(sub, "rg1", bad) + API, token, "{\"location\":\"eastus\"}"), 400, "InvalidParameter",
                    "workspaceName");
        }
        assertError(call("PUT", ws(sub, "rg1", wsName()) + API, token, "{\"properties\":{}}"), 400, "InvalidParameter", "location");
        assertError(call("PUT", ws(sub, "rg1", wsName()) + API, token, "{\"location\":\"eastus\",\"properties\":{\"sku\":{\"name\":\"Gold\"}}}"),
                400, "InvalidParameter", "properties.sku.name");
        assertError(call("PUT", ws(sub, "rg1", wsName()) + API, token,
                "{\"location\":\"eastus\",\"properties\":{\"sku\":{\"name\":\"LACluster\"}}}"), 400, "BadRequest", "properties.sku.name");
        assertError(call("PUT", ws(sub, "rg1", wsName()) + API, token, "{\"location\": \"eastus\", \"properties\": {"),
                400, "InvalidRequestContent", null);
        assertError(call("PUT", ws(sub, "rg1", wsName()) + API, token, "{\"location\":\"eastus\",\"properties\":{\"retentionInDays\":\"x\"}}"),
                400, "InvalidRequestContent", null);

        String name = wsName();
        assertThat(call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"eastus\"}").status).isEqualTo(201);
        assertError(call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"westeurope\"}"), 400, "InvalidParameter", "location");
        assertError(call("PATCH", ws(sub, "rg1", name) + API, token, "{\"properties\":{\"retentionInDays\":10}}"), 400,
                "InvalidParameter", "properties.retentionInDays");

        assertError(call("GET", ws(sub, "rg1", name), token, null), 400, "MissingApiVersionParameter", "api-version");
        assertError(call("GET", ws(sub, "rg1", name) + "?api-version=2099-01-01", token, null), 400, "InvalidApiVersionParameter", "api-version");
        assertError(call("GET", ws(sub, "rg1", wsName()) + API, token, null), 404, "ResourceNotFound", null);
        assertError(call("PATCH", ws(sub, "rg1", wsName()) + API, token, "{\"tags\":{}}"), 404, "ResourceNotFound", null);
        assertThat(call("DELETE", ws(sub, "rg1", wsName()) + API, token, null).status).isEqualTo(204);
        assertError(call("GET", ws("not-a-guid", "rg1", name) + API, token, null), 400, "InvalidSubscriptionId", "subscriptionId");
        assertThat(call("GET", ws(sub, "rg1", name) + API, null, null).status).isEqualTo(401);
    }

    @Test
    void anotherTenantIsRefusedAndSeesNothing() throws Exception {
        String sub = sub();
        String name = wsName();
        assertThat(call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"eastus\"}").status).isEqualTo(201);

        String other = host.token(host.newClient(UUID.randomUUID().toString(), "intruder"), Audiences.ARM);
        assertError(call("GET", ws(sub, "rg1", name) + API, other, null), 403, "AuthorizationFailed", null);
        assertError(call("GET", ws(sub, "rg1", wsName()) + API, other, null), 403, "AuthorizationFailed", null);
        assertError(call("PUT", ws(sub, "rg9", wsName()) + API, other, "{\"location\":\"eastus\"}"), 403, "AuthorizationFailed", null);
        assertError(call("PATCH", ws(sub, "rg1", name) + API, other, "{\"tags\":{}}"), 403, "AuthorizationFailed", null);
        assertError(call("DELETE", ws(sub, "rg1", name) + API, other, null), 403, "AuthorizationFailed", null);
        assertError(call("GET", "/subscriptions/" + sub + "/providers/Microsoft.OperationalInsights/workspaces" + API, other, null),
                403, "AuthorizationFailed", null);
        assertError(call("PUT", link(sub, "rg1", name) + LINK_API, other, linkBody(clusterId(sub, "rg1", "anycluster"))),
                403, "AuthorizationFailed", null);
        assertError(call("DELETE", link(sub, "rg1", name) + LINK_API, other, null), 403, "AuthorizationFailed", null);
        assertError(call("GET", link(sub, "rg1", name) + LINK_API, other, null), 403, "AuthorizationFailed", null);

        // A subscription nobody owns yet holds nothing: empty list, 404.
        String unowned = sub();
        assertThat(names(call("GET", "/subscriptions/" + unowned + "/providers/Microsoft.OperationalInsights/workspaces" + API, other, null)))
                .isEmpty();
        assertError(call("GET", ws(unowned, "rg1", name) + API, other, null), 404, "ResourceNotFound", null);
        assertThat(call("GET", ws(sub, "rg1", name) + API, token, null).status).isEqualTo(200);
    }

    // --- the cluster link

    @Test
    void linksAndUnlinksThroughAsyncOperations() throws Exception {
        String sub = sub();
        String cluster = provisionedCluster(sub, "eastus");
        String name = wsName();
        assertThat(call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"East US\"}").status).isEqualTo(201);
        assertError(call("GET", link(sub, "rg1", name) + LINK_API, token, null), 404, "ResourceNotFound", null);

        // The docs' own example spells the property WriteAccessResourceId; Azure takes either.
        Reply put = call("PUT", link(sub, "rg1", name) + LINK_API, token,
                "{\"properties\":{\"WriteAccessResourceId\":\"" + cluster.toLowerCase() + "\"}}");
        assertThat(put.status).as(put.text).isEqualTo(202);
        assertThat(put.headers.firstValue("Azure-AsyncOperation")).isPresent();
        assertThat(put.headers.firstValue("Location")).isPresent();
        assertThat(put.headers.firstValue("Retry-After")).isPresent();
        assertThat(put.json.get("id")).isEqualTo(ws(sub, "rg1", name) + "/linkedServices/cluster");
        assertThat(put.map("properties")).containsEntry("writeAccessResourceId", cluster);
        Map<String, Object> done = poll(put.headers.firstValue("Azure-AsyncOperation").orElseThrow());
        assertThat(done.get("status")).as(done.toString()).isEqualTo("Succeeded");
        // the finished PUT's Location answers the linked service itself (ARM RPC: 200 with the resource)
        Reply result = callUri("GET", URI.create(put.headers.firstValue("Location").orElseThrow()), token, null);
        assertThat(result.status).as(result.text).isEqualTo(200);
        assertThat(result.json.get("id")).isEqualTo(ws(sub, "rg1", name) + "/linkedServices/cluster");
        assertThat(result.map("properties")).containsEntry("writeAccessResourceId", cluster).containsEntry("provisioningState", "Succeeded");

        Reply linked = call("GET", ws(sub, "rg1", name) + API, token, null);
        assertThat(features(linked)).containsEntry("clusterResourceId", cluster);
        assertThat(linked.map("properties").get("sku")).isEqualTo(Map.of("name", "LACluster"));
        Reply service = call("GET", link(sub, "rg1", name) + LINK_API, token, null);
        assertThat(service.status).as(service.text).isEqualTo(200);
        assertThat(service.json.get("type")).isEqualTo("Microsoft.OperationalInsights/workspaces/linkedServices");
        assertThat(service.map("properties")).containsEntry("writeAccessResourceId", cluster).containsEntry("provisioningState", "Succeeded");
        assertThat(associatedWorkspaces(cluster)).contains(ws(sub, "rg1", name).toLowerCase());
        WorkspaceService workspaces = host.bean(WorkspaceService.class);
        assertThat(workspaces.linkedCluster(ws(sub, "RG1", name.toUpperCase()))).contains(cluster);

        // PUT is idempotent: linking to the same cluster again is no new operation (and counts against no limit).
        Reply same = call("PUT", link(sub, "rg1", name) + LINK_API, token, linkBody(cluster));
        assertThat(same.status).as(same.text).isEqualTo(200);
        // A PUT of the workspace keeps the link; a pricing tier other than the cluster's is refused while linked.
        Reply keep = call("PUT", ws(sub, "rg1", name) + API, token, linked.text);
        assertThat(keep.status).as(keep.text).isEqualTo(200);
        assertThat(features(keep)).containsEntry("clusterResourceId", cluster);
        assertError(call("PATCH", ws(sub, "rg1", name) + API, token, "{\"properties\":{\"sku\":{\"name\":\"PerGB2018\"}}}"),
                400, "BadRequest", "properties.sku.name");

        Reply unlink = call("DELETE", link(sub, "rg1", name) + LINK_API, token, null);
        assertThat(unlink.status).as(unlink.text).isEqualTo(202);
        Map<String, Object> unlinked = poll(unlink.headers.firstValue("Azure-AsyncOperation").orElseThrow());
        assertThat(unlinked.get("status")).as(unlinked.toString()).isEqualTo("Succeeded");
        Reply unlinkResult = callUri("GET", URI.create(unlink.headers.firstValue("Location").orElseThrow()), token, null);
        assertThat(unlinkResult.status).as("a finished delete's Location: 204").isEqualTo(204);
        Reply after = call("GET", ws(sub, "rg1", name) + API, token, null);
        assertThat(features(after)).doesNotContainKey("clusterResourceId");
        assertThat(after.map("properties").get("sku")).isEqualTo(Map.of("name", "PerGB2018"));
        assertError(call("GET", link(sub, "rg1", name) + LINK_API, token, null), 404, "ResourceNotFound", null);
        assertThat(associatedWorkspaces(cluster)).doesNotContain(ws(sub, "rg1", name).toLowerCase());
        assertThat(workspaces.linkedCluster(ws(sub, "rg1", name))).isEmpty();
        assertThat(call("DELETE", link(sub, "rg1", name) + LINK_API, token, null).status).isEqualTo(204);
    }

    @Test
    void linkRefusesMissingThingsWithTheDocumentedErrors() throws Exception {
        String sub = sub();
        String cluster = provisionedCluster(sub, "eastus");
        String name = wsName();
        assertThat(call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"eastus\"}").status).isEqualTo(201);

        Reply noWorkspace = call("PUT", link(sub, "rg1", wsName()) + LINK_API, token, linkBody(cluster));
        assertError(noWorkspace, 404, "ResourceNotFound", null);
        assertThat(noWorkspace.error().get("message")).isEqualTo("Workspace not found. The workspace you specified doesn't exist or was deleted.");
        assertError(call("DELETE", link(sub, "rg1", wsName()) + LINK_API, token, null), 404, "ResourceNotFound", null);

        Reply noCluster = call("PUT", link(sub, "rg1", name) + LINK_API, token, linkBody(clusterId(sub, "rg1", "nosuchcluster")));
        assertError(noCluster, 400, "BadRequest", "properties.writeAccessResourceId");
        assertThat(noCluster.error().get("message")).isEqualTo("Cluster not found, the cluster you specified doesn't exist or was deleted.");
        assertError(call("PUT", link(sub, "rg1", name) + LINK_API, token, linkBody("/subscriptions/" + sub + "/resourceGroups/rg1")),
                400, "InvalidParameter", "properties.writeAccessResourceId");
        assertError(call("PUT", link(sub, "rg1", name) + LINK_API, token, "{\"properties\":{}}"),
                400, "InvalidParameter", "properties.writeAccessResourceId");
        assertError(call("PUT", ws(sub, "rg1", name) + "/linkedServices/Automation" + LINK_API, token, linkBody(cluster)),
                400, "InvalidParameter", "linkedServiceName");

        // A cluster of another tenant is, to this caller, not there.
        String otherTenant = UUID.randomUUID().toString();
        String otherToken = host.token(host.newClient(otherTenant, "cluster-owner"), Audiences.ARM);
        String foreign = provisionedCluster(sub(), "eastus", otherToken);
        assertError(call("PUT", link(sub, "rg1", name) + LINK_API, token, linkBody(foreign)), 400, "BadRequest",
                "properties.writeAccessResourceId");

        // Clusters are regional.
        String westCluster = provisionedCluster(sub(), "westeurope");
        assertError(call("PUT", link(sub, "rg1", name) + LINK_API, token, linkBody(westCluster)), 400, "BadRequest",
                "properties.writeAccessResourceId");
    }

    @Test
    void linksOnlyToAClusterWhoseProvisioningCompleted() throws Exception {
        String sub = sub();
        String cluster = provisionedCluster(sub, "eastus");
        String name = wsName();
        assertThat(call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"eastus\"}").status).isEqualTo(201);
        // Keyward provisions a cluster at once; a cluster still provisioning is what Azure has for hours after a create.
        for (String state : List.of("Creating", "Updating", "Failed")) {
            setClusterState(cluster, state);
            try {
                Reply early = call("PUT", link(sub, "rg1", name) + LINK_API, token, linkBody(cluster));
                assertError(early, 400, "BadRequest", "properties.writeAccessResourceId");
                assertThat(early.error().get("message")).asString().contains("only after the completion of the Log Analytics cluster"
                        + " provisioning").contains(state);
            } finally {
                setClusterState(cluster, "Succeeded");
            }
        }
        // A refused link is no link operation: both of the 30-day allowance are still there.
        linkAndWait(sub, name, cluster);
        unlinkAndWait(sub, name);
        linkAndWait(sub, name, cluster);
    }

    @Test
    void aLinkedWorkspaceCannotBeLinkedToAnotherClusterAndNothingRunsTwiceAtOnce() throws Exception {
        String sub = sub();
        String first = provisionedCluster(sub, "eastus");
        String second = provisionedCluster(sub(), "eastus");
        String name = wsName();
        assertThat(call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"eastus\"}").status).isEqualTo(201);
        linkAndWait(sub, name, first);

        Reply other = call("PUT", link(sub, "rg1", name) + LINK_API, token, linkBody(second));
        assertError(other, 400, "BadRequest", "properties.writeAccessResourceId");
        assertThat(other.error().get("message")).asString().contains("already linked");

        // While a link or unlink runs, the workspace refuses another one and its deletion (409). A test cannot hold
        // a real operation open at a chosen moment, so it marks one as running the way the service does.
        markOperationRunning(sub, name);
        try {
            Reply busy = call("DELETE", link(sub, "rg1", name) + LINK_API, token, null);
            assertError(busy, 409, "ConflictError", null);
            assertThat(busy.error().get("message")).isEqualTo("Workspace link or unlink operation in process.");
            assertError(call("PUT", link(sub, "rg1", name) + LINK_API, token, linkBody(first)), 409, "ConflictError", null);
            assertError(call("DELETE", ws(sub, "rg1", name) + API, token, null), 409, "ConflictError", null);
        } finally {
            clearRunningOperation(sub, name);
        }
        unlinkAndWait(sub, name);
    }

    @Test
    void atMostTwoLinkOperationsPerWorkspaceIn30Days() throws Exception {
        String sub = sub();
        String cluster = provisionedCluster(sub, "eastus");
        String name = wsName();
        assertThat(call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"eastus\"}").status).isEqualTo(201);
        linkAndWait(sub, name, cluster);
        unlinkAndWait(sub, name);
        linkAndWait(sub, name, cluster);
        unlinkAndWait(sub, name);

        Reply third = call("PUT", link(sub, "rg1", name) + LINK_API, token, linkBody(cluster));
        assertError(third, 400, "BadRequest", null);
        assertThat(third.error().get("message")).asString().contains("two workspace link operations").contains("30 day");
    }

    @Test
    void atMost1000WorkspacesPerCluster() throws Exception {
        String sub = sub();
        String cluster = provisionedCluster(sub, "eastus");
        String name = wsName();
        assertThat(call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"eastus\"}").status).isEqualTo(201);
        // 1000 linked workspaces would take 1000 link operations; rows linked to the cluster stand in for them.
        seedLinkedWorkspaces(sub, cluster, 1000);
        Reply full = call("PUT", link(sub, "rg1", name) + LINK_API, token, linkBody(cluster));
        assertError(full, 400, "BadRequest", "properties.writeAccessResourceId");
        assertThat(full.error().get("message")).asString().contains("1,000");
        removeSeededWorkspaces(sub);
        linkAndWait(sub, name, cluster);
    }

    @Test
    void concurrentLinksStartOneOperationAndNeverPassTheLimit() throws Exception {
        String sub = sub();
        String cluster = provisionedCluster(sub, "eastus");
        List<String> names = List.of(wsName(), wsName(), wsName());
        for (String n : names) {
            assertThat(call("PUT", ws(sub, "rg1", n) + API, token, "{\"location\":\"eastus\"}").status).isEqualTo(201);
        }
        // The same workspace twice at once: the row lock lets one start; the other finds it running (409) or done (200).
        List<Reply> same = concurrently(() -> call("PUT", link(sub, "rg1", names.get(0)) + LINK_API, token, linkBody(cluster)),
                () -> call("PUT", link(sub, "rg1", names.get(0)) + LINK_API, token, linkBody(cluster)));
        assertThat(same.stream().filter(r -> r.status == 202)).as(same.toString()).hasSize(1);
        assertThat(same.stream().filter(r -> r.status != 202).map(Reply::status)).as(same.toString()).allMatch(st -> st == 409 || st == 200);
        poll(same.stream().filter(r -> r.status == 202).findFirst().orElseThrow().headers.firstValue("Azure-AsyncOperation").orElseThrow());

        // One place left on the cluster and two workspaces racing for it: the cluster's link lock lets exactly one in.
        seedLinkedWorkspaces(sub, cluster, 998);
        List<Reply> race = concurrently(() -> call("PUT", link(sub, "rg1", names.get(1)) + LINK_API, token, linkBody(cluster)),
                () -> call("PUT", link(sub, "rg1", names.get(2)) + LINK_API, token, linkBody(cluster)));
        assertThat(race.stream().map(Reply::status)).as(race.toString()).containsExactlyInAnyOrder(202, 400);
        removeSeededWorkspaces(sub);
    }

    @Test
    void deletingAClusterUnlinksItsWorkspacesAsynchronously() throws Exception {
        String sub = sub();
        String cluster = provisionedCluster(sub, "eastus");
        String name = wsName();
        assertThat(call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"eastus\"}").status).isEqualTo(201);
        linkAndWait(sub, name, cluster);

        Reply delete = call("DELETE", cluster + CLUSTER_API, token, null);
        assertThat(delete.status).as(delete.text).isIn(200, 202);
        // The unlink operations start in the cluster's delete transaction and run on the operations timer.
        Reply unlinked = Conditions.until(Duration.ofSeconds(60), Duration.ofMillis(200), () -> {
            host.host().fireTimer("Operations_Run");
            return call("GET", ws(sub, "rg1", name) + API, token, null);
        }, get -> !features(get).containsKey("clusterResourceId"), "workspace " + name + " unlinked");
        assertThat(unlinked.map("properties").get("sku")).isEqualTo(Map.of("name", "PerGB2018"));
        assertError(call("GET", link(sub, "rg1", name) + LINK_API, token, null), 404, "ResourceNotFound", null);
    }

    // --- helpers: the link

    @SafeVarargs
    private static List<Reply> concurrently(java.util.concurrent.Callable<Reply>... calls) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(calls.length);
        try {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<Reply>> futures = new ArrayList<>();
            for (java.util.concurrent.Callable<Reply> c : calls) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return c.call();
                }));
            }
            start.countDown();
            List<Reply> replies = new ArrayList<>();
            for (java.util.concurrent.Future<Reply> f : futures) {
                replies.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            return replies;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void linkingNeedsWriteOnBothTheWorkspaceAndTheCluster() throws Exception {
        String sub = sub();
        String name = wsName();
        assertThat(call("PUT", ws(sub, "rg1", name) + API, token, "{\"location\":\"eastus\"}").status).isEqualTo(201);
        String cluster = provisionedCluster(sub, "eastus");
        ClientCredentials linker = host.newClient(tenant, "workspaces-linker");
        String linkerToken = host.token(linker, Audiences.ARM);
        // Log Analytics Contributor on the workspace only (and Reader on the cluster): the cluster's write is missing
        assign(sub, ws(sub, "rg1", name), "92aaf0da-9dab-42b6-94a3-d43ce8d16293", linker.principal().objectId());
        assign(sub, cluster, "acdd72a7-3385-48ef-bd42-f606fba81ae7", linker.principal().objectId());
        Reply refused = call("PUT", link(sub, "rg1", name) + LINK_API, linkerToken, linkBody(cluster));
        assertError(refused, 403, "AuthorizationFailed", null);
        assertThat(refused.error().get("message")).asString().contains("'Microsoft.OperationalInsights/clusters/write' over scope '" + cluster + "'");
        // write on the cluster too: the link starts
        assign(sub, cluster, "92aaf0da-9dab-42b6-94a3-d43ce8d16293", linker.principal().objectId());
        Reply put = call("PUT", link(sub, "rg1", name) + LINK_API, linkerToken, linkBody(cluster));
        assertThat(put.status).as(put.text).isEqualTo(202);
        assertThat(poll(put.headers.firstValue("Azure-AsyncOperation").orElseThrow()).get("status")).isEqualTo("Succeeded");
        // and write on the cluster alone is not enough to unlink: the workspace's linkedServices/delete is checked
        ClientCredentials clusterOnly = host.newClient(tenant, "workspaces-cluster-only");
        assign(sub, cluster, "92aaf0da-9dab-42b6-94a3-d43ce8d16293", clusterOnly.principal().objectId());
        Reply unlink = call("DELETE", link(sub, "rg1", name) + LINK_API, host.token(clusterOnly, Audiences.ARM), null);
        assertError(unlink, 403, "AuthorizationFailed", null);
        assertThat(unlink.error().get("message")).asString().contains("'Microsoft.OperationalInsights/workspaces/linkedServices/delete'");
    }

    private static void assign(String sub, String scope, String roleId, String principalId) throws Exception {
        Reply r = call("PUT", scope + "/providers/Microsoft.Authorization/roleAssignments/" + UUID.randomUUID() + "?api-version=2022-04-01",
                token, "{\"properties\":{\"roleDefinitionId\":\"/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/"
                        + roleId + "\",\"principalId\":\"" + principalId + "\",\"principalType\":\"ServicePrincipal\"}}");
        assertThat(r.status).as(r.text).isEqualTo(201);
    }

    private static void linkAndWait(String sub, String name, String cluster) throws Exception {
        Reply put = call("PUT", link(sub, "rg1", name) + LINK_API, token, linkBody(cluster));
        assertThat(put.status).as(put.text).isEqualTo(202);
        Map<String, Object> done = poll(put.headers.firstValue("Azure-AsyncOperation").orElseThrow());
        assertThat(done.get("status")).as(done.toString()).isEqualTo("Succeeded");
    }

    private static void unlinkAndWait(String sub, String name) throws Exception {
        Reply delete = call("DELETE", link(sub, "rg1", name) + LINK_API, token, null);
        assertThat(delete.status).as(delete.text).isEqualTo(202);
        Map<String, Object> done = poll(delete.headers.firstValue("Azure-AsyncOperation").orElseThrow());
        assertThat(done.get("status")).as(done.toString()).isEqualTo("Succeeded");
    }

    /** GETs an operation status URL until the status is terminal, as ARM pollers do; 60 s at most. */
    static Map<String, Object> poll(String statusUrl) throws Exception {
        return Conditions.until(Duration.ofSeconds(60), Duration.ofMillis(100), () -> {
            Reply r = callUri("GET", URI.create(statusUrl), token, null);
            assertThat(r.status).as(r.text).isEqualTo(200);
            return r.json;
        }, json -> !List.of("InProgress", "Updating", "Deleting").contains(json.get("status")), "operation " + statusUrl + " ended");
    }

    // --- helpers: clusters, through the clusters API

    private static String provisionedCluster(String sub, String location) throws Exception {
        return provisionedCluster(sub, location, token);
    }

    /** Creates a cluster and waits until its provisioning completed; returns its resource id. */
    private static String provisionedCluster(String sub, String location, String bearer) throws Exception {
        String name = "kwcl" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String id = clusterId(sub, "rg-clusters", name);
        Reply put = call("PUT", id + CLUSTER_API, bearer, "{\"location\":\"" + location + "\",\"identity\":{\"type\":\"SystemAssigned\"},"
                + "\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":1000},\"properties\":{\"billingType\":\"Cluster\"}}");
        assertThat(put.status).as(put.text).isIn(200, 201, 202);
        if (put.headers.firstValue("Azure-AsyncOperation").isPresent()) {
            String statusUrl = put.headers.firstValue("Azure-AsyncOperation").get();
            Conditions.until(Duration.ofSeconds(60), Duration.ofMillis(100), () -> {
                Reply r = callUri("GET", URI.create(statusUrl), bearer, null);
                assertThat(r.json.get("status")).as(r.text).isIn("Succeeded", "InProgress", "Updating");
                return r.json.get("status");
            }, "Succeeded"::equals, "cluster " + name + " provisioned");
        }
        Reply get = call("GET", id + CLUSTER_API, bearer, null);
        assertThat(get.map("properties")).as(get.text).containsEntry("provisioningState", "Succeeded");
        return (String) get.json.get("id");
    }

    @SuppressWarnings("unchecked")
    private static List<String> associatedWorkspaces(String cluster) throws Exception {
        Reply get = call("GET", cluster + CLUSTER_API, token, null);
        assertThat(get.status).as(get.text).isEqualTo(200);
        List<Map<String, Object>> associated = (List<Map<String, Object>>) get.map("properties").get("associatedWorkspaces");
        return associated == null ? List.of()
                : associated.stream().map(a -> ((String) a.get("resourceId")).toLowerCase()).toList();
    }

    // --- helpers: stand-ins in the database for what a test cannot wait for

    private static void setClusterState(String clusterId, String state) throws Exception {
        sql("UPDATE cmk_resources SET phase = ? WHERE lower(subscription_id || '/' || resource_group || '/' || name) = lower(?)",
                state, clusterId.replaceAll("^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/[^/]+/clusters/([^/]+)$", "$1/$2/$3"));
    }

    private static void markOperationRunning(String sub, String name) throws Exception {
        sql("UPDATE workspaces SET pending_kind = 'unlink', pending_cluster_id = cluster_resource_id,"
                + " pending_operation_id = gen_random_uuid() WHERE subscription_id = ? AND lower(name) = lower(?)", sub, name);
    }

    private static void clearRunningOperation(String sub, String name) throws Exception {
        sql("UPDATE workspaces SET pending_kind = NULL, pending_cluster_id = NULL, pending_operation_id = NULL"
                + " WHERE subscription_id = ? AND lower(name) = lower(?)", sub, name);
    }

    private static void seedLinkedWorkspaces(String sub, String cluster, int count) throws Exception {
        sql("INSERT INTO workspaces (customer_id, subscription_id, resource_group, name, location, tenant_id, sku, retention_in_days,"
                + " cluster_resource_id, created_at, modified_at) SELECT gen_random_uuid(), ?, 'rg-seeded', 'seeded-' || n, 'eastus', ?,"
                + " 'PerGB2018', 30, ?, now(), now() FROM generate_series(1, " + count + ") AS n", sub, tenant, cluster);
    }

    private static void removeSeededWorkspaces(String sub) throws Exception {
        sql("DELETE FROM workspaces WHERE subscription_id = ? AND resource_group = 'rg-seeded'", sub);
    }

    private static void sql(String statement, String... args) throws Exception {
        var db = host.host().database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement(statement)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            assertThat(ps.executeUpdate()).isPositive();
        }
    }

    // --- helpers: HTTP

    private static String sub() {
        return UUID.randomUUID().toString();
    }

    private static String wsName() {
        return "kwws-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static String ws(String sub, String group, String name) {
        return "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/Microsoft.OperationalInsights/workspaces/" + name;
    }

    private static String link(String sub, String group, String name) {
        return ws(sub, group, name) + "/linkedServices/cluster";
    }

    private static String clusterId(String sub, String group, String name) {
        return "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/Microsoft.OperationalInsights/clusters/" + name;
    }

    private static String linkBody(String clusterId) {
        return "{\"properties\":{\"writeAccessResourceId\":\"" + clusterId + "\"}}";
    }

    private static void assertError(Reply r, int status, String code, String target) {
        assertThat(r.status).as(r.text).isEqualTo(status);
        assertThat(r.error().get("code")).as(r.text).isEqualTo(code);
        assertThat(r.error().get("message")).as(r.text).asString().isNotBlank();
        if (target != null) {
            assertThat(r.error().get("target")).as(r.text).isEqualTo(target);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(Reply r) {
        assertThat(r.status).as(r.text).isEqualTo(200);
        return ((List<Map<String, Object>>) r.json.get("value")).stream().map(v -> (String) v.get("name")).toList();
    }

    private static Reply call(String method, String pathAndQuery, String bearer, String body) throws Exception {
        return callUri(method, URI.create(host.baseUri() + pathAndQuery), bearer, body);
    }

    private static Reply callUri(String method, URI uri, String bearer, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> r = host.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body(), parse(r.body()), r.headers());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> features(Reply r) {
        assertThat(r.status).as(r.text).isIn(200, 201);
        return (Map<String, Object>) r.map("properties").get("features");
    }

    private static Map<String, Object> parse(String text) throws IOException {
        if (text == null || text.isBlank()) {
            return Map.of();
        }
        return json.readValue(text, Argument.mapOf(String.class, Object.class));
    }

    private record Reply(int status, String text, Map<String, Object> json, java.net.http.HttpHeaders headers) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map(String key) {
            return (Map<String, Object>) json.get(key);
        }

        Map<String, Object> error() {
            return map("error") == null ? Map.of() : map("error");
        }
    }
}
