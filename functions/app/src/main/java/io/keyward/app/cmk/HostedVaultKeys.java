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
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
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

    /**
     * The vault and the key version looked up once for the whole batch, then each item decided as {@link #unwrapKey}
     * decides it (the identity's access policy, the key's state and nbf/exp at the time of the call) and unwrapped in
     * the HSM on {@code executor}.
     */
    @Override
    public List<CompletableFuture<VaultReply<byte[]>>> unwrapAll(String kid, List<Unwrap> items, Executor executor) {
        return withKey(kid, false, items, (vaultUri, use) -> items.stream().map(i -> i.call(() -> answer(vaultUri,
                () -> asActive(i.identity(), () -> new VaultReply.Done<>(use.unwrap(i.identity(), ALGORITHM, i.wrapped()).value()))),
                executor)).toList());
    }

    /** The vault and the key's latest version looked up once; each identity's {@code get} decided on that snapshot. */
    @Override
    public List<CompletableFuture<VaultReply<KeyFacts>>> latestAll(String kid, List<Principal> identities, Executor executor) {
        return withKey(kid, true, identities, (vaultUri, use) -> identities.stream().map(i -> CompletableFuture.completedFuture(
                answer(vaultUri, () -> asActive(i, () -> new VaultReply.Done<>(facts(use.get(i), use.vault(), vaultUri)))))).toList());
    }

    /**
     * {@code each} over the key of {@code kid} looked up once: its own version, or with {@code latest} the key's latest.
     * When the vault or the id is not found, or the lookup fails, every item gets that answer.
     */
    private <I, T> List<CompletableFuture<VaultReply<T>>> withKey(String kid, boolean latest, List<I> items,
                                                                   BiFunction<String, VaultKeys.KeyUse, List<CompletableFuture<VaultReply<T>>>> each) {
        Optional<KeyId> parsed = keyId(kid);
        VaultReply<VaultKeys.KeyUse> use = parsed.isEmpty() ? notAKeyId(kid) : call(parsed.get().vaultUri(),
                v -> keys.use(v, new KeyName(parsed.get().name()), latest ? "" : parsed.get().version()));
        if (use instanceof VaultReply.Done<VaultKeys.KeyUse> done) {
            return each.apply(parsed.get().vaultUri(), done.value());
        }
        VaultReply<T> failed = use instanceof VaultReply.Refused<VaultKeys.KeyUse> r ? new VaultReply.Refused<>(r.status(), r.reason())
                : new VaultReply.Unavailable<>(((VaultReply.Unavailable<VaultKeys.KeyUse>) use).reason());
        return items.stream().map(i -> CompletableFuture.completedFuture(failed)).toList();
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
        return answer(vaultUri, () -> asActive(identity, () -> lookup(vaultUri, operation)));
    }

    /** The vault named by the host of {@code vaultUri}, looked up afresh, and {@code operation} on it. */
    private <T> VaultReply<T> call(String vaultUri, Function<Vault, T> operation) {
        return answer(vaultUri, () -> lookup(vaultUri, operation));
    }

    private <T> VaultReply<T> lookup(String vaultUri, Function<Vault, T> operation) {
        // Keyward's resource providers reach a hosted vault in process, as Azure's trusted services reach Key Vault: past its
        // IP rules and publicNetworkAccess, unless the vault's networkAcls say bypass None (docs/security.md)
        return names.vaultName(URI.create(vaultUri).getHost()).flatMap(vaults::findActiveByName)
                .<VaultReply<T>>map(v -> v.admitsTrustedServices() ? new VaultReply.Done<>(operation.apply(v))
                        : new VaultReply.Refused<>(403, "Client address is not authorized and caller is not a trusted service: the"
                                + " vault's network rules do not let trusted services bypass them (ForbiddenByFirewall)."))
                .orElseGet(() -> new VaultReply.Refused<>(404, "The vault '" + vaultUri + "' was not found."));
    }

    /** {@code work} for a caller that exists and is enabled; the wire's 401 for one deleted or disabled. */
    private <T> VaultReply<T> asActive(Principal identity, Supplier<VaultReply<T>> work) {
        if (identities.activePrincipal(identity.tenantId(), identity.objectId()).isEmpty()) {
            return new VaultReply.Refused<>(401, "The identity '" + identity.objectId() + "' was deleted or is disabled.");
        }
        return work.get();
    }

    /** What the wire would answer to {@code work}: its reply, or its failure as a 4xx (refused) or 5xx (unavailable). */
    private static <T> VaultReply<T> answer(String vaultUri, Supplier<VaultReply<T>> work) {
        try {
            return work.get();
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
