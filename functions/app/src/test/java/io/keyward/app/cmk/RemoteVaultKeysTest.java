package io.keyward.app.cmk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RetryOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * How the remote adapter reads what the Azure SDK reports, with a vault that answers as Key Vault does (the challenge,
 * then a status) in place of the network; RemoteVaultTest in functions/local runs it against a real vault over HTTPS.
 * A credential that cannot sign in must never read as the customer's refusal.
 */
class RemoteVaultKeysTest {

    private static final String KID = "https://kv1.vault.azure.net/keys/cmk/0123456789abcdef0123456789abcdef";
    private static final RemoteVault ENTRY = new RemoteVault("azure", "vault.azure.net", null, "t", "westeurope",
            RemoteVault.CLIENT_SECRET, "id", "s", null, null, null, "changeit", null, 0, true);
    private static final TokenCredential SIGNED_IN = r -> Mono.just(new AccessToken("token", OffsetDateTime.now().plusHours(1)));

    private static RemoteVaultKeys keys(HttpClient vault, TokenCredential credential) {
        return new RemoteVaultKeys(ENTRY, vault, new RetryOptions(new ExponentialBackoffOptions().setMaxRetries(0)), credential);
    }

    private static VaultReply<byte[]> unwrap(HttpClient vault, TokenCredential credential) {
        return keys(vault, credential).unwrapKey(KID, null, new byte[256]);
    }

    @Test
    void keyVaultsAnswersMapByStatus() {
        assertThat(unwrap(vault(403), SIGNED_IN)).isEqualTo(new VaultReply.Refused<>(403, "Key Vault answered 403 to unwrapKey"));
        assertThat(unwrap(vault(404), SIGNED_IN)).isEqualTo(new VaultReply.Refused<>(404, "Key Vault answered 404 to unwrapKey"));
        assertThat(unwrap(vault(503), SIGNED_IN)).isEqualTo(new VaultReply.Unavailable<>("Key Vault answered 503 to unwrapKey"));
        VaultReply<byte[]> done = unwrap(vault(200), SIGNED_IN);
        assertThat(done).isInstanceOf(VaultReply.Done.class);
        assertThat(((VaultReply.Done<byte[]>) done).value()).hasSize(32);
    }

    @Test
    void aVaultThatCannotBeReachedIsUnavailable() {
        HttpClient down = request -> Mono.error(new IOException("connection refused"));
        assertThat(unwrap(down, SIGNED_IN)).isEqualTo(new VaultReply.Unavailable<>("the vault could not be reached"));
    }

    @Test
    void aCredentialThatCannotSignInIsUnavailableNeverRefused() {
        VaultReply<byte[]> expected = new VaultReply.Unavailable<>("the credential for the remote vault could not sign in");
        // the authority refused the secret (azure-identity reports it without a response of the vault)
        assertThat(unwrap(vault(200), r -> Mono.error(new ClientAuthenticationException("AADSTS7000215: invalid secret", null))))
                .isEqualTo(expected);
        // the credentials file is missing or broken
        assertThat(unwrap(vault(200), r -> Mono.error(new CredentialsFile.UnusableCredential("no file")))).isEqualTo(expected);
    }

    @Test
    void aCredentialsFileIsReadWhenATokenIsNeededAndARotatedSecretIsPickedUp(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.json");
        List<String> signedIn = new ArrayList<>();
        CredentialsFile credential = new CredentialsFile(file, bytes -> {
            String json = new String(bytes, StandardCharsets.UTF_8);
            return new CredentialsFile.Client("app", json.contains("secret-2") ? "secret-2" : json.contains("secret-1") ? "secret-1" : null, null);
        }, c -> {
            signedIn.add(c.clientSecret());
            return r -> Mono.just(new AccessToken("token-" + c.clientSecret(), OffsetDateTime.now().plusHours(1)));
        });
        TokenRequestContext request = new TokenRequestContext().addScopes("https://vault.azure.net/.default");

        // written after start: nothing is read until a token is needed
        assertThatThrownBy(() -> credential.getToken(request).block()).isInstanceOf(CredentialsFile.UnusableCredential.class)
                .hasMessageContaining("cannot be read");
        Files.writeString(file, "{\"clientSecret\":\"secret-1\"}");
        assertThat(credential.getToken(request).block().getToken()).isEqualTo("token-secret-1");
        assertThat(credential.getToken(request).block().getToken()).isEqualTo("token-secret-1");
        assertThat(signedIn).as("one credential while the file is unchanged").containsExactly("secret-1");
        Files.writeString(file, "{\"clientSecret\":\"secret-2\"}");
        assertThat(credential.getToken(request).block().getToken()).isEqualTo("token-secret-2");
        Files.writeString(file, "{}");
        assertThatThrownBy(() -> credential.getToken(request).block()).isInstanceOf(CredentialsFile.UnusableCredential.class)
                .hasMessageContaining("lacks clientId or clientSecret").hasMessageNotContaining("secret-2");
        assertThat(signedIn).containsExactly("secret-1", "secret-2");
    }

    @Test
    void theFileFormIsWhatKeywardClientAddPrints() {
        assertThat(CredentialsFile.fromJson(Map.of("tenantId", "t", "clientId", "c", "clientSecret", "s", "objectId", "o",
                "authority", "https://127.0.0.1:7443"))).isEqualTo(new CredentialsFile.Client("c", "s", "https://127.0.0.1:7443"));
        assertThat(new CredentialsFile.Client("c", "s3cr3t", null).toString()).doesNotContain("s3cr3t");
    }

    /** Key Vault's challenge to a request without a token, then {@code status} (200: an unwrapKey result). */
    private static HttpClient vault(int status) {
        return request -> {
            if (request.getHeaders().getValue("Authorization") == null) {
                return Mono.just(new Answer(request, 401, "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"no token\"}}")
                        .header("WWW-Authenticate", "Bearer authorization=\"https://login.microsoftonline.com/t\", resource=\"https://vault.azure.net\""));
            }
            if (status == 200) {
                return Mono.just(new Answer(request, 200, "{\"kid\":\"" + KID + "\",\"value\":\"" + "A".repeat(43) + "\"}"));
            }
            return Mono.just(new Answer(request, status, "{\"error\":{\"code\":\"Forbidden\",\"message\":\"detail the adapter must not repeat\"}}"));
        };
    }

    private static final class Answer extends HttpResponse {
        private final int status;
        private final byte[] body;
        private final HttpHeaders headers = new HttpHeaders().set("Content-Type", "application/json");

        Answer(HttpRequest request, int status, String body) {
            super(request);
            this.status = status;
            this.body = body.getBytes(StandardCharsets.UTF_8);
        }

        Answer header(String name, String value) {
            headers.set(name, value);
            return this;
        }

        @Override
        public int getStatusCode() {
            return status;
        }

        @Override
        @SuppressWarnings("deprecation")
        public String getHeaderValue(String name) {
            return headers.getValue(name);
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }

        @Override
        public Flux<ByteBuffer> getBody() {
            return Flux.just(ByteBuffer.wrap(body));
        }

        @Override
        public Mono<byte[]> getBodyAsByteArray() {
            return Mono.just(body);
        }

        @Override
        public Mono<String> getBodyAsString() {
            return Mono.just(new String(body, StandardCharsets.UTF_8));
        }

        @Override
        public Mono<String> getBodyAsString(Charset charset) {
            return Mono.just(new String(body, charset));
        }
    }
}
