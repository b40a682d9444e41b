package io.keyward.local;

import io.keyward.app.identity.ClientCredentials;
import io.keyward.app.identity.IdentityService;
import io.keyward.devenv.KeywardHome;
import io.keyward.devenv.SoftHsmToken;
import io.micronaut.azure.function.AzureFunction;
import io.micronaut.context.ApplicationContext;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
 * which the build hands to the JDK resolver ({@code -Djdk.net.hosts.file}); add the names a test uses there. The host
 * also has one remote vault entry, the host's own vaults reached through {@link VaultRelay} ({@link #remoteVaultUri}).
 */
public final class TestHost {

    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");
    /** The tenant of the remote vault entry: only its resources may use {@link #remoteVaultUri} (RemoteVault.tenantId). */
    public static final String REMOTE_VAULT_TENANT = "e0000000-0000-4000-8000-00000000e001";
    public static final String REMOTE_VAULT_LOCATION = "westeurope";
    /** A tenant and the subscription it owns from the start (keyward.arm.subscriptions), for the az CLI's sign-in. */
    public static final String AZ_CLI_TENANT = "a2000000-0000-4000-8000-0000000000a2";
    public static final String AZ_CLI_SUBSCRIPTION = "a2000000-5b5c-4000-8000-0000000000a2";
    /** A subscription offered to a tenant of its own (not the CLI's: az lists them all), new in every test JVM. */
    public static final String OFFERED_TENANT = "a3000000-0000-4000-8000-0000000000a3";
    public static final String OFFERED_SUBSCRIPTION = java.util.UUID.randomUUID().toString();
    private static TestHost instance;

    private final LocalFunctionHost host;
    private final SSLContext ssl;
    private final HttpClient http;
    private final VaultRelay relay;
    private ClientCredentials remoteCredential;

    private TestHost(LocalFunctionHost host, SSLContext ssl, VaultRelay relay) {
        this.host = host;
        this.ssl = ssl;
        this.http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
        this.relay = relay;
    }

    public static synchronized TestHost get() {
        if (instance == null) {
            SoftHsmToken token = SoftHsmToken.init(Path.of("target/softhsm"));
            Map<String, String> env = new HashMap<>(System.getenv());
            env.putAll(token.asEnvironment());
            env.put("KEYWARD_PORT", "0");
            // a step that keeps failing is abandoned within seconds, not after half a minute of backoff (the app reads
            // system properties; the env map reaches only the host's own settings)
            System.setProperty("keyward.operations.retry-base", "100ms");
            System.setProperty("keyward.arm.subscriptions", AZ_CLI_SUBSCRIPTION + ":" + AZ_CLI_TENANT + "," + OFFERED_SUBSCRIPTION + ":"
                    + OFFERED_TENANT);
            // State of the tests under target/, never the developer's own .keyward/
            Path home = Path.of("target/host-home-tests").toAbsolutePath();
            env.put("KEYWARD_HOME", home.toString());
            VaultRelay relay;
            Path credentials = home.resolve("remote-vault-client.json");
            try {
                relay = VaultRelay.open();
                Files.deleteIfExists(credentials);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            remoteVault(relay.port(), credentials, KeywardHome.stateDir(env).resolve("tls/truststore.p12")).forEach(System::setProperty);
            LocalFunctionHost host = LocalFunctionHost.start(env);
            try {
                relay.to(new InetSocketAddress(InetAddress.getLoopbackAddress(), host.port()));
                instance = new TestHost(host, trustOnly(host.truststore()), relay);
                instance.remoteCredential = instance.writeRemoteCredential(credentials);
            } catch (RuntimeException e) {
                host.close();
                instance = null;
                throw e;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(host::close, "keyward-test-host-shutdown"));
        }
        return instance;
    }

    /**
     * A remote vault entry (docs/remote-vaults.md) for the vaults behind {@link #relay}: {@code *.vault.localhost} at the
     * relay's port, so that the remote adapter, not the in-process one, serves those URIs, over real TCP and TLS to this
     * host's own vaults. Given as system properties: the host reads its configuration from them as from a file. Its
     * credential is a client of {@link #REMOTE_VAULT_TENANT}, registered once the host runs and written to the
     * credentials file, which the adapter reads at its first call.
     */
    private static Map<String, String> remoteVault(int port, Path credentials, Path truststore) {
        String p = "keyward.cmk.remote-vaults.test-relay.";
        return Map.of(p + "host-suffix", "vault.localhost", p + "port", Integer.toString(port),
                p + "tenant-id", REMOTE_VAULT_TENANT, p + "location", REMOTE_VAULT_LOCATION,
                p + "credentials-file", credentials.toString(),
                p + "trust-store", truststore.toString(), p + "trust-store-password", LocalFunctionHost.truststorePassword(),
                // another Keyward: its challenge names Key Vault's resource on the vault's own domain
                p + "verify-challenge-resource", "false",
                // short, so that the outage tests see a hanging vault as unavailable within seconds
                p + "timeout", "2s", p + "retries", "1");
    }

    private ClientCredentials writeRemoteCredential(Path file) {
        ClientCredentials c = newClient(REMOTE_VAULT_TENANT, "remote vault credential");
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, bean(JsonMapper.class).writeValueAsBytes(Map.of("tenantId", c.tenantId(), "clientId", c.clientId(),
                    "clientSecret", c.clientSecret(), "authority", baseUri().toString())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return c;
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

    /** {@code https://<vaultName>.vault.localhost:<relay port>/}: the same vault, reached as a remote vault. */
    public URI remoteVaultUri(String vaultName) {
        return URI.create("https://" + vaultName + ".vault.localhost:" + relay.port() + "/");
    }

    /** The principal a remote vault sees: the remote entry's credential (grant it in the vault's access policy). */
    public String remoteVaultPrincipal() {
        return remoteCredential.principal().objectId();
    }

    /** Stops, hangs and restores the remote vault. */
    VaultRelay relay() {
        return relay;
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

    /**
     * Makes {@code c} an Owner of subscriptions that tests share under fixed ids (a fixed vault name needs a fixed
     * subscription; several classes use one, and the database outlives a run), as the subscription's Owner would, by
     * writing the assignment where the authorization package keeps it; claims an unclaimed one for the client's tenant.
     */
    public ClientCredentials owner(ClientCredentials c, String... subscriptions) {
        var db = host.database();
        try (java.sql.Connection conn = java.sql.DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
            for (String sub : subscriptions) {
                try (var claim = conn.prepareStatement("INSERT INTO subscriptions (subscription_id, tenant_id) VALUES (?, ?)"
                        + " ON CONFLICT DO NOTHING");
                     var grant = conn.prepareStatement("INSERT INTO role_assignments (id, subscription_id, scope, role_definition_id,"
                             + " principal_id, principal_type, created_at, updated_at) VALUES (gen_random_uuid(), ?, ?,"
                             + " '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', ?::uuid, 'ServicePrincipal', now(), now()) ON CONFLICT DO NOTHING")) {
                    claim.setString(1, sub);
                    claim.setString(2, c.tenantId());
                    claim.executeUpdate();
                    grant.setString(1, sub);
                    grant.setString(2, "/subscriptions/" + sub);
                    grant.setString(3, c.principal().objectId());
                    grant.executeUpdate();
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("could not make the test client an Owner", e);
        }
        return c;
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
