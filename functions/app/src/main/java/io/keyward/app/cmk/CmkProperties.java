package io.keyward.app.cmk;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import java.nio.file.Path;

/**
 * {@code keyward.cmk.*}: how the CMK core reaches customers' vaults.
 *
 * @param vaultConnectAddress     {@code host:port} to which calls to vault hosts ({@code *.<keyward.vault.dns-suffix>})
 *                                connect instead of the name's DNS address, TLS still to the vault's name; the local
 *                                host sets its own {@code 127.0.0.1:port}, because {@code *.vault.localhost} does not
 *                                resolve in a plain JVM. Unset in production: DNS applies.
 * @param vaultTrustStore         PKCS12 trust store for those calls (the local host's CA); unset = the JDK's trust
 * @param vaultTrustStorePassword its password
 * @param clientCacheSize         Key Vault clients kept per (key, identity), each with its challenge and token
 */
@ConfigurationProperties("keyward.cmk")
public record CmkProperties(
        @Nullable String vaultConnectAddress,
        @Nullable Path vaultTrustStore,
        @Bindable(defaultValue = "changeit") String vaultTrustStorePassword,
        @Bindable(defaultValue = "10000") int clientCacheSize) {
}
