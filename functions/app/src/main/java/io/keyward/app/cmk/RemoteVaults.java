package io.keyward.app.cmk;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The configured {@link RemoteVault}s, checked at start (a setting is applied or refused: an entry that cannot work
 * stops the application with a message naming the setting), each with its HTTP client and credential. No network call
 * happens here: clients sign in and reach their vaults on first use.
 */
@Context
class RemoteVaults {

    /** Entra ID's public cloud; sovereign clouds and other Keywards set {@code authority-host}. */
    static final String ENTRA = "https://login.microsoftonline.com";

    private final List<RemoteVaultKeys> entries;

    RemoteVaults(List<RemoteVault> configured, CmkProperties defaults, JsonMapper json) {
        Set<String> served = new HashSet<>();
        this.entries = configured.stream().sorted(Comparator.comparing(RemoteVault::name)).map(e -> {
            check(e);
            if (!served.add(suffix(e) + ":" + e.port())) {
                throw invalid(e, "host-suffix", "serves the same hosts and port as another entry");
            }
            return build(e, defaults, json);
        }).toList();
    }

    /**
     * The entry serving {@code uri}: one naming its port before one for any port, then the longest suffix. Only
     * https URIs.
     */
    Optional<RemoteVaultKeys> serving(URI uri) {
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            return Optional.empty();
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort() == -1 ? 443 : uri.getPort();
        return entries.stream()
                .filter(r -> host.equals(suffix(r.entry())) || host.endsWith("." + suffix(r.entry())))
                .filter(r -> r.entry().port() == null || r.entry().port() == port)
                .max(Comparator.<RemoteVaultKeys>comparingInt(r -> r.entry().port() == null ? 0 : 1)
                        .thenComparingInt(r -> suffix(r.entry()).length()));
    }

    private static String suffix(RemoteVault e) {
        return e.hostSuffix().trim().toLowerCase(Locale.ROOT).replaceAll("^\\.+", "");
    }

    private static void check(RemoteVault e) {
        if (blank(e.hostSuffix()) || suffix(e).isEmpty()) {
            throw invalid(e, "host-suffix", "is required");
        }
        if (e.port() != null && (e.port() < 1 || e.port() > 65535)) {
            throw invalid(e, "port", "is not a port");
        }
        if (blank(e.tenantId())) {
            throw invalid(e, "tenant-id", "is required (the vaults' tenant)");
        }
        if (blank(e.location())) {
            throw invalid(e, "location", "is required (the vaults' region)");
        }
        if (RemoteVault.CLIENT_SECRET.equals(e.credential())) {
            boolean inline = !blank(e.clientId()) || !blank(e.clientSecret());
            if (inline == (e.credentialsFile() != null)) {
                throw invalid(e, "credentials-file", "or client-id with client-secret is required, not both");
            }
            if (inline && (blank(e.clientId()) || blank(e.clientSecret()))) {
                throw invalid(e, blank(e.clientId()) ? "client-id" : "client-secret", "is required with client-secret");
            }
        } else if (RemoteVault.MANAGED_IDENTITY.equals(e.credential())) {
            if (!blank(e.clientSecret()) || e.credentialsFile() != null || !blank(e.authorityHost())) {
                throw invalid(e, "credential", "managed-identity takes no secret, credentials file or authority host");
            }
        } else {
            throw invalid(e, "credential", "must be client-secret or managed-identity");
        }
        if (e.timeout() != null && (e.timeout().isNegative() || e.timeout().isZero())) {
            throw invalid(e, "timeout", "must be positive");
        }
        if (e.retries() != null && e.retries() < 0) {
            throw invalid(e, "retries", "must not be negative");
        }
    }

    private static RemoteVaultKeys build(RemoteVault e, CmkProperties defaults, JsonMapper json) {
        Duration timeout = e.timeout() == null ? defaults.vaultTimeout() : e.timeout();
        java.net.http.HttpClient.Builder jdk = java.net.http.HttpClient.newBuilder().connectTimeout(timeout);
        if (e.trustStore() != null) {
            jdk.sslContext(trusting(e));
        }
        HttpClient http = new JdkHttpClientBuilder(jdk).responseTimeout(timeout).build();
        RetryOptions retries = new RetryOptions(new ExponentialBackoffOptions()
                .setMaxRetries(e.retries() == null ? defaults.vaultRetries() : e.retries())
                .setBaseDelay(Duration.ofMillis(500)).setMaxDelay(Duration.ofSeconds(4)));
        return new RemoteVaultKeys(e, http, retries, credential(e, http, json));
    }

    private static TokenCredential credential(RemoteVault e, HttpClient http, JsonMapper json) {
        if (RemoteVault.MANAGED_IDENTITY.equals(e.credential())) {
            ManagedIdentityCredentialBuilder b = new ManagedIdentityCredentialBuilder().httpClient(http);
            return (blank(e.clientId()) ? b : b.clientId(e.clientId())).build();
        }
        if (e.credentialsFile() == null) {
            return clientSecret(e, e.clientId(), e.clientSecret(), e.authorityHost(), http);
        }
        return new CredentialsFile(e.credentialsFile(),
                bytes -> {
                    try {
                        return CredentialsFile.fromJson(json.readValue(bytes, Argument.mapOf(String.class, Object.class)));
                    } catch (IOException x) {
                        throw new UncheckedIOException(x);
                    }
                },
                c -> clientSecret(e, c.clientId(), c.clientSecret(), blank(e.authorityHost()) ? c.authority() : e.authorityHost(), http));
    }

    /** Instance discovery off: it asks Entra's public cloud about the authority, which knows neither a sovereign one nor Keyward. */
    private static TokenCredential clientSecret(RemoteVault e, String clientId, String secret, String authority, HttpClient http) {
        return new ClientSecretCredentialBuilder().tenantId(e.tenantId()).clientId(clientId).clientSecret(secret)
                .authorityHost(blank(authority) ? ENTRA : authority).disableInstanceDiscovery().httpClient(http).build();
    }

    private static SSLContext trusting(RemoteVault e) {
        try (InputStream in = Files.newInputStream(e.trustStore())) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(in, e.trustStorePassword().toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (IOException | GeneralSecurityException x) {
            throw invalid(e, "trust-store", "cannot be read as PKCS12 with its password");
        }
    }

    private static IllegalStateException invalid(RemoteVault e, String setting, String problem) {
        return new IllegalStateException("keyward.cmk.remote-vaults." + e.name() + "." + setting + " " + problem);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
