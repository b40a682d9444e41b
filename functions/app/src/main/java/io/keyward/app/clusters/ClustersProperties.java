package io.keyward.app.clusters;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code keyward.clusters.*}.
 *
 * @param maxPerRegion          active clusters per region and subscription (the CMK docs: 2)
 * @param softDeleteRetention   how long a deleted cluster's name stays reserved and it can be recovered (14 days)
 * @param capacityDecreaseLock  how long after a SKU change a capacity decrease is refused (30 days)
 * @param keyUpdateTimeout      how long a key update keeps retrying an unreachable vault before it fails
 * @param vaultConnectAddress   {@code host:port} to which calls to vault hosts ({@code *.<keyward.vault.dns-suffix>})
 *                              connect instead of the name's DNS address, TLS still to the vault's name; the local
 *                              host sets its own {@code 127.0.0.1:port}, because {@code *.vault.localhost} does
 *                              not resolve in a plain JVM. Unset in production: DNS applies.
 * @param vaultTrustStore       PKCS12 trust store for those calls (the local host's CA); unset = the JDK's trust
 * @param vaultTrustStorePassword its password
 */
@ConfigurationProperties("keyward.clusters")
public record ClustersProperties(
        @Bindable(defaultValue = "2") int maxPerRegion,
        @Bindable(defaultValue = "14d") Duration softDeleteRetention,
        @Bindable(defaultValue = "30d") Duration capacityDecreaseLock,
        @Bindable(defaultValue = "10m") Duration keyUpdateTimeout,
        @Nullable String vaultConnectAddress,
        @Nullable Path vaultTrustStore,
        @Bindable(defaultValue = "changeit") String vaultTrustStorePassword) {
}
