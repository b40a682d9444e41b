package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import reactor.core.publisher.Mono;

/**
 * The official Key Vault SDK clients pointed at the test host's vaults, with tokens the host issues, and the raw
 * calls the SDK tests make beside them (vault creation over ARM, a key operation with a token of the test's choice).
 */
final class VaultSdk {
    private final TestHost host;
    private final HttpClient http;

    VaultSdk(TestHost host) {
        this.host = host;
        this.http = new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(host.ssl())).build();
    }

    KeyClient keyClient(String vault, ClientCredentials c) {
        return new KeyClientBuilder().vaultUrl(host.vaultUri(vault).toString()).credential(credential(c))
                .httpClient(http).disableChallengeResourceVerification().buildClient();
    }

    /** A client that asks the vault for every operation (no local public-key operations). */
    CryptographyClient remoteCrypto(String kid, ClientCredentials c) {
        return new CryptographyClientBuilder().keyIdentifier(kid).credential(credential(c)).httpClient(http)
                .disableChallengeResourceVerification().disableKeyCaching().buildClient();
    }

    /** A client that reads the key once and then wraps and encrypts locally with its public part, as the SDK does by default. */
    CryptographyClient cachingCrypto(String kid, ClientCredentials c) {
        return new CryptographyClientBuilder().keyIdentifier(kid).credential(credential(c)).httpClient(http)
                .disableChallengeResourceVerification().buildClient();
    }

    private TokenCredential credential(ClientCredentials c) {
        return request -> Mono.fromCallable(() -> new AccessToken(host.token(c, Audiences.KEY_VAULT),
                OffsetDateTime.now().plusMinutes(30)));
    }

    /** Runs an SDK call that must fail with this status and a message containing {@code messagePart}. */
    static HttpResponseException assertStatus(Runnable call, int status, String messagePart) {
        try {
            call.run();
        } catch (HttpResponseException e) {
            assertThat(e.getResponse().getStatusCode()).as(e.getMessage()).isEqualTo(status);
            assertThat(e.getMessage()).containsIgnoringCase(messagePart);
            return e;
        }
        throw new AssertionError("expected HTTP " + status);
    }

    /** A key-vault request with the given bearer token (none when null) and body (none when null). */
    HttpResponse<String> raw(String method, String vault, String pathAndQuery, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(host.vaultUri(vault) + pathAndQuery))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return host.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Creates (or updates) a premium vault with soft delete over ARM, as {@code owner}. */
    void putVault(ClientCredentials owner, String subscription, String group, String name, boolean purgeProtection,
                  String policies) throws Exception {
        String body = "{\"location\":\"westeurope\",\"properties\":{\"tenantId\":\"" + owner.tenantId() + "\","
                + "\"sku\":{\"family\":\"A\",\"name\":\"premium\"},\"accessPolicies\":[" + policies + "],"
                + "\"enableSoftDelete\":true,\"softDeleteRetentionInDays\":7"
                + (purgeProtection ? ",\"enablePurgeProtection\":true" : "") + "}}";
        URI uri = host.baseUri().resolve("/subscriptions/" + subscription + "/resourceGroups/" + group + "/providers/"
                + "Microsoft.KeyVault/vaults/" + name + "?api-version=2023-07-01");
        HttpResponse<String> r = host.http().send(HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + host.token(owner, Audiences.ARM))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    }

    /** An access policy entry granting {@code keys} (a JSON list's inside, e.g. {@code "get","list"}). */
    static String policy(ClientCredentials c, String keys) {
        return "{\"tenantId\":\"" + c.tenantId() + "\",\"objectId\":\"" + c.principal().objectId()
                + "\",\"permissions\":{\"keys\":[" + keys + "]}}";
    }
}
