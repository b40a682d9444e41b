package io.keyward.app.cmk;

import io.keyward.app.identity.IdentityService;
import io.keyward.app.identity.Principal;
import io.keyward.app.vault.KeyPermission;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.VaultService;
import io.keyward.app.vault.keys.KeyName;
import io.keyward.app.vault.keys.KeyRecovery;
import io.keyward.app.vault.keys.KeyVaultException;
import io.keyward.app.vault.keys.KeyVersion;
import io.keyward.app.vault.keys.VaultKeys;
import jakarta.inject.Singleton;
import java.net.URI;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process adapter: a key in one of Keyward's own vaults, used through the vault's key service with the
 * resource's identity as the caller. It decides exactly what the Key Vault wire decides for that caller
 * ({@code VaultKeys}: the vault's tenant and access policy, the key enabled, within nbf/exp, its key_ops, the key not
 * deleted; {@code KeysController}: the vault named by the host exists and is not deleted), without HTTP, a token or
 * a trust store. The unwrapped AEK never leaves the JVM. Key ids are built on the customer's vault URI, as the wire
 * builds them on the host the caller used, so ids stored before this adapter existed still route here.
 */
@Singleton
class HostedVaultKeys implements CustomerKeyPort {

    private static final Logger LOG = LoggerFactory.getLogger(HostedVaultKeys.class);
    private static final String ALGORITHM = "RSA-OAEP";

    private final VaultService vaults;
    private final VaultKeys keys;
    private final HostedVaultNames names;
    private final IdentityService identities;

    HostedVaultKeys(VaultService vaults, VaultKeys keys, HostedVaultNames names, IdentityService identities) {
        this.vaults = vaults;
        this.identities = identities;
        this.keys = keys;
        this.names = names;
    }

    @Override
    public VaultReply<VaultFacts> vault(String vaultUri, Principal identity) {
        return call(vaultUri, identity, v -> new VaultFacts(v.tenantId(), v.location(), granted(v, identity)));
    }

    @Override
    public VaultReply<KeyFacts> key(String vaultUri, String keyName, String version, Principal identity) {
        return call(vaultUri, identity, v -> facts(keys.get(v, identity, new KeyName(keyName), version), v, vaultUri));
    }

    @Override
    public VaultReply<byte[]> wrapKey(String kid, Principal identity, byte[] plaintext) {
        return keyId(kid).map(id -> call(id.vaultUri(), identity, v -> keys.wrap(v, identity, new KeyName(id.name()), id.version(), ALGORITHM,
                plaintext).value())).orElseGet(() -> notAKeyId(kid));
    }

    @Override
    public VaultReply<byte[]> unwrapKey(String kid, Principal identity, byte[] wrapped) {
        return keyId(kid).map(id -> call(id.vaultUri(), identity, v -> keys.unwrap(v, identity, new KeyName(id.name()), id.version(), ALGORITHM,
                wrapped).value())).orElseGet(() -> notAKeyId(kid));
    }

    private static Optional<KeyId> keyId(String kid) {
        try {
            return Optional.of(KeyId.parse(kid));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** What the wire answers to a path that is not {@code /keys/{name}/{version}/...}. */
    private static <T> VaultReply<T> notAKeyId(String kid) {
        return new VaultReply.Refused<>(404, "'" + kid + "' is not a key version of this vault.");
    }

    /**
     * One vault call as one wire request: the caller authenticated first (a deleted or disabled identity is the wire's
     * 401, so deleting a resource's identity revokes its key), then the vault named by the host, looked up afresh, then the
     * operation.
     */
    private <T> VaultReply<T> call(String vaultUri, Principal identity, Function<Vault, T> operation) {
        try {
            if (identities.activePrincipal(identity.tenantId(), identity.objectId()).isEmpty()) {
                return new VaultReply.Refused<>(401, "The identity '" + identity.objectId() + "' was deleted or is disabled.");
            }
            Optional<Vault> vault = names.vaultName(URI.create(vaultUri).getHost()).flatMap(vaults::findActiveByName);
            if (vault.isEmpty()) {
                return new VaultReply.Refused<>(404, "The vault '" + vaultUri + "' was not found.");
            }
            return new VaultReply.Done<>(operation.apply(vault.get()));
        } catch (KeyVaultException e) {
            // the statuses the wire would send: 4xx the caller's (refused), 503 the HSM's (busy or down)
            return e.status() >= 500 ? new VaultReply.Unavailable<>("the vault's HSM is not available")
                    : new VaultReply.Refused<>(e.status(), e.getMessage());
        } catch (RuntimeException e) {
            // the vault's database or the HSM binding: what the wire would answer with a 500
            LOG.warn("vault at {}: a key operation failed in the vault's store or HSM binding", vaultUri);
            return new VaultReply.Unavailable<>("the vault failed to answer");
        }
    }

    private static Set<KeyPermission> granted(Vault v, Principal identity) {
        return Arrays.stream(KeyPermission.values()).filter(p -> v.allows(identity, p))
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(KeyPermission.class)));
    }

    private static KeyFacts facts(KeyVersion k, Vault v, String vaultUri) {
        return new KeyFacts(base(vaultUri) + "/keys/" + k.name() + "/" + k.version(), k.version(), k.kind().wireName(),
                k.publicKey() == null ? 0 : k.publicKey().bits(), k.attributes().enabled(), KeyRecovery.of(v).level());
    }

    /**
     * {@code https://host[:port]} as the customer wrote it: the Host header the Azure SDK's JDK client sends for that URI
     * (no default port), on which the wire builds its ids.
     */
    private static String base(String vaultUri) {
        URI uri = URI.create(vaultUri);
        int port = uri.getPort();
        return "https://" + uri.getHost() + (port == -1 || port == 443 ? "" : ":" + port);
    }
}
