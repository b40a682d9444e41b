package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import java.io.IOException;
import java.net.URI;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 item 3: NUL and other control characters in path segments, query parameters, header values and JSON strings,
 * a null tag value or {@code properties}, and malformed percent escapes are refused with 400 in the envelope of the
 * surface they were sent to (ARM's on management routes, Key Vault's {@code BadParameter} on vault hosts, ARM's on the
 * Log Analytics data plane, OAuth's on the token endpoint), before any database or HSM call: the path, query and header
 * cases are refused before authentication, so they answer 400 without a token.
 */
class InputHygieneTest {

    private static final String TENANT = UUID.randomUUID().toString();
    private static ClusterArm arm;
    private static String sub;
    private static String vault;
    private static String keyVersion;
    private static String vaultToken;
    private static String vaultHost;

    @BeforeAll
    static void start() throws Exception {
        arm = new ClusterArm(TENANT, "hygiene");
        sub = ClusterArm.sub();
        vault = ClusterArm.name("kwhy");
        arm.putVault(sub, vault, "eastus", false);
        keyVersion = arm.createKeyWithoutDns(vault, "hk");
        vaultToken = arm.host.token(arm.client, Audiences.KEY_VAULT);
        vaultHost = vault + ".vault.localhost:" + arm.host.host().port();
    }

    // --- ARM

    @Test
    void armRefusesControlCharactersInThePathQueryAndHeadersBeforeAuthentication() throws Exception {
        String vaults = "/subscriptions/" + sub + "/resourceGroups/rg%00x/providers/Microsoft.KeyVault/vaults";
        assertEnvelope(send("GET " + vaults + ClusterArm.VAULT_API + " HTTP/1.1\r\nHost: " + RawHttps.authority() + "\r\n\r\n"),
                400, "BadRequest", "path");
        assertEnvelope(send("GET " + vaults.replace("%00", "%1B") + ClusterArm.VAULT_API + " HTTP/1.1\r\nHost: " + RawHttps.authority()
                + "\r\n\r\n"), 400, "BadRequest", "path");
        assertEnvelope(send("GET /subscriptions/" + sub + "/providers/Microsoft.KeyVault/vaults?api-version=2023-07-01&%24skiptoken=a%0Ab"
                + " HTTP/1.1\r\nHost: " + RawHttps.authority() + "\r\n\r\n"), 400, "BadRequest", "skiptoken");
        assertEnvelope(send("GET /subscriptions/" + sub + "/providers/Microsoft.KeyVault/vaults" + ClusterArm.VAULT_API
                + " HTTP/1.1\r\nHost: " + RawHttps.authority() + "\r\nx-ms-client-request-id: a\u0001b\r\n\r\n"), 400, "BadRequest", "header");
        assertEnvelope(send("GET /subscriptions/%ZZ/providers/Microsoft.KeyVault/vaults?api-version=2023-07-01 HTTP/1.1\r\nHost: "
                + RawHttps.authority() + "\r\n\r\n"), 400, "BadRequest", null);
        // and with a token, the same answers: the resource name itself
        ClusterArm.Reply named = arm.call("GET", URI.create(arm.host.baseUri() + "/subscriptions/" + sub
                + "/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w%00s?api-version=2022-10-01"), arm.armToken(), null);
        ClusterArm.assertError(named, 400, "BadRequest", "control character");
    }

    @Test
    void armRefusesControlCharactersAndNullsInBodiesNamingTheProperty() throws Exception {
        String rg = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/";
        String workspace = rg + "Microsoft.OperationalInsights/workspaces/hyws1?api-version=2022-10-01";
        ClusterArm.Reply nulTag = arm.call("PUT", workspace, "{\"location\":\"eastus\",\"tags\":{\"a\":\"x\\u0000y\"},\"properties\":{}}");
        assertTarget(nulTag, "InvalidRequestContent", "tags.a");
        ClusterArm.Reply ctlName = arm.call("PUT", rg + "Microsoft.Kusto/clusters/hyk1?api-version=2024-04-13",
                "{\"location\":\"eastus\",\"sku\":{\"name\":\"Standard_E8ads_v5\",\"tier\":\"Standard\"},\"properties\":{\"displayName\":\"a\\u0007\"}}");
        assertTarget(ctlName, "InvalidRequestContent", "properties.displayName");
        ClusterArm.Reply nullTag = arm.call("PUT", workspace, "{\"location\":\"eastus\",\"tags\":{\"a\":null}}");
        assertTarget(nullTag, "InvalidParameter", "tags.a");
        for (String path : new String[] {workspace, rg + "Microsoft.OperationalInsights/clusters/hycl1?api-version=2022-10-01",
                rg + "Microsoft.StorageCache/caches/hyc1?api-version=2023-05-01",
                "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/" + vault + ClusterArm.VAULT_API}) {
            ClusterArm.Reply nullProperties = arm.call("PUT", path, "{\"location\":\"eastus\",\"properties\":null}");
            assertTarget(nullProperties, "InvalidParameter", "properties");
            ClusterArm.Reply nullPatch = arm.call("PATCH", path, "{\"properties\":null}");
            assertThat(nullPatch.status()).as(path + ": " + nullPatch.text()).isEqualTo(400);
        }
        ClusterArm.Reply policy = arm.call("PUT", "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/"
                + vault + "/accessPolicies/add" + ClusterArm.VAULT_API, "{\"properties\":{\"accessPolicies\":[{\"tenantId\":\"" + TENANT
                + "\",\"objectId\":\"o\\u0000\",\"permissions\":{\"keys\":[\"get\"]}}]}}");
        assertTarget(policy, "InvalidRequestContent", "properties.accessPolicies[0].objectId");
    }

    // --- Key Vault data plane

    @Test
    void keyVaultRefusesControlCharactersInThePathQueryAndHeadersBeforeAuthentication() throws Exception {
        assertEnvelope(send("POST /keys/hk/%00/wrapkey?api-version=7.4 HTTP/1.1\r\nHost: " + vaultHost + "\r\nContent-Length: 0\r\n\r\n"),
                400, "BadParameter", "path");
        assertEnvelope(send("GET /keys/h%7Fk?api-version=7.4 HTTP/1.1\r\nHost: " + vaultHost + "\r\n\r\n"), 400, "BadParameter", "path");
        assertEnvelope(send("GET /keys?api-version=7.4%00 HTTP/1.1\r\nHost: " + vaultHost + "\r\n\r\n"), 400, "BadParameter", "api-version");
        assertEnvelope(send("GET /keys?api-version=7.4 HTTP/1.1\r\nHost: " + vaultHost + "\r\nx-ms-client-request-id: \u0002\r\n\r\n"),
                400, "BadParameter", "header");
        assertEnvelope(send("GET /keys/%ZZ?api-version=7.4 HTTP/1.1\r\nHost: " + vaultHost + "\r\n\r\n"), 400, "BadParameter", null);
        // with a token too: the NUL key version never reaches the database
        ClusterArm.Reply nul = arm.vaultCall(vault, "POST", "/keys/hk/%00/wrapkey?api-version=7.4", vaultToken,
                "{\"alg\":\"RSA-OAEP\",\"value\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]) + "\"}");
        ClusterArm.assertError(nul, 400, "BadParameter", "control character");
    }

    @Test
    void keyVaultRefusesControlCharactersAndNullTagsInBodies() throws Exception {
        ClusterArm.Reply nulTag = arm.vaultCall(vault, "POST", "/keys/hk2/create?api-version=7.4", vaultToken,
                "{\"kty\":\"RSA\",\"key_size\":2048,\"tags\":{\"a\":\"b\\u0000\"}}");
        ClusterArm.assertError(nulTag, 400, "BadParameter", "tags.a");
        ClusterArm.Reply ctlTagName = arm.vaultCall(vault, "PATCH", "/keys/hk/" + keyVersion + "?api-version=7.4", vaultToken,
                "{\"tags\":{\"a\\u001fb\":\"c\"}}");
        ClusterArm.assertError(ctlTagName, 400, "BadParameter", "control character");
        ClusterArm.Reply nullTag = arm.vaultCall(vault, "PATCH", "/keys/hk/" + keyVersion + "?api-version=7.4", vaultToken,
                "{\"tags\":{\"a\":null}}");
        ClusterArm.assertError(nullTag, 400, "BadParameter", "'a'");
        // nothing was stored: the key is as it was
        ClusterArm.Reply get = arm.vaultCall(vault, "GET", "/keys/hk/" + keyVersion + "?api-version=7.4", vaultToken, null);
        assertThat(get.status()).as(get.text()).isEqualTo(200);
        assertThat(get.json().get("tags")).as(get.text()).satisfiesAnyOf(t -> assertThat(t).isNull(), t -> assertThat(t).isEqualTo(java.util.Map.of()));
    }

    // --- Log Analytics data plane, token endpoint

    @Test
    void theDataPlaneRefusesControlCharactersInItsPathQueryHeadersAndColumnNames() throws Exception {
        String ws = UUID.randomUUID().toString();
        assertEnvelope(send("GET /api/workspaces/" + ws + "/logs?table=A%00 HTTP/1.1\r\nHost: " + RawHttps.authority() + "\r\n\r\n"),
                400, "BadRequest", "table");
        assertEnvelope(send("POST /api/workspaces/" + ws + "%01/logs HTTP/1.1\r\nHost: " + RawHttps.authority() + "\r\nContent-Length: 0\r\n\r\n"),
                400, "BadRequest", "path");
        assertEnvelope(send("POST /api/workspaces/" + ws + "/logs HTTP/1.1\r\nHost: " + RawHttps.authority()
                + "\r\nLog-Type: T\u0001\r\nContent-Length: 2\r\n\r\n[]"), 400, "BadRequest", null); // Netty's or ours
        assertEnvelope(send("GET /api/workspaces/" + ws + "/logs?table=%ZZ HTTP/1.1\r\nHost: " + RawHttps.authority() + "\r\n\r\n"),
                400, "BadRequest", null);
        ClusterArm.Reply created = arm.call("PUT", "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.OperationalInsights"
                + "/workspaces/hydp1?api-version=2022-10-01", "{\"location\":\"eastus\",\"properties\":{\"sku\":{\"name\":\"PerGB2018\"}}}");
        assertThat(created.status()).as(created.text()).isIn(200, 201);
        String customerId = (String) created.properties().get("customerId");
        ClusterArm.Reply column = arm.call("POST", URI.create(arm.host.baseUri() + "/api/workspaces/" + customerId + "/logs"),
                arm.armToken(), "[{\"ok\":1},{\"bad\\u0000name\":2}]");
        assertThat(column.status()).as(column.text()).isIn(400, 415);
    }

    @Test
    void theTokenEndpointRefusesControlCharactersBeforeItLooksAnythingUp() throws Exception {
        String form = "grant_type=client_credentials&client_id=" + UUID.randomUUID() + "%00&client_secret=s&scope="
                + "https%3A%2F%2Fmanagement.azure.com%2F.default";
        RawHttps.Response r = send("POST /" + TENANT + "/oauth2/v2.0/token HTTP/1.1\r\nHost: " + RawHttps.authority()
                + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + form.length() + "\r\n\r\n" + form);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("\"error\":\"invalid_request\"").contains("control character");
    }

    // --- helpers

    private static RawHttps.Response send(String request) throws IOException {
        try (RawHttps c = RawHttps.open(RawHttps.loopback(7))) {
            c.write(request);
            return c.response();
        }
    }

    private static void assertEnvelope(RawHttps.Response r, int status, String code, String messagePart) {
        assertThat(r.status()).as(r.head() + r.body()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.body()).startsWith("{\"error\":{\"code\":\"" + code + "\",\"message\":\"")
                .doesNotContainIgnoringCase("<html").doesNotContain("Exception");
        if (messagePart != null) {
            assertThat(r.body()).as(r.body()).contains(messagePart);
        }
    }

    private static void assertTarget(ClusterArm.Reply r, String code, String target) {
        assertThat(r.status()).as(r.text()).isEqualTo(400);
        assertThat(r.error()).as(r.text()).containsEntry("code", code).containsEntry("target", target);
    }
}
