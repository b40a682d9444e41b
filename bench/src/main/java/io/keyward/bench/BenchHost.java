package io.keyward.bench;

import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.keyward.app.identity.IdentityService;
import io.keyward.local.LocalFunctionHost;
import io.micronaut.azure.function.AzureFunction;
import io.micronaut.context.ApplicationContext;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The in-process local function host as the HTTPS benchmarks drive it: started on a free port with its own home,
 * a client of a tenant with tokens from the host's token endpoint, and the few ARM calls the benchmarks set up with.
 */
final class BenchHost implements AutoCloseable {

    private static final Pattern JSON_STRING = Pattern.compile("\"(%s)\"\\s*:\\s*\"([^\"]*)\"");

    final LocalFunctionHost host;
    final SSLContext ssl;
    final ApplicationContext context;
    final ClientCredentials client;
    final String armToken;
    private final HttpClient http;

    private BenchHost(LocalFunctionHost host, String tenant, String clientName) throws Exception {
        this.host = host;
        this.ssl = trustOnly(host.truststore());
        this.http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
        this.context = ContextOfTheHost.get();
        this.client = context.getBean(IdentityService.class).registerClient(tenant, clientName);
        this.armToken = token(Audiences.ARM);
    }

    /** Starts the host with {@code settings} on top of the environment (the port is always a free one). */
    static BenchHost start(Path home, String tenant, String clientName, Map<String, String> settings) throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("KEYWARD_PORT", "0");
        env.put("KEYWARD_HOME", home.toAbsolutePath().toString());
        env.putAll(settings);
        return new BenchHost(LocalFunctionHost.start(env), tenant, clientName);
    }

    URI vaultUri(String vault) {
        return URI.create("https://" + vault + ".vault.localhost:" + host.port() + "/");
    }

    HttpClient newClient() {
        return HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    String token(String audience) throws Exception {
        String scope = (audience.endsWith("/") ? audience : audience + "/") + ".default";
        String form = "grant_type=client_credentials&client_id=" + enc(client.clientId()) + "&client_secret="
                + enc(client.clientSecret()) + "&scope=" + enc(scope);
        HttpResponse<String> r = send(HttpRequest.newBuilder(host.baseUri().resolve("/" + client.tenantId() + "/oauth2/v2.0/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
        require(r, 200);
        return field(r.body(), "access_token");
    }

    /** An ARM call as the bench client; {@code body} null sends none. */
    HttpResponse<String> arm(String method, String pathAndQuery, String body) throws Exception {
        return send(HttpRequest.newBuilder(host.baseUri().resolve(pathAndQuery)).header("Authorization", "Bearer " + armToken)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Follows {@code Azure-AsyncOperation} of an accepted request until the operation succeeds. */
    void awaitOperation(HttpResponse<String> accepted) throws Exception {
        require(accepted, 200, 201, 202);
        String url = accepted.headers().firstValue("Azure-AsyncOperation").orElseThrow(() -> new IllegalStateException(
                "no Azure-AsyncOperation on " + accepted.uri() + ": " + accepted.body()));
        Instant deadline = Instant.now().plusSeconds(120);
        while (Instant.now().isBefore(deadline)) {
            HttpResponse<String> status = send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + armToken).build());
            String s = field(status.body(), "status");
            if (s.equals("Succeeded")) {
                return;
            }
            if (s.equals("Failed") || s.equals("Canceled")) {
                throw new IllegalStateException(accepted.uri() + ": " + status.body());
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(accepted.uri() + ": still running after 120 s");
    }

    /** A vault with soft delete and purge protection, the bench client holding every key permission. */
    void putVault(String subscription, String vault) throws Exception {
        String body = "{\"location\":\"westeurope\",\"properties\":{\"tenantId\":\"" + client.tenantId() + "\","
                + "\"sku\":{\"family\":\"A\",\"name\":\"premium\"},\"accessPolicies\":[" + policy(client.principal().objectId(), "\"all\"")
                + "],\"enableSoftDelete\":true,\"softDeleteRetentionInDays\":7,\"enablePurgeProtection\":true}}";
        require(arm("PUT", vaultPath(subscription, vault) + "?api-version=2023-07-01", body), 200, 201);
    }

    void grant(String subscription, String vault, String objectId) throws Exception {
        require(arm("PUT", vaultPath(subscription, vault) + "/accessPolicies/add?api-version=2023-07-01",
                "{\"properties\":{\"accessPolicies\":[" + policy(objectId, "\"get\",\"wrapKey\",\"unwrapKey\"") + "]}}"), 200);
    }

    /** A new RSA-2048 key; returns the create response's body. */
    String createKey(String vault, String keyName) throws Exception {
        HttpResponse<String> created = send(HttpRequest.newBuilder(vaultUri(vault).resolve("keys/" + keyName + "/create?api-version=7.6"))
                .header("Authorization", "Bearer " + token(Audiences.KEY_VAULT)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"kty\":\"RSA-HSM\",\"key_size\":2048}")).build());
        require(created, 200);
        return created.body();
    }

    private String policy(String objectId, String keys) {
        return "{\"tenantId\":\"" + client.tenantId() + "\",\"objectId\":\"" + objectId + "\",\"permissions\":{\"keys\":[" + keys + "]}}";
    }

    private static String vaultPath(String subscription, String vault) {
        return "/subscriptions/" + subscription + "/resourceGroups/bench/providers/Microsoft.KeyVault/vaults/" + vault;
    }

    HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static void require(HttpResponse<String> r, int... ok) {
        for (int s : ok) {
            if (r.statusCode() == s) {
                return;
            }
        }
        throw new IllegalStateException(r.request().method() + " " + r.uri() + " answered " + r.statusCode() + ": " + r.body());
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile(String.format(JSON_STRING.pattern(), Pattern.quote(name))).matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(2);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static SSLContext trustOnly(Path truststore) throws Exception {
        try (InputStream in = Files.newInputStream(truststore)) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(in, LocalFunctionHost.truststorePassword().toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        }
    }

    @Override
    public void close() {
        host.close();
    }

    /** micronaut-azure keeps the function app's one context in a protected static; only a subclass may read it. */
    private abstract static class ContextOfTheHost extends AzureFunction {
        static ApplicationContext get() {
            return applicationContext;
        }
    }
}
