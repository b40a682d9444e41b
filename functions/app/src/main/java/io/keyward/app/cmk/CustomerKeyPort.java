package io.keyward.app.cmk;

import io.keyward.app.identity.Principal;
import io.keyward.app.vault.KeyPermission;
import io.micronaut.core.annotation.Nullable;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The key that wraps a resource's AEK, wherever its vault is: the CMK core asks only this. {@link VaultRoutes} picks
 * the adapter by the vault URI: {@link HostedVaultKeys} for Keyward's own vaults (in process, the same decision as
 * the Key Vault wire) and {@link RemoteVaultKeys} for a configured vault Keyward does not host (the Azure SDK).
 *
 * <p>{@code identity} is the resource's own identity. Keyward's vaults decide by it; a remote vault cannot know it and
 * sees the credential configured for it instead (docs/remote-vaults.md).
 */
public interface CustomerKeyPort {

    /** What the core checks of the vault behind {@code vaultUri} before it calls the vault's keys. */
    VaultReply<VaultFacts> vault(String vaultUri, Principal identity);

    /** Key {@code keyName} of the vault at {@code vaultUri}: version {@code version}, or the latest when empty. */
    VaultReply<KeyFacts> key(String vaultUri, String keyName, String version, Principal identity);

    /** wrapKey (RSA-OAEP) with the key version {@code kid}: the wrapped bytes. */
    VaultReply<byte[]> wrapKey(String kid, Principal identity, byte[] plaintext);

    /** unwrapKey (RSA-OAEP) with the key version {@code kid}: the plaintext, which the caller owns and zeroes. */
    VaultReply<byte[]> unwrapKey(String kid, Principal identity, byte[] wrapped);

    /** The latest version of the key whose version {@code kid} is. */
    default VaultReply<KeyFacts> latest(String kid, Principal identity) {
        KeyId id = KeyId.parse(kid);
        return key(id.vaultUri(), id.name(), "", identity);
    }

    /**
     * unwrapKey with the key version {@code kid} for each of {@code items} (a key-health batch: resources whose AEKs that
     * version wrapped, each as its own identity), each answered as {@link #unwrapKey} would answer it. The calls run on
     * {@code executor}; an item whose {@link Unwrap#wanted} no longer holds when its turn comes is not called and answers
     * {@link VaultReply.Unavailable}. Adapters that can look the vault and the key up once for all items do.
     */
    default List<CompletableFuture<VaultReply<byte[]>>> unwrapAll(String kid, List<Unwrap> items, Executor executor) {
        return items.stream().map(i -> i.call(() -> unwrapKey(kid, i.identity(), i.wrapped()), executor)).toList();
    }

    /** {@link #latest} for each of {@code identities}, in their order, on {@code executor}. */
    default List<CompletableFuture<VaultReply<KeyFacts>>> latestAll(String kid, List<Principal> identities, Executor executor) {
        return identities.stream().map(i -> CompletableFuture.supplyAsync(() -> latest(kid, i), executor)).toList();
    }

    /** One item of {@link #unwrapAll}; {@code wanted} is asked just before the call (the caller may have lost interest). */
    record Unwrap(Principal identity, byte[] wrapped, BooleanSupplier wanted) {

        <T> CompletableFuture<VaultReply<T>> call(Supplier<VaultReply<T>> call, Executor executor) {
            return CompletableFuture.supplyAsync(() -> wanted.getAsBoolean() ? call.get()
                    : new VaultReply.Unavailable<>("not wanted any more"), executor);
        }
    }

    /**
     * @param tenantId the vault's tenant
     * @param location its region, or null when not known (a remote vault without a configured location)
     * @param granted  the key permissions its access policies grant {@code identity}, or null when they cannot be read
     *                 (a remote vault: its data plane does not show them)
     * @param rbacAuthorization whether the vault uses Azure RBAC ({@code enableRbacAuthorization}) instead of access policies
     */
    record VaultFacts(String tenantId, @Nullable String location, @Nullable Set<KeyPermission> granted, boolean rbacAuthorization) {
    }

    /**
     * A key version as the vault shows it.
     *
     * @param kid           {@code https://{vault}.{suffix}[:port]/keys/{name}/{version}}, what the core stores
     * @param keyType       Key Vault's {@code kty}: {@code RSA}, {@code RSA-HSM}, {@code oct-HSM}, ...
     * @param rsaBits       the RSA modulus size; 0 for other key types
     * @param recoveryLevel Key Vault's {@code attributes.recoveryLevel}
     */
    record KeyFacts(String kid, String version, String keyType, int rsaBits, boolean enabled, String recoveryLevel) {

        public boolean rsa() {
            return "RSA".equals(keyType) || "RSA-HSM".equals(keyType);
        }
    }
}
