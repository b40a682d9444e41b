package io.keyward.app.cmk;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.policy.RetryOptions;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.KeyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.models.KeyWrapAlgorithm;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import io.keyward.app.identity.Principal;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The remote adapter for one configured {@link RemoteVault}: the unmodified Azure SDK Key Vault clients with the
 * entry's credential. The vault sees that credential's principal, not the resource's identity (a foreign vault does
 * not know Keyward's managed identities), so its access policy decides for all resources using the entry at once;
 * Keyward still refuses resources of another tenant and checks what the vault shows of the key.
 */
final class RemoteVaultKeys implements CustomerKeyPort {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteVaultKeys.class);
    /**
     * Clients kept per vault and per key version, least recently used out first: a client keeps the vault's challenge
     * and its token, so that a check is one request instead of a challenge, a token and a request. Access is still
     * decided by the vault on every call.
     */
    private static final int CLIENTS = 10_000;

    private final RemoteVault entry;
    private final HttpClient http;
    private final RetryOptions retries;
    private final TokenCredential credential;
    private final Map<String, KeyClient> keyClients = lru();
    private final Map<String, CryptographyClient> cryptoClients = lru();

    RemoteVaultKeys(RemoteVault entry, HttpClient http, RetryOptions retries, TokenCredential credential) {
        this.entry = entry;
        this.http = http;
        this.retries = retries;
        this.credential = credential;
    }

    RemoteVault entry() {
        return entry;
    }

    /** Facts from the configuration: the vault's own data plane shows neither its tenant, region nor policies. */
    @Override
    public VaultReply<VaultFacts> vault(String vaultUri, Principal identity) {
        return new VaultReply.Done<>(new VaultFacts(entry.tenantId(), entry.location(), null, false));
    }

    @Override
    public VaultReply<KeyFacts> key(String vaultUri, String keyName, String version, Principal identity) {
        return call("get", () -> facts(keys(vaultUri).getKey(keyName, version.isEmpty() ? null : version)));
    }

    @Override
    public VaultReply<byte[]> wrapKey(String kid, Principal identity, byte[] plaintext) {
        return call("wrapKey", () -> crypto(kid).wrapKey(KeyWrapAlgorithm.RSA_OAEP, plaintext).getEncryptedKey());
    }

    @Override
    public VaultReply<byte[]> unwrapKey(String kid, Principal identity, byte[] wrapped) {
        return call("unwrapKey", () -> crypto(kid).unwrapKey(KeyWrapAlgorithm.RSA_OAEP, wrapped).getKey());
    }

    private KeyClient keys(String vaultUri) {
        URI uri = URI.create(vaultUri);
        String url = "https://" + uri.getRawAuthority();
        return keyClients.computeIfAbsent(url, u -> {
            KeyClientBuilder b = new KeyClientBuilder().vaultUrl(u).credential(credential).httpClient(http).retryOptions(retries);
            return (entry.verifyChallengeResource() ? b : b.disableChallengeResourceVerification()).buildClient();
        });
    }

    /** Every operation goes to the vault: a cached public key would wrap locally and prove nothing about access. */
    private CryptographyClient crypto(String kid) {
        return cryptoClients.computeIfAbsent(kid, k -> {
            CryptographyClientBuilder b = new CryptographyClientBuilder().keyIdentifier(k).credential(credential).httpClient(http)
                    .retryOptions(retries).disableKeyCaching();
            return (entry.verifyChallengeResource() ? b : b.disableChallengeResourceVerification()).buildClient();
        });
    }

    private static KeyFacts facts(KeyVaultKey k) {
        String type = k.getKeyType() == null ? "" : k.getKeyType().toString();
        byte[] n = k.getKey() == null ? null : k.getKey().getN();
        return new KeyFacts(k.getId(), k.getProperties().getVersion(), type, n == null ? 0 : new BigInteger(1, n).bitLength(),
                Boolean.TRUE.equals(k.getProperties().isEnabled()), k.getProperties().getRecoveryLevel());
    }

    /**
     * Key Vault's 4xx is the customer's to fix (refused); no answer, a 5xx or a credential that cannot sign in is not
     * (unavailable: a Keyward operator's misconfiguration must not read as every customer's revocation). Reasons name
     * the status only, never the vault's or the SDK's text.
     */
    private <T> VaultReply<T> call(String operation, Supplier<T> call) {
        try {
            return new VaultReply.Done<>(call.get());
        } catch (HttpResponseException e) {
            int status = e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
            if (status >= 400 && status < 500) {
                return new VaultReply.Refused<>(status, "Key Vault answered " + status + " to " + operation);
            }
            if (status == 0 && !causedByIo(e)) {
                LOG.warn("remote vault {}: the configured credential could not get a token", entry.name());
                return new VaultReply.Unavailable<>("the credential for the remote vault could not sign in");
            }
            return new VaultReply.Unavailable<>(status == 0 ? "the vault could not be reached" : "Key Vault answered " + status + " to " + operation);
        } catch (RuntimeException e) {
            if (causedByIo(e)) {
                return new VaultReply.Unavailable<>("the vault could not be reached");
            }
            if (cause(e, CredentialsFile.UnusableCredential.class) != null) {
                LOG.warn("remote vault {}: the credentials file {} is missing, unreadable or lacks clientId or clientSecret", entry.name(),
                        entry.credentialsFile());
                return new VaultReply.Unavailable<>("the credential for the remote vault could not sign in");
            }
            LOG.warn("remote vault {}: {} failed, neither for the network nor by the vault's answer", entry.name(), operation);
            return new VaultReply.Unavailable<>("the vault call failed");
        }
    }

    private static boolean causedByIo(Throwable e) {
        return cause(e, IOException.class) != null;
    }

    private static <X extends Throwable> X cause(Throwable e, Class<X> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static <V> Map<String, V> lru() {
        return Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > CLIENTS;
            }
        });
    }
}
