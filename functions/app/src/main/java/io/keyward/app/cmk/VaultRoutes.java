package io.keyward.app.cmk;

import io.keyward.app.identity.Principal;
import io.micronaut.context.annotation.Primary;
import jakarta.inject.Singleton;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Which adapter serves a vault URI or key id: a configured remote vault whose host suffix (and port) it matches
 * first; else Keyward's own vault suffix, served in process; else nothing, refused as not found before any network
 * call, so that a customer-given URI never makes Keyward call a host nobody configured.
 */
@Primary
@Singleton
class VaultRoutes implements CustomerKeyPort {

    private final HostedVaultKeys hosted;
    private final HostedVaultNames hostedNames;
    private final RemoteVaults remote;

    VaultRoutes(HostedVaultKeys hosted, HostedVaultNames hostedNames, RemoteVaults remote) {
        this.hosted = hosted;
        this.hostedNames = hostedNames;
        this.remote = remote;
    }

    /** The adapter for {@code uri} (a vault URI or a key id), or empty when none may serve it. */
    Optional<CustomerKeyPort> route(String uri) {
        URI parsed;
        try {
            parsed = URI.create(uri);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!"https".equalsIgnoreCase(parsed.getScheme())) {
            return Optional.empty();
        }
        Optional<CustomerKeyPort> remoteVault = remote.serving(parsed).map(r -> r);
        if (remoteVault.isPresent()) {
            return remoteVault;
        }
        return hostedNames.vaultName(parsed.getHost()).map(n -> hosted);
    }

    @Override
    public VaultReply<VaultFacts> vault(String vaultUri, Principal identity) {
        return route(vaultUri).map(p -> p.vault(vaultUri, identity)).orElseGet(() -> notFound(vaultUri));
    }

    @Override
    public VaultReply<KeyFacts> key(String vaultUri, String keyName, String version, Principal identity) {
        return route(vaultUri).map(p -> p.key(vaultUri, keyName, version, identity)).orElseGet(() -> notFound(vaultUri));
    }

    @Override
    public VaultReply<byte[]> wrapKey(String kid, Principal identity, byte[] plaintext) {
        return route(kid).map(p -> p.wrapKey(kid, identity, plaintext)).orElseGet(() -> notFound(kid));
    }

    @Override
    public VaultReply<byte[]> unwrapKey(String kid, Principal identity, byte[] wrapped) {
        return route(kid).map(p -> p.unwrapKey(kid, identity, wrapped)).orElseGet(() -> notFound(kid));
    }

    @Override
    public List<CompletableFuture<VaultReply<byte[]>>> unwrapAll(String kid, List<Unwrap> items, Executor executor) {
        return route(kid).map(p -> p.unwrapAll(kid, items, executor))
                .orElseGet(() -> items.stream().map(i -> CompletableFuture.completedFuture(VaultRoutes.<byte[]>notFound(kid))).toList());
    }

    @Override
    public List<CompletableFuture<VaultReply<KeyFacts>>> latestAll(String kid, List<Principal> identities, Executor executor) {
        return route(kid).map(p -> p.latestAll(kid, identities, executor))
                .orElseGet(() -> identities.stream().map(i -> CompletableFuture.completedFuture(VaultRoutes.<KeyFacts>notFound(kid))).toList());
    }

    private static <T> VaultReply<T> notFound(String uri) {
        return new VaultReply.Refused<>(404, "The vault '" + uri + "' was not found.");
    }
}
