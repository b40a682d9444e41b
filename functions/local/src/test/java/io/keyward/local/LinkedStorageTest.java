package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A workspace's linked storage accounts and saved searches (BYOS, "customer-managed key for queries") on the local host,
 * on real PostgreSQL and keys in the SoftHSM2 token: each documented rule (one account per data source type, the account
 * in the workspace's region, linking removes the workspace's saved searches), saved searches sealed under the linked
 * account's AEK and bound to their row, and the account's key revoked (saved searches neither read nor written) and
 * restored (readable again).
 */
class LinkedStorageTest {

    private static final String API = "?api-version=2020-08-01";
    private static final String TENANT = "f0000000-0000-4000-8000-0000000000c1";
    private static final String VAULT_SUBSCRIPTION = "f0000000-0000-4000-8000-0000000005c1";
    /** soft delete and purge protection, westeurope; in src/test/resources/hosts */
    private static final String VAULT = "kwstore2";

    private static ClusterArm arm;
    private static Logs logs;
    private static URI vaultUri;

    @BeforeAll
    static void vault() throws Exception {
        arm = new ClusterArm(TENANT, "linked-storage-test").owning(VAULT_SUBSCRIPTION);
        arm.putVault(VAULT_SUBSCRIPTION, VAULT, "westeurope", true);
        vaultUri = arm.host.vaultUri(VAULT);
        logs = new Logs(arm);
    }

    /** A storage account in {@code location} with a system-assigned identity; bound to a new key of its own when {@code keyed}. */
    private record Account(String id, String uuid, String principalId) {
    }

    private static Account account(String sub, String location, boolean keyed) throws Exception {
        String name = StorageAccountsTest.name();
        String path = StorageAccountsTest.path(sub, name);
        ClusterArm.Reply created = arm.call("PUT", path + StorageAccountsTest.API, StorageAccountsTest.create(location));
        assertThat(created.status()).as(created.text()).isEqualTo(200);
        String principal = (String) created.map("identity").get("principalId");
        if (keyed) {
            arm.grant(VAULT_SUBSCRIPTION, VAULT, principal, "get", "wrapKey", "unwrapKey");
            String keyName = ClusterArm.name("k");
            arm.createKey(VAULT, keyName, 2048);
            ClusterArm.Reply bound = arm.call("PATCH", path + StorageAccountsTest.API, StorageAccountsTest.keyBody(vaultUri, keyName, ""));
            assertThat(bound.status()).as(bound.text()).isEqualTo(200);
        }
        return new Account((String) created.json().get("id"), arm.query("SELECT resource_uuid::text FROM cmk_resources WHERE name = ?",
                name, String.class), principal);
    }

    private static ClusterArm.Reply link(Logs.Workspace ws, String type, String... accountIds) throws Exception {
        String ids = String.join(",", java.util.Arrays.stream(accountIds).map(i -> "\"" + i + "\"").toList());
        return arm.call("PUT", ws.id() + "/linkedStorageAccounts/" + type + API, "{\"properties\":{\"storageAccountIds\":[" + ids + "]}}");
    }

    private static ClusterArm.Reply putSearch(Logs.Workspace ws, String name, String query) throws Exception {
        return arm.call("PUT", ws.id() + "/savedSearches/" + name + API, "{\"properties\":{\"Category\":\"Tests\",\"DisplayName\":\""
                + name + "\",\"Query\":\"" + query + "\",\"Version\":2,\"Tags\":[{\"Name\":\"Group\",\"Value\":\"Computer\"}]}}");
    }

    private static ClusterArm.Reply getSearch(Logs.Workspace ws, String name) throws Exception {
        return arm.call("GET", ws.id() + "/savedSearches/" + name + API, null);
    }

    @SuppressWarnings("unchecked")
    private static List<String> searchNames(Logs.Workspace ws) throws Exception {
        ClusterArm.Reply listed = arm.call("GET", ws.id() + "/savedSearches" + API, null);
        assertThat(listed.status()).as(listed.text()).isEqualTo(200);
        return ((List<Map<String, Object>>) listed.json().get("value")).stream().map(s -> (String) s.get("name")).toList();
    }

    private static String keyOf(Logs.Workspace ws, String search) throws Exception {
        return arm.query("SELECT key_kind || ':' || coalesce(storage_account_uuid::text, '-') FROM workspace_saved_searches s"
                + " JOIN workspaces w ON w.customer_id = s.workspace_customer_id WHERE lower(s.name) = lower(?) AND w.customer_id = '"
                + ws.customerId() + "'::uuid", search, String.class);
    }

    @Test
    void savedSearchesOfAWorkspaceLinkedForQueryAreSealedUnderTheAccountsKey() throws Exception {
        String sub = ClusterArm.sub();
        Logs.Workspace ws = logs.workspace(sub);
        ClusterArm.Reply before = putSearch(ws, "before-link", "Heartbeat | take 1");
        assertThat(before.status()).as(before.text()).isEqualTo(200);
        assertThat(keyOf(ws, "before-link")).isEqualTo("platform:-");
        assertThat(searchNames(ws)).containsExactly("before-link");

        Account acct = account(sub, "westeurope", true);
        ClusterArm.Reply linked = link(ws, "Query", acct.id());
        assertThat(linked.status()).as(linked.text()).isEqualTo(200);
        assertThat(linked.json()).containsEntry("name", "Query").containsEntry("type",
                "Microsoft.OperationalInsights/workspaces/linkedStorageAccounts");
        assertThat(linked.properties()).containsEntry("dataSourceType", "Query").containsEntry("storageAccountIds", List.of(acct.id()));
        // linking removes the workspace's saved searches
        assertThat(searchNames(ws)).isEmpty();
        ClusterArm.assertError(getSearch(ws, "before-link"), 404, "ResourceNotFound", "before-link");

        ClusterArm.Reply saved = putSearch(ws, "errors", "AppExceptions | where Severity > 2");
        assertThat(saved.status()).as(saved.text()).isEqualTo(200);
        assertThat(saved.json()).containsEntry("name", "errors").containsEntry("type", "Microsoft.OperationalInsights/savedSearches")
                .containsKey("etag");
        assertThat(saved.properties()).containsEntry("category", "Tests").containsEntry("query", "AppExceptions | where Severity > 2")
                .containsEntry("version", 2).containsEntry("tags", List.of(Map.of("name", "Group", "value", "Computer")));
        assertThat(keyOf(ws, "errors")).isEqualTo("storage:" + acct.uuid());
        byte[] sealed = arm.query("SELECT sealed FROM workspace_saved_searches WHERE workspace_customer_id = ?::uuid AND name = 'errors'",
                ws.customerId(), byte[].class);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("AppExceptions").doesNotContain("Tests");
        ClusterArm.Reply read = getSearch(ws, "ERRORS");
        assertThat(read.status()).as(read.text()).isEqualTo(200);
        assertThat(read.properties()).isEqualTo(saved.properties());

        // bound to their row: a search's sealed content moved onto another search's row does not open
        assertThat(putSearch(ws, "other", "Perf | take 5").status()).isEqualTo(200);
        arm.query("UPDATE workspace_saved_searches SET sealed = (SELECT sealed FROM workspace_saved_searches WHERE workspace_customer_id"
                + " = ?::uuid AND name = 'errors') WHERE name = 'other' RETURNING 1", ws.customerId(), Integer.class);
        ClusterArm.assertError(getSearch(ws, "other"), 409, "DataIntegrityFailure", "integrity");
        assertThat(arm.call("DELETE", ws.id() + "/savedSearches/other" + API, null).status()).isEqualTo(200);

        // the etag guards a replace; '*' overwrites
        String etag = (String) read.json().get("etag");
        ClusterArm.assertError(arm.call("PUT", ws.id() + "/savedSearches/errors" + API, "{\"etag\":\"W/\\\"stale\\\"\",\"properties\":"
                + "{\"category\":\"c\",\"displayName\":\"d\",\"query\":\"q\"}}"), 409, "ConflictError", "etag");
        ClusterArm.Reply replaced = arm.call("PUT", ws.id() + "/savedSearches/errors" + API, "{\"etag\":\"" + etag.replace("\"", "\\\"")
                + "\",\"properties\":{\"category\":\"c\",\"displayName\":\"d\",\"query\":\"q2\"}}");
        assertThat(replaced.status()).as(replaced.text()).isEqualTo(200);
        assertThat(replaced.json().get("etag")).isNotEqualTo(etag);

        // linking the same account again keeps the searches; unlinking removes those stored in the account
        assertThat(link(ws, "Query", acct.id()).status()).isEqualTo(200);
        assertThat(searchNames(ws)).containsExactly("errors");
        assertThat(arm.call("DELETE", ws.id() + "/linkedStorageAccounts/Query" + API, null).status()).isEqualTo(200);
        assertThat(searchNames(ws)).isEmpty();
        assertThat(arm.call("DELETE", ws.id() + "/linkedStorageAccounts/Query" + API, null).status()).isEqualTo(204);
        assertThat(putSearch(ws, "after", "Usage").status()).isEqualTo(200);
        assertThat(keyOf(ws, "after")).isEqualTo("platform:-");
    }

    @Test
    @SuppressWarnings("unchecked")
    void oneAccountPerDataSourceTypeInTheWorkspacesRegion() throws Exception {
        String sub = ClusterArm.sub();
        Logs.Workspace ws = logs.workspace(sub);
        Account a1 = account(sub, "westeurope", true);
        Account a2 = account(sub, "westeurope", false);
        Account elsewhere = account(sub, "northeurope", false);

        ClusterArm.assertError(link(ws, "Query", elsewhere.id()), 400, "InvalidParameter", "in the workspace's region");
        ClusterArm.assertError(link(ws, "Query", a1.id(), a2.id()), 400, "InvalidParameter", "exactly one can be linked per data source type");
        ClusterArm.assertError(link(ws, "Query"), 400, "InvalidParameter", "exactly one can be linked per data source type");
        ClusterArm.assertError(link(ws, "CustomLogs", a1.id()), 400, "InvalidParameter", "not supported");
        ClusterArm.assertError(link(ws, "Query", a1.id().replace(a1.id().substring(a1.id().lastIndexOf('/') + 1), "nosuchaccount")), 400,
                "InvalidParameter", "was not found");
        ClusterArm.assertError(arm.call("PUT", ws.id() + "/linkedStorageAccounts/Query" + API, "{\"properties\":{\"storageAccountIds\":[\""
                + a1.id() + "\"],\"storageAccountKind\":\"x\"}}"), 400, "InvalidParameter", "'properties.storageAccountKind'");
        // another tenant's account is not there for this caller
        ClusterArm other = new ClusterArm("f0000000-0000-4000-8000-0000000000c2", "linked-storage-other");
        String otherSub = ClusterArm.sub();
        ClusterArm.Reply theirs = other.call("PUT", StorageAccountsTest.path(otherSub, StorageAccountsTest.name()) + StorageAccountsTest.API,
                StorageAccountsTest.create("westeurope"));
        assertThat(theirs.status()).as(theirs.text()).isEqualTo(200);
        ClusterArm.assertError(link(ws, "Query", (String) theirs.json().get("id")), 400, "InvalidParameter", "was not found");
        assertThat(arm.call("GET", ws.id() + "/linkedStorageAccounts" + API, null).text()).isEqualTo("{\"value\":[]}");

        assertThat(link(ws, "Query", a1.id()).status()).isEqualTo(200);
        assertThat(link(ws, "Alerts", a1.id()).status()).isEqualTo(200);
        assertThat(putSearch(ws, "s1", "Heartbeat").status()).isEqualTo(200);
        // a second account for Query replaces the first: one account per data source type, and the searches go
        assertThat(link(ws, "Query", a2.id()).status()).isEqualTo(200);
        ClusterArm.Reply query = arm.call("GET", ws.id() + "/linkedStorageAccounts/query" + API, null);
        assertThat(query.status()).as(query.text()).isEqualTo(200);
        assertThat(query.properties()).containsEntry("storageAccountIds", List.of(a2.id()));
        assertThat(searchNames(ws)).isEmpty();
        ClusterArm.Reply listed = arm.call("GET", ws.id() + "/linkedStorageAccounts" + API, null);
        assertThat(((List<Map<String, Object>>) listed.json().get("value")).stream().map(l -> l.get("name")).toList())
                .containsExactly("Alerts", "Query");
        // an account without a customer key keeps searches under the platform key (Microsoft-managed)
        assertThat(putSearch(ws, "s2", "Heartbeat").status()).isEqualTo(200);
        assertThat(keyOf(ws, "s2")).isEqualTo("platform:-");
        ClusterArm.assertError(other.call("GET", ws.id() + "/savedSearches" + API, null), 403, "AuthorizationFailed", null);
    }

    @Test
    void withTheAccountsKeyRevokedSavedSearchesCannotBeReadOrWrittenUntilItIsRestored() throws Exception {
        String sub = ClusterArm.sub();
        Logs.Workspace ws = logs.workspace(sub);
        Account acct = account(sub, "westeurope", true);
        assertThat(link(ws, "Query", acct.id()).status()).isEqualTo(200);
        assertThat(putSearch(ws, "kept", "Heartbeat | take 10").status()).isEqualTo(200);
        assertThat(arm.pollKeyState(acct.uuid(), "Accessible")).isEqualTo("Accessible");
        assertThat(getSearch(ws, "kept").status()).isEqualTo(200);

        arm.revoke(VAULT_SUBSCRIPTION, VAULT, acct.principalId(), "get", "wrapKey", "unwrapKey");
        assertThat(arm.pollKeyState(acct.uuid(), "Revoked")).isEqualTo("Revoked");
        ClusterArm.assertError(getSearch(ws, "kept"), 403, "CustomerManagedKeyInaccessible", "cannot be read or written");
        ClusterArm.assertError(arm.call("GET", ws.id() + "/savedSearches" + API, null), 403, "CustomerManagedKeyInaccessible", null);
        ClusterArm.assertError(putSearch(ws, "new", "Perf"), 403, "CustomerManagedKeyInaccessible", null);
        ClusterArm.assertError(arm.call("DELETE", ws.id() + "/savedSearches/kept" + API, null), 403, "CustomerManagedKeyInaccessible", null);
        assertThat(arm.query("SELECT count(*) FROM workspace_saved_searches WHERE workspace_customer_id = ?::uuid", ws.customerId(),
                Long.class)).isEqualTo(1);

        arm.grant(VAULT_SUBSCRIPTION, VAULT, acct.principalId(), "get", "wrapKey", "unwrapKey");
        assertThat(arm.pollKeyState(acct.uuid(), "Accessible")).isEqualTo("Accessible");
        ClusterArm.Reply back = getSearch(ws, "kept");
        assertThat(back.status()).as(back.text()).isEqualTo(200);
        assertThat(back.properties()).containsEntry("query", "Heartbeat | take 10");
        assertThat(putSearch(ws, "new", "Perf").status()).isEqualTo(200);
        assertThat(searchNames(ws)).containsExactly("kept", "new");
    }
}
