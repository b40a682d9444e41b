package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Azure RBAC on every ARM operation and the data plane, as a matrix: for each role (none, Reader, Contributor, Owner,
 * Log Analytics Contributor, Key Vault Contributor, a custom role with notActions) assigned at each scope (the
 * subscription, the resource group, the resource itself, another resource group), every operation of every surface is
 * allowed exactly where Azure allows it. The expected answers come from a table written from Azure's role definitions
 * ({@link #grants}), not from Keyward's evaluator. ARM authorizes before the provider looks for the resource, so a read,
 * change or delete of a resource that does not exist answers 404/404/204 when allowed and 403 when not; the data plane
 * runs against a real workspace, and so do the workspace's linked storage accounts and saved searches (nested resources,
 * covered by an assignment on the workspace too). Customer Lockbox requests are subscription-scoped: read with
 * {@code requests/read}, decided only by an Owner (or Customer Lockbox Approver) of the subscription, not by a Contributor
 * whose actions would allow it.
 */
class AuthorizationMatrixTest {

    private static final String AUTH_API = "?api-version=2022-04-01";
    private static final String GROUP = "rg-a";
    private static final String OTHER_GROUP = "rg-b";

    enum Surface {
        VAULT("Microsoft.KeyVault/vaults", "?api-version=2023-07-01"),
        WORKSPACE("Microsoft.OperationalInsights/workspaces", "?api-version=2022-10-01"),
        LA_CLUSTER("Microsoft.OperationalInsights/clusters", "?api-version=2022-10-01"),
        KUSTO("Microsoft.Kusto/clusters", "?api-version=2024-04-13"),
        HPC_CACHE("Microsoft.StorageCache/caches", "?api-version=2023-05-01"),
        STORAGE("Microsoft.Storage/storageAccounts", "?api-version=2023-05-01"),
        USER_IDENTITY("Microsoft.ManagedIdentity/userAssignedIdentities", "?api-version=2023-01-31");

        final String type;
        final String api;

        Surface(String type, String api) {
            this.type = type;
            this.api = api;
        }
    }

    enum Verb { READ, WRITE, DELETE, LIST_GROUP, LIST_SUBSCRIPTION }

    /** Operations on the workspace's nested resources, each with the verb it needs and its answer when allowed. */
    enum Nested {
        LINK_READ(Verb.READ, "GET", "/linkedStorageAccounts/Query", 404),
        LINK_LIST(Verb.READ, "GET", "/linkedStorageAccounts", 200),
        LINK_WRITE(Verb.WRITE, "PUT", "/linkedStorageAccounts/Query", 400), // the account named does not exist
        LINK_DELETE(Verb.DELETE, "DELETE", "/linkedStorageAccounts/Query", 204),
        SEARCH_READ(Verb.READ, "GET", "/savedSearches/ghost-search", 404),
        SEARCH_LIST(Verb.READ, "GET", "/savedSearches", 200),
        SEARCH_WRITE(Verb.WRITE, "PUT", "/savedSearches/matrix-search", 200),
        SEARCH_DELETE(Verb.DELETE, "DELETE", "/savedSearches/ghost-search", 204);

        final Verb verb;
        final String method;
        final String path;
        final int allowed;

        Nested(Verb verb, String method, String path, int allowed) {
            this.verb = verb;
            this.method = method;
            this.path = path;
            this.allowed = allowed;
        }
    }

    enum ScopeKind { NONE, SUBSCRIPTION, GROUP, RESOURCE, OTHER_GROUP }

    enum Role { NONE, READER, CONTRIBUTOR, OWNER, LOG_ANALYTICS_CONTRIBUTOR, KEY_VAULT_CONTRIBUTOR, CUSTOM }

    private static final Map<Role, String> ROLE_IDS = Map.of(
            Role.READER, "acdd72a7-3385-48ef-bd42-f606fba81ae7",
            Role.CONTRIBUTOR, "b24988ac-6180-42a0-ab88-20f7382dd24c",
            Role.OWNER, "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            Role.LOG_ANALYTICS_CONTRIBUTOR, "92aaf0da-9dab-42b6-94a3-d43ce8d16293",
            Role.KEY_VAULT_CONTRIBUTOR, "f25e0fa2-a7c8-4377-a976-54943a77a395");

    private static TestHost host;
    private static ClusterArm owner;
    private static String tenant;
    private static String sub;
    private static String customRoleId;
    private static String workspaceId;
    private static String workspaceCustomerId;

    @BeforeAll
    static void start() throws Exception {
        host = TestHost.get();
        tenant = UUID.randomUUID().toString();
        owner = new ClusterArm(tenant, "matrix-owner");
        sub = ClusterArm.sub();
        workspaceId = "/subscriptions/" + sub + "/resourceGroups/" + GROUP + "/providers/Microsoft.OperationalInsights/workspaces/"
                + ClusterArm.name("ws");
        ClusterArm.Reply ws = owner.call("PUT", workspaceId + Surface.WORKSPACE.api, "{\"location\":\"eastus\"}");
        assertThat(ws.status()).as(ws.text()).isEqualTo(201);
        workspaceCustomerId = (String) ws.properties().get("customerId");
        // The custom role: Log Analytics and vaults, minus Log Analytics deletes and vault writes.
        customRoleId = UUID.randomUUID().toString();
        ClusterArm.Reply role = owner.call("PUT", "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/"
                + customRoleId + AUTH_API, "{\"properties\":{\"roleName\":\"Matrix custom " + customRoleId + "\",\"type\":\"CustomRole\","
                + "\"permissions\":[{\"actions\":[\"Microsoft.OperationalInsights/*\",\"Microsoft.KeyVault/vaults/*\"],"
                + "\"notActions\":[\"Microsoft.OperationalInsights/*/delete\",\"Microsoft.KeyVault/vaults/write\"]}],"
                + "\"assignableScopes\":[\"/subscriptions/" + sub + "\"]}}");
        assertThat(role.status()).as(role.text()).isEqualTo(201);
    }

    /** What each role grants, from Azure's published definitions, per surface and verb (lists are reads). */
    static boolean grants(Role role, Surface s, Verb verb) {
        boolean read = verb == Verb.READ || verb == Verb.LIST_GROUP || verb == Verb.LIST_SUBSCRIPTION;
        boolean logAnalytics = s == Surface.WORKSPACE || s == Surface.LA_CLUSTER;
        return switch (role) {
            case NONE -> false;
            case OWNER, CONTRIBUTOR -> true;
            case READER -> read;
            case LOG_ANALYTICS_CONTRIBUTOR -> read || logAnalytics; // */read + Microsoft.OperationalInsights/*
            case KEY_VAULT_CONTRIBUTOR -> s == Surface.VAULT; // Microsoft.KeyVault/*, no */read
            case CUSTOM -> s == Surface.VAULT ? verb != Verb.WRITE : logAnalytics && verb != Verb.DELETE;
        };
    }

    /** Query and ingest (Data Collector API: the shared-keys action, or the Logs Ingestion data action). */
    static boolean grantsData(Role role, boolean ingest) {
        return switch (role) {
            case NONE, KEY_VAULT_CONTRIBUTOR -> false;
            case OWNER, CONTRIBUTOR, LOG_ANALYTICS_CONTRIBUTOR, CUSTOM -> true;
            case READER -> !ingest;
        };
    }

    /** Reading role assignments (roleAssignments/read) and writing them (roleAssignments/write, which Contributor's notActions drop). */
    static boolean grantsRoleAssignments(Role role, boolean write) {
        return switch (role) {
            case NONE, CUSTOM -> false;
            case OWNER -> true;
            case READER, CONTRIBUTOR, LOG_ANALYTICS_CONTRIBUTOR, KEY_VAULT_CONTRIBUTOR -> !write;
        };
    }

    /**
     * Customer Lockbox: the list needs {@code requests/read} (every role with &#42;/read); a decision is made by the
     * subscription's Owners and Customer Lockbox Approvers only (the docs), so not by a Contributor although its actions
     * include {@code requests/UpdateApproval/action}.
     */
    static boolean grantsLockbox(Role role, boolean approve) {
        return switch (role) {
            case NONE, KEY_VAULT_CONTRIBUTOR, CUSTOM -> false;
            case OWNER -> true;
            case READER, CONTRIBUTOR, LOG_ANALYTICS_CONTRIBUTOR -> !approve;
        };
    }

    /** Whether an assignment at {@code scope} applies to what the verb touches (a resource in rg-a, rg-a, the subscription). */
    static boolean covers(ScopeKind scope, Verb verb) {
        return switch (scope) {
            case NONE, OTHER_GROUP -> false;
            case SUBSCRIPTION -> true;
            case GROUP -> verb != Verb.LIST_SUBSCRIPTION;
            case RESOURCE -> verb == Verb.READ || verb == Verb.WRITE || verb == Verb.DELETE;
        };
    }

    @Test
    void everyOperationIsAllowedExactlyWhereAzureAllowsIt() throws Exception {
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        for (Role role : Role.values()) {
            for (ScopeKind scope : ScopeKind.values()) {
                if ((role == Role.NONE) != (scope == ScopeKind.NONE)) {
                    continue;
                }
                ClientCredentials client = host.newClient(tenant, "matrix-" + role + "-" + scope);
                String principal = client.principal().objectId();
                for (String at : scopes(scope)) {
                    assign(at, role, principal);
                }
                String token = host.token(client, Audiences.ARM);
                for (Surface s : Surface.values()) {
                    for (Verb verb : Verb.values()) {
                        boolean expected = grants(role, s, verb) && covers(scope, verb);
                        int status = probe(s, verb, token);
                        checked++;
                        if (status != (expected ? allowedStatus(verb) : 403)) {
                            mismatches.add(role + " at " + scope + ": " + verb + " " + s + " answered " + status + ", expected "
                                    + (expected ? allowedStatus(verb) : 403));
                        }
                    }
                }
                for (boolean ingest : new boolean[] {false, true}) {
                    boolean expected = grantsData(role, ingest) && covers(scope, Verb.READ);
                    int status = ingest ? ingest(token) : query(token);
                    checked++;
                    if (status != (expected ? 200 : 403)) {
                        mismatches.add(role + " at " + scope + ": " + (ingest ? "ingest" : "query") + " answered " + status);
                    }
                }
                for (Nested n : Nested.values()) {
                    // the workspace's children: an assignment on the workspace covers them
                    boolean expected = grants(role, Surface.WORKSPACE, n.verb) && scope != ScopeKind.NONE && scope != ScopeKind.OTHER_GROUP;
                    int status = nested(n, token);
                    checked++;
                    if (status != (expected ? n.allowed : 403)) {
                        mismatches.add(role + " at " + scope + ": " + n + " answered " + status + ", expected " + (expected ? n.allowed : 403));
                    }
                }
                for (boolean approve : new boolean[] {false, true}) {
                    boolean expected = grantsLockbox(role, approve) && scope == ScopeKind.SUBSCRIPTION;
                    int status = lockbox(approve, token);
                    checked++;
                    if (status != (expected ? (approve ? 404 : 200) : 403)) {
                        mismatches.add(role + " at " + scope + ": Lockbox " + (approve ? "approval" : "list") + " answered " + status);
                    }
                }
                for (boolean write : new boolean[] {false, true}) {
                    // at the resource group: covered by subscription and group assignments only
                    boolean expected = grantsRoleAssignments(role, write) && covers(scope, Verb.LIST_GROUP);
                    String path = groupScope(GROUP) + "/providers/Microsoft.Authorization/roleAssignments";
                    int status = write ? owner.call("DELETE", URI.create(host.baseUri() + path + "/" + UUID.randomUUID() + AUTH_API), token, null).status()
                            : owner.call("GET", URI.create(host.baseUri() + path + AUTH_API), token, null).status();
                    checked++;
                    if (status != (expected ? (write ? 204 : 200) : 403)) {
                        mismatches.add(role + " at " + scope + ": role assignments " + (write ? "write" : "read") + " answered " + status);
                    }
                }
            }
        }
        assertThat(mismatches).as("operations whose answer differs from Azure's").isEmpty();
        assertThat(checked).isEqualTo((Surface.values().length * Verb.values().length + 2 + Nested.values().length + 2 + 2) * (1 + 6 * 4));
    }

    @Test
    void aDeniedOperationAnswersArmsAuthorizationFailed() throws Exception {
        ClientCredentials client = host.newClient(tenant, "matrix-denied");
        String token = host.token(client, Audiences.ARM);
        String vault = resource(Surface.VAULT);
        ClusterArm.Reply r = owner.call("GET", URI.create(host.baseUri() + vault + Surface.VAULT.api), token, null);
        ClusterArm.assertError(r, 403, "AuthorizationFailed", "The client '" + client.principal().objectId() + "' with object id '"
                + client.principal().objectId() + "' does not have authorization to perform action 'Microsoft.KeyVault/vaults/read'"
                + " over scope '" + vault + "' or the scope is invalid. If access was recently granted, please refresh your credentials.");
    }

    @Test
    void removingAnAssignmentRemovesTheAccessAtOnce() throws Exception {
        ClientCredentials client = host.newClient(tenant, "matrix-removed");
        String token = host.token(client, Audiences.ARM);
        String assignment = assign(groupScope(GROUP), Role.READER, client.principal().objectId());
        assertThat(probe(Surface.WORKSPACE, Verb.READ, token)).isEqualTo(404);
        ClusterArm.Reply gone = owner.call("DELETE", assignment + AUTH_API, null);
        assertThat(gone.status()).as(gone.text()).isEqualTo(200);
        assertThat(probe(Surface.WORKSPACE, Verb.READ, token)).isEqualTo(403);
        assertThat(owner.call("DELETE", assignment + AUTH_API, null).status()).isEqualTo(204);
    }

    @Test
    void theFirstClaimantIsAVisibleRemovableOwner() throws Exception {
        ClusterArm first = new ClusterArm(tenant, "matrix-first");
        String fresh = ClusterArm.sub();
        String ws = "/subscriptions/" + fresh + "/resourceGroups/g/providers/Microsoft.OperationalInsights/workspaces/" + ClusterArm.name("w");
        assertThat(first.call("PUT", ws + Surface.WORKSPACE.api, "{\"location\":\"eastus\"}").status()).isEqualTo(201);
        ClusterArm.Reply list = first.call("GET", "/subscriptions/" + fresh + "/providers/Microsoft.Authorization/roleAssignments"
                + AUTH_API + "&$filter=" + java.net.URLEncoder.encode("atScope()", java.nio.charset.StandardCharsets.UTF_8), null);
        assertThat(list.status()).as(list.text()).isEqualTo(200);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> value = (List<Map<String, Object>>) list.json().get("value");
        assertThat(value).hasSize(1);
        @SuppressWarnings("unchecked")
        Map<String, Object> props = (Map<String, Object>) value.get(0).get("properties");
        assertThat(props).containsEntry("principalId", first.client.principal().objectId())
                .containsEntry("roleDefinitionId", "/subscriptions/" + fresh + "/providers/Microsoft.Authorization/roleDefinitions/"
                        + ROLE_IDS.get(Role.OWNER))
                .containsEntry("scope", "/subscriptions/" + fresh).containsEntry("principalType", "ServicePrincipal");
        // Another principal of the same tenant gets nothing from being in the tenant.
        ClusterArm colleague = new ClusterArm(tenant, "matrix-colleague");
        ClusterArm.assertError(colleague.call("GET", ws + Surface.WORKSPACE.api, null), 403, "AuthorizationFailed", null);
        // The Owner can remove its own assignment, and then has no access either.
        assertThat(first.call("DELETE", (String) value.get(0).get("id") + AUTH_API, null).status()).isEqualTo(200);
        ClusterArm.assertError(first.call("GET", ws + Surface.WORKSPACE.api, null), 403, "AuthorizationFailed", null);
    }

    // --- probes

    private static int allowedStatus(Verb verb) {
        return switch (verb) {
            case READ, WRITE -> 404; // the resource does not exist: authorized first, then not found
            case DELETE -> 204;
            case LIST_GROUP, LIST_SUBSCRIPTION -> 200;
        };
    }

    private static int probe(Surface s, Verb verb, String token) throws Exception {
        String path = switch (verb) {
            case READ, WRITE, DELETE -> resource(s);
            case LIST_GROUP -> groupScope(GROUP) + "/providers/" + s.type;
            case LIST_SUBSCRIPTION -> "/subscriptions/" + sub + "/providers/" + s.type;
        };
        String method = switch (verb) {
            case READ, LIST_GROUP, LIST_SUBSCRIPTION -> "GET";
            case WRITE -> "PATCH";
            case DELETE -> "DELETE";
        };
        String body = verb == Verb.WRITE ? "{\"tags\":{\"probe\":\"1\"}}" : null;
        ClusterArm.Reply r = owner.call(method, URI.create(host.baseUri() + path + s.api), token, body);
        if (r.status() == 403) {
            assertThat(r.error()).as(r.text()).containsEntry("code", "AuthorizationFailed");
        }
        return r.status();
    }

    private static int nested(Nested n, String token) throws Exception {
        String body = switch (n) {
            case LINK_WRITE -> "{\"properties\":{\"storageAccountIds\":[\"" + groupScope(GROUP)
                    + "/providers/Microsoft.Storage/storageAccounts/nosuchaccount\"]}}";
            case SEARCH_WRITE -> "{\"properties\":{\"category\":\"Matrix\",\"displayName\":\"probe\",\"query\":\"M_CL | take 1\"}}";
            default -> null;
        };
        ClusterArm.Reply r = owner.call(n.method, URI.create(host.baseUri() + workspaceId + n.path + "?api-version=2020-08-01"), token, body);
        if (r.status() == 403) {
            assertThat(r.error()).as(r.text()).containsEntry("code", "AuthorizationFailed");
        }
        return r.status();
    }

    private static int lockbox(boolean approve, String token) throws Exception {
        String requests = "/subscriptions/" + sub + "/providers/Microsoft.CustomerLockbox/requests";
        String api = "?api-version=2018-02-28-preview";
        ClusterArm.Reply r = approve
                ? owner.call("POST", URI.create(host.baseUri() + requests + "/" + UUID.randomUUID() + "/updateApproval" + api), token,
                "{\"decision\":\"Approve\",\"reason\":\"matrix\"}")
                : owner.call("GET", URI.create(host.baseUri() + requests + api), token, null);
        if (r.status() == 403) {
            assertThat(r.error()).as(r.text()).containsEntry("code", "AuthorizationFailed");
        }
        return r.status();
    }

    private static int query(String token) throws Exception {
        return owner.call("GET", URI.create(host.baseUri() + "/api/workspaces/" + workspaceCustomerId + "/logs?table=M_CL"), token, null)
                .status();
    }

    private static int ingest(String token) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(host.baseUri().resolve("/api/workspaces/" + workspaceCustomerId + "/logs"))
                .POST(HttpRequest.BodyPublishers.ofString("[{\"a\":1}]")).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token).header("Log-Type", "M_CL").timeout(Duration.ofSeconds(60)).build();
        return host.http().send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** A resource of the surface in rg-a that does not exist (the workspace surface's is not the data plane's workspace). */
    private static String resource(Surface s) {
        return groupScope(GROUP) + "/providers/" + s.type + "/ghost" + s.ordinal() + "x";
    }

    private static String groupScope(String group) {
        return "/subscriptions/" + sub + "/resourceGroups/" + group;
    }

    private static List<String> scopes(ScopeKind scope) {
        return switch (scope) {
            case NONE -> List.of();
            case SUBSCRIPTION -> List.of("/subscriptions/" + sub);
            case GROUP -> List.of(groupScope(GROUP));
            case OTHER_GROUP -> List.of(groupScope(OTHER_GROUP));
            case RESOURCE -> {
                List<String> all = new ArrayList<>();
                for (Surface s : Surface.values()) {
                    all.add(resource(s));
                }
                all.add(workspaceId);
                yield all;
            }
        };
    }

    /** Assigns the role at the scope as the subscription's Owner; returns the assignment's id. */
    private static String assign(String scope, Role role, String principalId) throws Exception {
        return owner.assign(sub, scope, role == Role.CUSTOM ? customRoleId : ROLE_IDS.get(role), principalId);
    }
}
