package io.keyward.local;

import io.keyward.app.identity.ClientCredentials;
import io.keyward.app.identity.IdentityService;
import io.keyward.devenv.SoftHsmToken;
import io.micronaut.azure.function.AzureFunction;
import io.micronaut.context.ApplicationContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The one in-process local function host of a test JVM, over embedded PostgreSQL and a SoftHSM2 token, started on
 * first use on a free port and stopped when the JVM exits. Only one host (one Micronaut function context, one
 * PKCS#11 binding) can run per JVM, so every HTTP-level test shares this one.
 *
 * <p>Vault host names ({@code kwtest1.vault.localhost}) resolve to 127.0.0.1 through {@code src/test/resources/hosts},
 * which the build hands to the JDK resolver ({@code -Djdk.net.hosts.file}); add the names a test uses there.
 */
public final class TestHost {

    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");
    private static TestHost instance;

    private final LocalFunctionHost host;
    private final SSLContext ssl;
    private final HttpClient http;

    private TestHost(LocalFunctionHost host, SSLContext ssl) {
        this.host = host;
        this.ssl = ssl;
        this.http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    }

    public static synchronized TestHost get() {
        if (instance == null) {
            SoftHsmToken token = SoftHsmToken.init(Path.of("target/softhsm"));
            Map<String, String> env = new HashMap<>(System.getenv());
            env.putAll(token.asEnvironment());
            env.put("KEYWARD_PORT", "0");
            // State of the tests under target/, never the developer's own .keyward/
            env.put("KEYWARD_HOME", Path.of("target/host-home-tests").toAbsolutePath().toString());
            LocalFunctionHost host = LocalFunctionHost.start(env);
            try {
                instance = new TestHost(host, trustOnly(host.truststore()));
            } catch (RuntimeException e) {
                host.close();
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(host::close, "keyward-test-host-shutdown"));
        }
        return instance;
    }

    /** The host itself: database, trust material, timers. */
    public LocalFunctionHost host() {
        return host;
    }

    /** {@code https://127.0.0.1:<port>} */
    public URI baseUri() {
        return host.baseUri();
    }

    /** {@code https://<vaultName>.vault.localhost:<port>/} */
    public URI vaultUri(String vaultName) {
        return URI.create("https://" + vaultName + ".vault.localhost:" + host.port() + "/");
    }

    /** Trusts only the host's trust store (its local CA). */
    public SSLContext ssl() {
        return ssl;
    }

    public HttpClient http() {
        return http;
    }

    /** A bean of the host's application context (the same context the functions route into). */
    public <T> T bean(Class<T> type) {
        return ContextOfTheHost.get().getBean(type);
    }

    /** A new client (service principal + secret) in {@code tenantId}, registered directly through the service. */
    public ClientCredentials newClient(String tenantId, String name) {
        return bean(IdentityService.class).registerClient(tenantId, name);
    }

    /** An access token for {@code c}, from the real token endpoint over HTTPS (client-credentials grant). */
    public String token(ClientCredentials c, String audience) {
        String scope = (audience.endsWith("/") ? audience : audience + "/") + ".default";
        String form = "grant_type=client_credentials&client_id=" + enc(c.clientId()) + "&client_secret="
                + enc(c.clientSecret()) + "&scope=" + enc(scope);
        HttpRequest request = HttpRequest.newBuilder(baseUri().resolve("/" + c.tenantId() + "/oauth2/v2.0/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            Matcher m = ACCESS_TOKEN.matcher(r.body());
            if (r.statusCode() != 200 || !m.find()) {
                throw new IllegalStateException("token endpoint answered " + r.statusCode() + ": " + r.body());
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static SSLContext trustOnly(Path truststore) {
        try (InputStream in = Files.newInputStream(truststore)) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(in, LocalFunctionHost.truststorePassword().toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** micronaut-azure keeps the function app's one context in a protected static; only a subclass may read it. */
    private abstract static class ContextOfTheHost extends AzureFunction {
        static ApplicationContext get() {
            return applicationContext;
        }
    }
}
