package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.keyward.app.identity.SignInThrottle;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the stock Azure CLI reads before its first ARM call, over HTTPS on the local host, each as the CLI asks for it:
 * ARM's cloud metadata (with the CLI's double slash), the ADFS-style authority's OpenID metadata and token endpoint
 * (client id only, no tenant in the path; the CLI's audience {@code https://management.core.windows.net/} bound to
 * the ARM surface; the same throttle), and the subscriptions and tenants a caller may see. {@link AzCliWalkthroughTest}
 * runs the CLI itself.
 */
class AzureCliEndpointsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestHost host;

    @BeforeAll
    static void start() {
        host = TestHost.get();
    }

    @Test
    void cloudMetadataNamesTheAdfsAuthorityAndArm() throws Exception {
        String base = host.baseUri().toString();
        // az cloud register --endpoint-resource-manager https://127.0.0.1:PORT/ asks for //metadata/endpoints
        try (RawHttps raw = RawHttps.open(RawHttps.loopback(1))) {
            raw.write("GET //metadata/endpoints?api-version=2015-01-01 HTTP/1.1\r\nHost: " + RawHttps.authority()
                    + "\r\nConnection: close\r\n\r\n");
            RawHttps.Response r = raw.response();
            assertThat(r.status()).isEqualTo(200);
            JsonNode classic = JSON.readTree(r.body());
            assertThat(classic.at("/authentication/loginEndpoint").asText()).isEqualTo(base + "/adfs");
            assertThat(classic.at("/authentication/audiences/0").asText()).isEqualTo("https://management.core.windows.net/");
            assertThat(classic.at("/graphEndpoint").isTextual()).isTrue();
        }
        HttpResponse<String> clouds = get("/metadata/endpoints?api-version=2022-09-01", null);
        assertThat(clouds.statusCode()).isEqualTo(200);
        JsonNode cloud = JSON.readTree(clouds.body()).get(0);
        assertThat(cloud.get("name").asText()).isEqualTo("Keyward");
        assertThat(cloud.get("resourceManager").asText()).isEqualTo(base + "/");
        assertThat(cloud.at("/authentication/loginEndpoint").asText()).isEqualTo(base + "/adfs");
        assertThat(cloud.at("/authentication/tenant").asText()).isEqualTo("adfs");
        assertThat(cloud.at("/suffixes/keyVaultDns").asText()).isEqualTo("vault.localhost");

        HttpResponse<String> unknown = get("/metadata/endpoints?api-version=2001-01-01", null);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("InvalidApiVersionParameter");
    }

    @Test
    void adfsMetadataIsWhatMsalRequires() throws Exception {
        HttpResponse<String> r = get("/adfs/.well-known/openid-configuration", null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode c = JSON.readTree(r.body());
        String adfs = host.baseUri() + "/adfs";
        assertThat(c.get("issuer").asText()).isEqualTo(adfs);
        assertThat(c.get("token_endpoint").asText()).isEqualTo(adfs + "/oauth2/token");
        assertThat(c.get("authorization_endpoint").asText()).isEqualTo(adfs + "/oauth2/authorize");
        assertThat(c.get("jwks_uri").asText()).isEqualTo(host.baseUri() + "/discovery/v2.0/keys");
        assertThat(c.get("grant_types_supported").toString()).isEqualTo("[\"client_credentials\"]");

        // advertised, as OpenID requires, but no interactive sign-in is offered there
        HttpResponse<String> authorize = get("/adfs/oauth2/authorize?response_type=code&client_id=x", null);
        assertThat(authorize.statusCode()).isEqualTo(400);
        assertThat(authorize.body()).contains("\"error\":\"unsupported_response_type\"");
    }

    @Test
    void adfsTokensForTheClisAudienceServeArmAndNothingElse() throws Exception {
        String tenant = UUID.randomUUID().toString();
        ClientCredentials client = host.newClient(tenant, "az cli");
        for (String scope : new String[] {"https://management.core.windows.net//.default",
                "https://management.core.windows.net/.default"}) {
            HttpResponse<String> t = adfsToken(client.clientId(), client.clientSecret(), "scope", scope);
            assertThat(t.statusCode()).as(scope).isEqualTo(200);
            String token = JSON.readTree(t.body()).get("access_token").asText();
            SignedJWT jwt = SignedJWT.parse(token);
            assertThat(jwt.getJWTClaimsSet().getAudience()).as("the ARM surface's one audience").containsExactly(Audiences.ARM);
            assertThat(jwt.getJWTClaimsSet().getStringClaim("tid")).isEqualTo(tenant);
            assertThat(get("/tenants?api-version=2022-12-01", token).statusCode()).isEqualTo(200);
            HttpResponse<String> vault = host.http().send(HttpRequest.newBuilder(
                    URI.create("https://kwtest1.vault.localhost:" + host.host().port() + "/keys?api-version=7.4"))
                    .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(vault.statusCode()).as("an ARM token on a vault").isEqualTo(401);
        }
        // v1.0's resource parameter, and the vault audience for az rest --resource https://vault.azure.net
        HttpResponse<String> v1 = adfsToken(client.clientId(), client.clientSecret(), "resource", "https://vault.azure.net");
        assertThat(v1.statusCode()).isEqualTo(200);
        String vaultToken = JSON.readTree(v1.body()).get("access_token").asText();
        assertThat(SignedJWT.parse(vaultToken).getJWTClaimsSet().getAudience()).containsExactly(Audiences.KEY_VAULT);
        assertThat(get("/tenants?api-version=2022-12-01", vaultToken).statusCode()).as("a vault token on ARM").isEqualTo(401);

        HttpResponse<String> graph = adfsToken(client.clientId(), client.clientSecret(), "scope",
                "https://graph.microsoft.com/.default");
        assertThat(graph.statusCode()).isEqualTo(400);
        assertThat(graph.body()).contains("\"error\":\"invalid_scope\"");
    }

    @Test
    void adfsSignInConfirmsNoClientAndIsThrottledWithTheTenantEndpoint() throws Exception {
        String tenant = UUID.randomUUID().toString();
        ClientCredentials target = host.newClient(tenant, "guessed at the adfs endpoint");
        String scope = "https://management.core.windows.net//.default";
        HttpResponse<String> wrong = adfsToken(target.clientId(), "wrong", "scope", scope);
        String nobody = UUID.randomUUID().toString();
        HttpResponse<String> unknown = adfsToken(nobody, "wrong", "scope", scope);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).doesNotContain(tenant).contains("in tenant 'adfs'");
        assertThat(unknown.body().replace(nobody, "")).as("an unknown client answers as a wrong secret").isEqualTo(
                wrong.body().replace(target.clientId(), ""));

        SignInThrottle throttle = host.bean(SignInThrottle.class);
        long failed = throttle.failedSignIns();
        for (int i = 1; i < 10; i++) { // keyward.identity.sign-in.failures-per-client = 10, one spent above
            // the tenant's own endpoint and the ADFS one count against the same client
            HttpResponse<String> r = i % 2 == 0 ? adfsToken(target.clientId(), "guess-" + i, "scope", scope)
                    : tenantToken(tenant, target.clientId(), "guess-" + i);
            assertThat(r.statusCode()).as("attempt %d", i).isEqualTo(401);
        }
        HttpResponse<String> limited = adfsToken(target.clientId(), target.clientSecret(), "scope", scope);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).isPresent();
        assertThat(tenantToken(tenant, target.clientId(), target.clientSecret()).statusCode()).isEqualTo(429);
        assertThat(throttle.failedSignIns() - failed).isGreaterThanOrEqualTo(9);
    }

    @Test
    void callersSeeTheirOwnTenantAndItsSubscriptionsOnly() throws Exception {
        String tenant = UUID.randomUUID().toString();
        String other = UUID.randomUUID().toString();
        String token = host.token(host.newClient(tenant, "lists"), Audiences.ARM);
        String otherToken = host.token(host.newClient(other, "other"), Audiences.ARM);
        String mine = UUID.randomUUID().toString();
        String theirs = UUID.randomUUID().toString();
        claim(mine, token);
        claim(theirs, otherToken);

        HttpResponse<String> list = get("/subscriptions?api-version=2022-12-01", token);
        assertThat(list.statusCode()).isEqualTo(200);
        JsonNode value = JSON.readTree(list.body()).get("value");
        assertThat(value).hasSize(1);
        assertThat(value.get(0).get("id").asText()).isEqualTo("/subscriptions/" + mine);
        assertThat(value.get(0).get("subscriptionId").asText()).isEqualTo(mine);
        assertThat(value.get(0).get("tenantId").asText()).isEqualTo(tenant);
        assertThat(value.get(0).get("state").asText()).isEqualTo("Enabled");

        HttpResponse<String> one = get("/subscriptions/" + mine.toUpperCase() + "?api-version=2019-11-01", token);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(one.body()).get("subscriptionId").asText()).isEqualTo(mine);
        HttpResponse<String> foreign = get("/subscriptions/" + theirs + "?api-version=2022-12-01", token);
        HttpResponse<String> none = get("/subscriptions/" + UUID.randomUUID() + "?api-version=2022-12-01", token);
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(none.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(foreign.body()).at("/error/code").asText()).isEqualTo("SubscriptionNotFound");
        assertThat(JSON.readTree(foreign.body()).at("/error/message").asText())
                .as("another tenant's subscription answers as a missing one")
                .isEqualTo("The subscription '" + theirs + "' could not be found.");
        assertThat(JSON.readTree(none.body()).at("/error/code").asText()).isEqualTo("SubscriptionNotFound");

        HttpResponse<String> tenants = get("/tenants?api-version=2022-12-01", token);
        assertThat(tenants.statusCode()).isEqualTo(200);
        JsonNode t = JSON.readTree(tenants.body()).get("value");
        assertThat(t).hasSize(1);
        assertThat(t.get(0).get("tenantId").asText()).isEqualTo(tenant);
        assertThat(t.get(0).get("id").asText()).isEqualTo("/tenants/" + tenant);

        assertThat(get("/subscriptions?api-version=2022-12-01", null).statusCode()).as("no token").isEqualTo(401);
        assertThat(get("/subscriptions", token).statusCode()).as("no api-version").isEqualTo(400);
    }

    /** The first resource a tenant creates in a subscription makes it the owner. */
    private static void claim(String subscription, String token) throws Exception {
        HttpResponse<String> r = host.http().send(HttpRequest.newBuilder(host.baseUri().resolve("/subscriptions/"
                        + subscription + "/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/claims-subscription?api-version=2022-10-01"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"location\":\"eastus\",\"properties\":{}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(host.baseUri().resolve(path)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return host.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> adfsToken(String clientId, String secret, String param, String value) throws Exception {
        return post("/adfs/oauth2/token", "grant_type=client_credentials&client_id=" + enc(clientId) + "&client_secret="
                + enc(secret) + "&" + param + "=" + enc(value));
    }

    private static HttpResponse<String> tenantToken(String tenant, String clientId, String secret) throws Exception {
        return post("/" + tenant + "/oauth2/v2.0/token", "grant_type=client_credentials&client_id=" + enc(clientId)
                + "&client_secret=" + enc(secret) + "&scope=" + enc("https://management.azure.com/.default"));
    }

    private static HttpResponse<String> post(String path, String form) throws Exception {
        return host.http().send(HttpRequest.newBuilder(host.baseUri().resolve(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
