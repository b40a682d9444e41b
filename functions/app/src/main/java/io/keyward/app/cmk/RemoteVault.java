package io.keyward.app.cmk;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code keyward.cmk.remote-vaults.<name>.*}: vaults Keyward does not host (Azure Key Vault, Managed HSM, another
 * Keyward) whose keys resources may use, reached through the unmodified Azure SDK with a credential configured here
 * (docs/remote-vaults.md). A vault URI is served by the entry whose host suffix (and port, when given) it matches;
 * any other URI outside Keyward's own vault suffix is refused as not found, so a customer-given URI never makes
 * Keyward call a host nobody configured.
 *
 * @param name                    the entry's name (logs, messages)
 * @param hostSuffix              the hosts served: this host and its subdomains ({@code vault.azure.net},
 *                                {@code contoso.managedhsm.azure.net})
 * @param port                    only URIs with this port (unset: any port)
 * @param tenantId                the vaults' Entra tenant: Key Vault accepts tokens of its own tenant only, so the
 *                                credential signs in there, and only resources of this tenant may use these vaults
 * @param location                the vaults' region (every surface requires the vault in the resource's region)
 * @param credential              {@code client-secret} or {@code managed-identity}
 * @param clientId                client-secret: the application's client id; managed-identity: a user-assigned
 *                                identity's client id (unset: the system-assigned identity)
 * @param clientSecret            client-secret: the secret (or give {@code credentialsFile} instead)
 * @param credentialsFile         client-secret: a JSON file with {@code clientId}, {@code clientSecret} and optionally
 *                                {@code authority} (what {@code ./keyward client add} prints), read when a token is
 *                                needed, so that a rotated secret is picked up without a restart
 * @param authorityHost           the token authority ({@code <authorityHost>/<tenantId>/oauth2/v2.0/token}); unset:
 *                                the file's {@code authority}, else Entra's public cloud
 * @param trustStore              PKCS12 trust store for the vault and the authority (unset: the JDK's)
 * @param trustStorePassword      its password
 * @param timeout                 per call until the response (unset: {@code keyward.cmk.vault-timeout})
 * @param retries                 retries after an I/O error, time-out or 5xx (unset: {@code keyward.cmk.vault-retries})
 * @param verifyChallengeResource whether the SDK checks that the challenge's resource belongs to the vault's domain;
 *                                off for another Keyward, whose vaults answer with Key Vault's resource on their own
 */
@EachProperty("keyward.cmk.remote-vaults")
public record RemoteVault(
        @Parameter String name,
        @Nullable String hostSuffix,
        @Nullable Integer port,
        @Nullable String tenantId,
        @Nullable String location,
        @Bindable(defaultValue = "client-secret") String credential,
        @Nullable String clientId,
        @Nullable String clientSecret,
        @Nullable Path credentialsFile,
        @Nullable String authorityHost,
        @Nullable Path trustStore,
        @Bindable(defaultValue = "changeit") String trustStorePassword,
        @Nullable Duration timeout,
        @Nullable Integer retries,
        @Bindable(defaultValue = "true") boolean verifyChallengeResource) {

    static final String CLIENT_SECRET = "client-secret";
    static final String MANAGED_IDENTITY = "managed-identity";

    /** Never shows the secret or the trust store's password. */
    @Override
    public String toString() {
        return "RemoteVault[" + name + ": " + hostSuffix + (port == null ? "" : ":" + port) + ", tenant " + tenantId + ", " + credential + "]";
    }
}
