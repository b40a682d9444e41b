package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ARM {@code Microsoft.KeyVault/vaults} over HTTPS against the in-process host (embedded PostgreSQL, SoftHSM2),
 * with tokens from the host's own token endpoint. Each test works in a fresh subscription and fresh vault names,
 * so tests are independent of each other and of earlier runs on the same database.
 */
class VaultsArmTest {

    private static final String API = "?api-version=2023-07-01";
    private static TestHost host;
    private static JsonMapper json;
    private static String tenant;
    private static ClientCredentials client;
    private static String token;

    @BeforeAll
    static void start() {
        host = TestHost.get();
        json = host.bean(JsonMapper.class);
        tenant = UUID.randomUUID().toString();
        client = host.newClient(tenant, "vaults-arm-test");
        token = host.token(client, Audiences.ARM);
    }

    @Test
    void createsAVaultWithSoftDeleteAndPurgeProtectionAndReadsItBack() throws Exception {
        String sub = sub();
        String name = vaultName();
        Reply put = call("PUT", vault(sub, "rg1", name) + API, token, body("westeurope", """
                "enableSoftDelete": true, "softDeleteRetentionInDays": 30, "enablePurgeProtection": true,
                "accessPolicies": [{"tenantId": "%s", "objectId": "%s", "permissions": {"keys": ["Get", "wrapKey", "UNWRAPKEY"]}}]
                """.formatted(tenant, client.principal().objectId())));

        assertThat(put.status).as(put.text).isEqualTo(201);
        Map<String, Object> props = put.map("properties");
        assertThat(put.json.get("id")).isEqualTo(vault(sub, "rg1", name));
        assertThat(put.json.get("type")).isEqualTo("Microsoft.KeyVault/vaults");
        assertThat(props.get("vaultUri")).isEqualTo("https://" + name + ".vault.localhost:" + host.host().port() + "/");
        assertThat(props).containsEntry("enableSoftDelete", true).containsEntry("softDeleteRetentionInDays", 30)
                .containsEntry("enablePurgeProtection", true).containsEntry("provisioningState", "Succeeded")
                .containsEntry("tenantId", tenant);
        assertThat(props.get("sku")).isEqualTo(Map.of("family", "A", "name", "standard"));
        assertThat(keysOf(put, 0)).containsExactlyInAnyOrder("get", "wrapKey", "unwrapKey");

        // Resource ids are case-insensitive: literals, group and name in other cases reach the same vault.
        String upper = "/SUBSCRIPTIONS/" + sub.toUpperCase() + "/resourcegroups/RG1/providers/microsoft.keyvault/VAULTS/" + name.toUpperCase();
        Reply get = call("GET", upper + API, token, null);
        assertThat(get.status).as(get.text).isEqualTo(200);
        assertThat(get.json.get("id")).isEqualTo(vault(sub, "rg1", name));

        // Defaults: soft delete on with 90 days, purge protection absent until turned on.
        String other = vaultName();
        Reply plain = call("PUT", vault(sub, "rg1", other) + API, token, body("westeurope", ""));
        assertThat(plain.status).as(plain.text).isEqualTo(201);
        assertThat(plain.map("properties")).containsEntry("enableSoftDelete", true).containsEntry("softDeleteRetentionInDays", 90)
                .doesNotContainKey("enablePurgeProtection").containsEntry("accessPolicies", List.of());
        assertThat(plain.json.get("tags")).isEqualTo(Map.of());
        assertThat(call("PUT", vault(sub, "rg1", other) + API, token, body("westeurope", "")).status).isEqualTo(200);
    }

    @Test
    void listsByResourceGroupAndSubscriptionWithPaging() throws Exception {
        String sub = sub();
        List<String> inGroup = List.of(vaultName(), vaultName(), vaultName());
        for (String n : inGroup) {
            assertThat(call("PUT", vault(sub, "rg1", n) + API, token, body("westeurope", "")).status).isEqualTo(201);
        }
        String elsewhere = vaultName();
        assertThat(call("PUT", vault(sub, "rg2", elsewhere) + API, token, body("westeurope", "")).status).isEqualTo(201);

        Reply first = call("GET", "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.KeyVault/vaults" + API + "&$top=2", token, null);
        assertThat(first.status).as(first.text).isEqualTo(200);
        assertThat(names(first)).hasSize(2);
        String next = (String) first.json.get("nextLink");
        assertThat(next).startsWith(host.baseUri() + "/subscriptions/" + sub + "/resourceGroups/rg1/");
        Reply second = callUri("GET", URI.create(next), token, null);
        assertThat(second.status).as(second.text).isEqualTo(200);
        assertThat(second.json).doesNotContainKey("nextLink");
        List<String> all = new ArrayList<>(names(first));
        all.addAll(names(second));
        assertThat(all).containsExactlyInAnyOrderElementsOf(inGroup);

        Reply bySub = call("GET", "/subscriptions/" + sub + "/providers/Microsoft.KeyVault/vaults" + API, token, null);
        assertThat(names(bySub)).containsExactlyInAnyOrder(inGroup.get(0), inGroup.get(1), inGroup.get(2), elsewhere);
    }

    @Test
    void patchesAndPurgeProtectionCannotBeTurnedOff() throws Exception {
        String sub = sub();
        String name = vaultName();
        assertThat(call("PUT", vault(sub, "rg1", name) + API, token, body("westeurope", "")).status).isEqualTo(201);

        Reply patch = call("PATCH", vault(sub, "rg1", name) + API, token,
                "{\"tags\":{\"env\":\"test\"},\"properties\":{\"enablePurgeProtection\":true,\"sku\":{\"family\":\"A\",\"name\":\"Premium\"}}}");
        assertThat(patch.status).as(patch.text).isEqualTo(200);
        assertThat(patch.json.get("tags")).isEqualTo(Map.of("env", "test"));
        assertThat(patch.map("properties")).containsEntry("enablePurgeProtection", true).containsEntry("softDeleteRetentionInDays", 90);
        assertThat(patch.map("properties").get("sku")).isEqualTo(Map.of("family", "A", "name", "premium"));

        Reply off = call("PATCH", vault(sub, "rg1", name) + API, token, "{\"properties\":{\"enablePurgeProtection\":false}}");
        assertError(off, 400, "BadRequest", "properties.enablePurgeProtection");
        assertThat(off.error().get("message")).asString().contains("irreversible");
        Reply offByPut = call("PUT", vault(sub, "rg1", name) + API, token, body("westeurope", "\"enablePurgeProtection\": false"));
        assertError(offByPut, 400, "BadRequest", "properties.enablePurgeProtection");
        Reply softOff = call("PATCH", vault(sub, "rg1", name) + API, token, "{\"properties\":{\"enableSoftDelete\":false}}");
        assertError(softOff, 400, "BadRequest", "properties.enableSoftDelete");
    }

    @Test
    void refusesBadInputWithArmErrors() throws Exception {
        String sub = sub();
        assertError(call("PUT", vault(sub, "rg1", vaultName()) + API, token, body("westeurope", "\"softDeleteRetentionInDays\": 6")),
                400, "BadRequest", "properties.softDeleteRetentionInDays");
        assertError(call("PUT", vault(sub, "rg1", vaultName()) + API, token, body("westeurope", "\"softDeleteRetentionInDays\": 91")),
                400, "BadRequest", "properties.softDeleteRetentionInDays");
        for (String bad : List.of("1vault", "ab", "kw--double", "kw_under", "a234567890123456789012345", "endsdash-")) {
            assertError(call("PUT", vault(sub, "rg1", bad) + API, token, body("westeurope", "")), 400, "VaultNameNotValid", "name");
        }
        assertError(call("PUT", vault(sub, "rg1", vaultName()) + API, token, "{\"location\": \"westeurope\", \"properties\": {"),
                400, "InvalidRequestContent", null);
        assertError(call("PUT", vault(sub, "rg1", vaultName()) + API, token, body("westeurope", "\"softDeleteRetentionInDays\": \"x\"")),
                400, "InvalidRequestContent", null);
        assertError(call("PUT", vault(sub, "rg1", vaultName()) + API, token, body("westeurope",
                "\"accessPolicies\": [{\"tenantId\": \"" + tenant + "\", \"objectId\": \"o1\", \"permissions\": {\"keys\": [\"fly\"]}}]")),
                400, "InvalidParameter", "properties.accessPolicies[0].permissions.keys");
        String wrongTenant = "{\"location\":\"westeurope\",\"properties\":{\"tenantId\":\"" + UUID.randomUUID()
                + "\",\"sku\":{\"family\":\"A\",\"name\":\"standard\"}}}";
        Reply tenantMismatch = call("PUT", vault(sub, "rg1", vaultName()) + API, token, wrongTenant);
        assertError(tenantMismatch, 400, "BadRequest", "properties.tenantId");
        assertError(call("PUT", vault("not-a-guid", "rg1", vaultName()) + API, token, body("westeurope", "")),
                400, "InvalidSubscriptionId", "subscriptionId");

        Reply noVersion = call("GET", vault(sub, "rg1", vaultName()), token, null);
        assertError(noVersion, 400, "MissingApiVersionParameter", "api-version");
        Reply badVersion = call("GET", vault(sub, "rg1", vaultName()) + "?api-version=2099-01-01", token, null);
        assertError(badVersion, 400, "InvalidApiVersionParameter", "api-version");
        assertThat(badVersion.error().get("message")).asString().contains("2023-07-01");

        assertError(call("GET", vault(sub, "rg1", vaultName()) + API, token, null), 404, "ResourceNotFound", null);
    }

    @Test
    void namesAreGloballyUniqueIncludingSoftDeletedVaults() throws Exception {
        String sub = sub();
        String name = vaultName();
        assertThat(call("PUT", vault(sub, "rg1", name) + API, token, body("westeurope", "")).status).isEqualTo(201);
        assertError(call("PUT", vault(sub, "rg2", name) + API, token, body("westeurope", "")), 409, "VaultAlreadyExists", "name");
        assertError(call("PUT", vault(sub(), "rg1", name.toUpperCase()) + API, token, body("westeurope", "")), 409, "VaultAlreadyExists", "name");

        assertThat(call("DELETE", vault(sub, "rg1", name) + API, token, null).status).isEqualTo(200);
        Reply again = call("PUT", vault(sub, "rg1", name) + API, token, body("westeurope", ""));
        assertError(again, 409, "ConflictError", null);
        assertError(call("PUT", vault(sub, "rg2", name) + API, token, body("westeurope", "")), 409, "VaultAlreadyExists", "name");
    }

    @Test
    void mergesAccessPoliciesAsAzureDoes() throws Exception {
        String sub = sub();
        String name = vaultName();
        assertThat(call("PUT", vault(sub, "rg1", name) + API, token, body("westeurope",
                "\"accessPolicies\": [" + policy("o1", "get", "list") + "]")).status).isEqualTo(201);
        String policies = vault(sub, "rg1", name) + "/accessPolicies/";

        Reply add = call("PUT", policies + "add" + API, token, policies(policy("o1", "wrapKey", "GET"), policy("o2", "unwrapKey")));
        assertThat(add.status).as(add.text).isEqualTo(200);
        assertThat(add.json.get("type")).isEqualTo("Microsoft.KeyVault/vaults/accessPolicies");
        assertThat(add.json.get("id")).isEqualTo(vault(sub, "rg1", name) + "/accessPolicies/add");
        Reply afterAdd = call("GET", vault(sub, "rg1", name) + API, token, null);
        assertThat(keysOf(afterAdd, "o1")).containsExactlyInAnyOrder("get", "list", "wrapKey");
        assertThat(keysOf(afterAdd, "o2")).containsExactly("unwrapKey");

        Reply remove = call("PUT", policies + "remove" + API, token, policies(policy("o1", "list"), policy("o2", "unwrapKey")));
        assertThat(remove.status).as(remove.text).isEqualTo(200);
        Reply afterRemove = call("GET", vault(sub, "rg1", name) + API, token, null);
        assertThat(keysOf(afterRemove, "o1")).containsExactlyInAnyOrder("get", "wrapKey");
        assertThat(policiesOf(afterRemove)).hasSize(1); // o2 had nothing left

        Reply replace = call("PUT", policies + "Replace" + API, token, policies(policy("o3", "all")));
        assertThat(replace.status).as(replace.text).isEqualTo(200);
        Reply afterReplace = call("GET", vault(sub, "rg1", name) + API, token, null);
        assertThat(policiesOf(afterReplace)).hasSize(1);
        assertThat(keysOf(afterReplace, "o3")).hasSize(20).contains("getrotationpolicy", "release");

        assertError(call("PUT", policies + "merge" + API, token, policies(policy("o3", "get"))), 400, "InvalidParameter", "operationKind");
    }

    @Test
    void deletesSoftlyThenRecovers() throws Exception {
        String sub = sub();
        String name = vaultName();
        assertThat(call("PUT", vault(sub, "rg1", name) + API, token, body("West Europe", "\"softDeleteRetentionInDays\": 7")).status).isEqualTo(201);

        Reply delete = call("DELETE", vault(sub, "rg1", name) + API, token, null);
        assertThat(delete.status).isEqualTo(200);
        assertThat(call("DELETE", vault(sub, "rg1", name) + API, token, null).status).isEqualTo(204);
        assertError(call("GET", vault(sub, "rg1", name) + API, token, null), 404, "ResourceNotFound", null);

        Reply deleted = call("GET", deletedVault(sub, "westeurope", name) + API, token, null);
        assertThat(deleted.status).as(deleted.text).isEqualTo(200);
        assertThat(deleted.json.get("type")).isEqualTo("Microsoft.KeyVault/deletedVaults");
        Map<String, Object> props = deleted.map("properties");
        assertThat(props.get("vaultId")).isEqualTo(vault(sub, "rg1", name));
        java.time.Instant deletionDate = java.time.Instant.parse((String) props.get("deletionDate"));
        assertThat(java.time.Instant.parse((String) props.get("scheduledPurgeDate"))).isEqualTo(deletionDate.plus(java.time.Duration.ofDays(7)));

        Reply list = call("GET", "/subscriptions/" + sub + "/providers/Microsoft.KeyVault/deletedVaults" + API, token, null);
        assertThat(names(list)).containsExactly(name);

        Reply recover = call("PUT", vault(sub, "rg1", name) + API, token, body("westeurope", "\"createMode\": \"recover\""));
        assertThat(recover.status).as(recover.text).isEqualTo(200);
        Reply get = call("GET", vault(sub, "rg1", name) + API, token, null);
        assertThat(get.status).isEqualTo(200);
        assertThat(get.map("properties")).containsEntry("softDeleteRetentionInDays", 7);
        assertError(call("GET", deletedVault(sub, "westeurope", name) + API, token, null), 404, "ResourceNotFound", null);
        assertError(call("PUT", vault(sub, "rg1", vaultName()) + API, token, body("westeurope", "\"createMode\": \"recover\"")),
                404, "ResourceNotFound", "properties.createMode");
    }

    @Test
    void purgeIsRefusedUnderPurgeProtectionAndAllowedWithout() throws Exception {
        String sub = sub();
        String protectedVault = vaultName();
        String plain = vaultName();
        assertThat(call("PUT", vault(sub, "rg1", protectedVault) + API, token, body("westeurope", "\"enablePurgeProtection\": true")).status).isEqualTo(201);
        assertThat(call("PUT", vault(sub, "rg1", plain) + API, token, body("westeurope", "")).status).isEqualTo(201);
        assertThat(call("DELETE", vault(sub, "rg1", protectedVault) + API, token, null).status).isEqualTo(200);
        assertThat(call("DELETE", vault(sub, "rg1", plain) + API, token, null).status).isEqualTo(200);

        Reply refused = call("POST", deletedVault(sub, "westeurope", protectedVault) + "/purge" + API, token, null);
        assertError(refused, 409, "ConflictError", null);
        assertThat(refused.error().get("message")).asString().contains("purge protection");

        Reply purged = call("POST", deletedVault(sub, "westeurope", plain) + "/purge" + API, token, null);
        assertThat(purged.status).as(purged.text).isEqualTo(200);
        assertError(call("GET", deletedVault(sub, "westeurope", plain) + API, token, null), 404, "ResourceNotFound", null);
        // the name is free again
        assertThat(call("PUT", vault(sub, "rg1", plain) + API, token, body("westeurope", "")).status).isEqualTo(201);

        // Without soft delete a delete is final and frees the name at once.
        String hard = vaultName();
        assertThat(call("PUT", vault(sub, "rg1", hard) + API, token, body("westeurope", "\"enableSoftDelete\": false")).status).isEqualTo(201);
        assertThat(call("DELETE", vault(sub, "rg1", hard) + API, token, null).status).isEqualTo(200);
        assertError(call("GET", deletedVault(sub, "westeurope", hard) + API, token, null), 404, "ResourceNotFound", null);
        assertThat(call("PUT", vault(sub, "rg2", hard) + API, token, body("westeurope", "")).status).isEqualTo(201);
    }

    @Test
    void purgeProtectionEndsAtTheScheduledPurgeDateAndTheTimerPurges() throws Exception {
        String sub = sub();
        String manual = vaultName();
        String timed = vaultName();
        for (String n : List.of(manual, timed)) {
            assertThat(call("PUT", vault(sub, "rg1", n) + API, token, body("westeurope", "\"enablePurgeProtection\": true")).status).isEqualTo(201);
            assertThat(call("DELETE", vault(sub, "rg1", n) + API, token, null).status).isEqualTo(200);
            movePurgeDateToThePast(n);
        }

        Reply purged = call("POST", deletedVault(sub, "westeurope", manual) + "/purge" + API, token, null);
        assertThat(purged.status).as(purged.text).isEqualTo(200);

        host.host().fireTimer("Vaults_PurgeExpired");
        assertError(call("GET", deletedVault(sub, "westeurope", timed) + API, token, null), 404, "ResourceNotFound", null);
        assertThat(call("GET", "/subscriptions/" + sub + "/providers/Microsoft.KeyVault/deletedVaults" + API, token, null).json.get("value"))
                .isEqualTo(List.of());
    }

    /** Stands in for the passing of the retention period (7-90 days), which a test cannot wait for. */
    private static void movePurgeDateToThePast(String name) throws Exception {
        var db = host.host().database();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             java.sql.PreparedStatement ps = c.prepareStatement(
                     "UPDATE vaults SET scheduled_purge_at = now() - interval '1 minute' WHERE lower(name) = lower(?)")) {
            ps.setString(1, name);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    @Test
    void anotherTenantIsRefusedAndSeesNothing() throws Exception {
        String sub = sub();
        String name = vaultName();
        assertThat(call("PUT", vault(sub, "rg1", name) + API, token, body("westeurope", "")).status).isEqualTo(201);

        String otherTenant = UUID.randomUUID().toString();
        ClientCredentials intruder = host.newClient(otherTenant, "intruder");
        String other = host.token(intruder, Audiences.ARM);
        assertError(call("GET", vault(sub, "rg1", name) + API, other, null), 403, "AuthorizationFailed", null);
        assertError(call("GET", vault(sub, "rg1", "nosuchvault") + API, other, null), 403, "AuthorizationFailed", null);
        assertError(call("PUT", vault(sub, "rg9", vaultName()) + API, other, body(otherTenant, "westeurope", "")), 403, "AuthorizationFailed", null);
        assertError(call("DELETE", vault(sub, "rg1", name) + API, other, null), 403, "AuthorizationFailed", null);
        assertError(call("GET", "/subscriptions/" + sub + "/providers/Microsoft.KeyVault/vaults" + API, other, null), 403, "AuthorizationFailed", null);

        // In a subscription of its own the other tenant works, and sees only its own vaults.
        String ownSub = sub();
        String own = vaultName();
        assertThat(call("PUT", vault(ownSub, "rg1", own) + API, other, body(otherTenant, "westeurope", "")).status).isEqualTo(201);
        assertThat(names(call("GET", "/subscriptions/" + ownSub + "/providers/Microsoft.KeyVault/vaults" + API, other, null))).containsExactly(own);
        assertThat(call("GET", vault(sub, "rg1", name) + API, token, null).status).isEqualTo(200);
    }

    @Test
    void keyVaultsChallengeNamesTheTenantOfTheVault() throws Exception {
        // A fixed vault name (it must be in src/test/resources/hosts), so a fixed tenant and subscription: the
        // database outlives a run, and the second run's PUT is then an update of the first run's vault.
        String vaultTenant = "b0000000-0000-4000-8000-00000000b001";
        String subscription = "b0000000-0000-4000-8000-0000000005b1";
        String owner = host.token(host.owner(host.newClient(vaultTenant, "vault-owner"), subscription), Audiences.ARM);
        Reply put = call("PUT", vault(subscription, "rg-challenge", "kwarmtenant") + API, owner, body(vaultTenant, "westeurope", ""));
        assertThat(put.status).as(put.text).isIn(200, 201);

        HttpResponse<String> r = host.http().send(HttpRequest.newBuilder(host.vaultUri("kwarmtenant").resolve("/keys?api-version=7.4"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v ->
                assertThat(v).contains("/" + vaultTenant + "\"").contains("resource=\"https://vault.azure.net\""));
    }

    @Test
    void requestsWithoutATokenGetArmsChallenge() throws Exception {
        Reply r = call("GET", vault(sub(), "rg1", vaultName()) + API, null, null);
        assertThat(r.status).isEqualTo(401);
        assertThat(r.error().get("code")).isEqualTo("AuthenticationFailed");
    }

    // --- helpers

    private static String sub() {
        return UUID.randomUUID().toString();
    }

    private static String vaultName() {
        return "kwb" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static String vault(String sub, String group, String name) {
        return "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/Microsoft.KeyVault/vaults/" + name;
    }

    private static String deletedVault(String sub, String location, String name) {
        return "/subscriptions/" + sub + "/providers/Microsoft.KeyVault/locations/" + location + "/deletedVaults/" + name;
    }

    private static String body(String location, String extraProperties) {
        return body(tenant, location, extraProperties);
    }

    private static String body(String tenantId, String location, String extraProperties) {
        return "{\"location\":\"" + location + "\",\"properties\":{\"tenantId\":\"" + tenantId
                + "\",\"sku\":{\"family\":\"A\",\"name\":\"standard\"}" + (extraProperties.isBlank() ? "" : "," + extraProperties) + "}}";
    }

    private static String policy(String objectId, String... keys) {
        return "{\"tenantId\":\"" + tenant + "\",\"objectId\":\"" + objectId + "\",\"permissions\":{\"keys\":[\""
                + String.join("\",\"", keys) + "\"]}}";
    }

    private static String policies(String... policies) {
        return "{\"properties\":{\"accessPolicies\":[" + String.join(",", policies) + "]}}";
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
    private static List<Map<String, Object>> policiesOf(Reply r) {
        return (List<Map<String, Object>>) r.map("properties").get("accessPolicies");
    }

    @SuppressWarnings("unchecked")
    private static List<String> keysOf(Reply r, int index) {
        return (List<String>) ((Map<String, Object>) policiesOf(r).get(index).get("permissions")).get("keys");
    }

    @SuppressWarnings("unchecked")
    private static List<String> keysOf(Reply r, String objectId) {
        Map<String, Object> p = policiesOf(r).stream().filter(x -> objectId.equals(x.get("objectId"))).findFirst().orElseThrow();
        return (List<String>) ((Map<String, Object>) p.get("permissions")).get("keys");
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
        return new Reply(r.statusCode(), r.body(), parse(r.body()));
    }

    private static Map<String, Object> parse(String text) throws IOException {
        if (text == null || text.isBlank()) {
            return Map.of();
        }
        return json.readValue(text, Argument.mapOf(String.class, Object.class));
    }

    private record Reply(int status, String text, Map<String, Object> json) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map(String key) {
            return (Map<String, Object>) json.get(key);
        }

        Map<String, Object> error() {
            return map("error") == null ? Map.of() : map("error");
        }
    }
}
