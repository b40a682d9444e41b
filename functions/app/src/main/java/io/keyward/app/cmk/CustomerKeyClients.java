package io.keyward.app.cmk;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.identity.Principal;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import reactor.core.publisher.Mono;

/**
 * The customer's vault as a cluster reaches it: the unmodified Azure SDK Key Vault clients, authenticated as the
 * cluster's system-assigned identity (tokens Keyward issues for that principal, audience Key Vault), so the vault's
 * own access policies decide what the cluster may do, exactly as they would for Azure Monitor.
 */
@Singleton
public class CustomerKeyClients implements AutoCloseable {

    /** Tokens for the vault live this long; the SDK asks again before they expire. */
    private static final Duration TOKEN_LIFETIME = Duration.ofMinutes(10);

    private final IdentityService identities;
    private final VaultConnectTunnel tunnel;
    private final HttpClient http;
    /**
     * Clients per (key or vault, identity), least recently used first out: a client keeps the vault's challenge and
     * its identity's token between calls, so that a poll is one request, not a challenge, a token and a request.
     * Access is still decided by the vault on every call: the token carries no permissions.
     */
    private final Map<String, Object> clients;

    CustomerKeyClients(IdentityService identities, CmkProperties properties,
                       @Value("${keyward.vault.dns-suffix:vault.localhost}") String vaultDnsSuffix) {
        this.identities = identities;
        int size = properties.clientCacheSize();
        this.clients = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
                return size() > size;
            }
        });
        java.net.http.HttpClient.Builder jdk = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (properties.vaultTrustStore() != null) {
            jdk.sslContext(trusting(properties));
        }
        this.tunnel = properties.vaultConnectAddress() == null || properties.vaultConnectAddress().isBlank() ? null
                : VaultConnectTunnel.start(properties.vaultConnectAddress(), vaultDnsSuffix);
        if (tunnel != null) {
            jdk.proxy(tunnel);
        }
        this.http = new JdkHttpClientBuilder(jdk).build();
    }

    public KeyClient keys(String vaultUri, Principal identity) {
        // Keyward's vaults answer with Key Vault's resource (https://vault.azure.net) on their own domain, which the
        // SDK's check of the challenge against the vault's host would refuse.
        return (KeyClient) clients.computeIfAbsent("keys|" + vaultUri + "|" + identity.tenantId() + "|" + identity.objectId(),
                k -> new KeyClientBuilder().vaultUrl(vaultUri).credential(credential(identity)).httpClient(http)
                        .disableChallengeResourceVerification().buildClient());
    }

    /** Every operation goes to the vault: a cached public key would wrap locally and prove nothing about access. */
    public CryptographyClient crypto(String keyId, Principal identity) {
        return (CryptographyClient) clients.computeIfAbsent("crypto|" + keyId + "|" + identity.tenantId() + "|" + identity.objectId(),
                k -> new CryptographyClientBuilder().keyIdentifier(keyId).credential(credential(identity)).httpClient(http)
                        .disableChallengeResourceVerification().disableKeyCaching().buildClient());
    }

    @PreDestroy
    @Override
    public void close() {
        if (tunnel != null) {
            tunnel.close();
        }
    }

    private TokenCredential credential(Principal identity) {
        return request -> Mono.fromCallable(() -> new AccessToken(identities.issueToken(identity, Audiences.KEY_VAULT, TOKEN_LIFETIME),
                OffsetDateTime.now(ZoneOffset.UTC).plus(TOKEN_LIFETIME).minusMinutes(1)));
    }

    private static SSLContext trusting(CmkProperties p) {
        try (InputStream in = Files.newInputStream(p.vaultTrustStore())) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(in, p.vaultTrustStorePassword().toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read keyward.cmk.vault-trust-store " + p.vaultTrustStore(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("unusable keyward.cmk.vault-trust-store " + p.vaultTrustStore(), e);
        }
    }
}
