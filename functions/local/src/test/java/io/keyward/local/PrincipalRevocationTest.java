package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.micronaut.json.JsonMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A token whose principal was deleted or disabled after it was issued is refused on its next use, over HTTPS on the
 * local host: a client deleted or disabled by the operator ({@code /identity/tenants/{t}/clients/{id}}), and a managed
 * identity deleted through {@link IdentityService}. On the instance that made the change this is at once; other
 * instances follow within {@code keyward.identity.principal-cache-ttl}.
 */
class PrincipalRevocationTest {

    private static TestHost host;
    private static String operatorToken;

    @BeforeAll
    static void start() throws Exception {
        host = TestHost.get();
        Map<?, ?> operator = host.bean(JsonMapper.class).readValue(
                Files.readAllBytes(Path.of("target/host-home-tests/.keyward/identity/operator.json")), Map.class);
        operatorToken = host.token(new ClientCredentials((String) operator.get("tenantId"), (String) operator.get("clientId"),
                (String) operator.get("clientSecret"), null), Audiences.ARM);
    }

    @Test
    void aDeletedClientsPreviouslyIssuedTokenIsRefused() throws Exception {
        String tenant = UUID.randomUUID().toString();
        ClientCredentials client = register(tenant, "to be deleted");
        String token = host.token(client, Audiences.ARM);
        assertThat(listVaults(token).statusCode()).as("the token works before the deletion").isEqualTo(200);

        HttpResponse<String> deleted = call("DELETE", clientUri(tenant, client.clientId()), operatorToken, null);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);

        HttpResponse<String> after = listVaults(token);
        assertThat(after.statusCode()).as(after.body()).isEqualTo(401);
        assertThat(after.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("error=\"invalid_token\"");
        assertThat(after.body()).contains("\"code\":\"InvalidAuthenticationToken\"");
        HttpResponse<String> signIn = tokenRequest(client);
        assertThat(signIn.statusCode()).isEqualTo(401);
        assertThat(signIn.body()).contains("\"error\":\"invalid_client\"");
        assertThat(call("DELETE", clientUri(tenant, client.clientId()), operatorToken, null).statusCode())
                .as("deleted once").isEqualTo(404);
    }

    @Test
    void aDisabledClientIsRefusedUntilEnabledAgain() throws Exception {
        String tenant = UUID.randomUUID().toString();
        ClientCredentials client = register(tenant, "to be disabled");
        String token = host.token(client, Audiences.ARM);

        HttpResponse<String> disabled = call("PATCH", clientUri(tenant, client.clientId()), operatorToken, "{\"accountEnabled\":false}");
        assertThat(disabled.statusCode()).as(disabled.body()).isEqualTo(200);
        assertThat(disabled.body()).contains("\"accountEnabled\":false");
        assertThat(listVaults(token).statusCode()).isEqualTo(401);
        HttpResponse<String> signIn = tokenRequest(client);
        assertThat(signIn.statusCode()).isEqualTo(401);
        assertThat(signIn.body()).contains("\"error\":\"unauthorized_client\"").contains("AADSTS7000112");

        assertThat(call("PATCH", clientUri(tenant, client.clientId()), operatorToken, "{\"accountEnabled\":true}").statusCode())
                .isEqualTo(200);
        assertThat(listVaults(token).statusCode()).isEqualTo(200);
        assertThat(tokenRequest(client).statusCode()).isEqualTo(200);
    }

    @Test
    void onlyOperatorsDeleteOrDisableClients() throws Exception {
        String tenant = UUID.randomUUID().toString();
        ClientCredentials victim = register(tenant, "victim");
        ClientCredentials neighbour = host.newClient(tenant, "neighbour");
        String neighbourToken = host.token(neighbour, Audiences.ARM);

        assertThat(call("DELETE", clientUri(tenant, victim.clientId()), neighbourToken, null).statusCode()).isEqualTo(403);
        assertThat(call("PATCH", clientUri(tenant, victim.clientId()), neighbourToken, "{\"accountEnabled\":false}").statusCode())
                .isEqualTo(403);
        assertThat(tokenRequest(victim).statusCode()).isEqualTo(200);
        assertThat(call("PATCH", clientUri(tenant, victim.clientId()), operatorToken, "{}").statusCode()).isEqualTo(400);
    }

    @Test
    void aDeletedManagedIdentitysKeyVaultTokenIsRefused() throws Exception {
        IdentityService identities = host.bean(IdentityService.class);
        Principal identity = identities.createPrincipal(UUID.randomUUID().toString(), PrincipalType.MANAGED_IDENTITY, "cluster-1");
        String token = identities.issueToken(identity, Audiences.KEY_VAULT, Duration.ofMinutes(10));
        URI keys = host.vaultUri("kwtest3").resolve("/keys?api-version=7.4");
        assertThat(call("GET", keys, token, null).statusCode()).as("authenticated: no such vault").isEqualTo(404);

        assertThat(identities.deletePrincipal(identity.tenantId(), identity.objectId())).isTrue();

        HttpResponse<String> after = call("GET", keys, token, null);
        assertThat(after.statusCode()).isEqualTo(401);
        assertThat(after.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("resource=\"https://vault.azure.net\"");
        assertThat(identities.findPrincipal(identity.tenantId(), identity.objectId())).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------

    private static ClientCredentials register(String tenant, String name) throws Exception {
        HttpResponse<String> created = call("POST", host.baseUri().resolve("/identity/tenants/" + tenant + "/clients"),
                operatorToken, "{\"displayName\":\"" + name + "\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        Map<?, ?> body = host.bean(JsonMapper.class).readValue(created.body(), Map.class);
        return new ClientCredentials(tenant, (String) body.get("clientId"), (String) body.get("clientSecret"), null);
    }

    private static URI clientUri(String tenant, String clientId) {
        return host.baseUri().resolve("/identity/tenants/" + tenant + "/clients/" + clientId);
    }

    private static HttpResponse<String> listVaults(String token) throws Exception {
        return call("GET", host.baseUri().resolve("/subscriptions/" + UUID.randomUUID()
                + "/providers/Microsoft.KeyVault/vaults?api-version=2023-07-01"), token, null);
    }

    private static HttpResponse<String> tokenRequest(ClientCredentials c) throws Exception {
        String form = "grant_type=client_credentials&client_id=" + enc(c.clientId()) + "&client_secret=" + enc(c.clientSecret())
                + "&scope=" + enc(Audiences.ARM + ".default");
        return host.http().send(HttpRequest.newBuilder(host.baseUri().resolve("/" + c.tenantId() + "/oauth2/v2.0/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> call(String method, URI uri, String token, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        return host.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
