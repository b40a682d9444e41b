package io.keyward.app.clusters;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code keyward.clusters.*}.
 *
 * @param maxPerRegion          active clusters per region and subscription (the CMK docs: 2)
 * @param softDeleteRetention   how long a deleted cluster's name stays reserved and it can be recovered (14 days)
 * @param capacityDecreaseLock  how long after a SKU change a capacity decrease is refused (30 days)
 * @param keyUpdateTimeout      how long a key update keeps retrying an unreachable vault before it fails
 */
@ConfigurationProperties("keyward.clusters")
public record ClustersProperties(
        @Bindable(defaultValue = "2") int maxPerRegion,
        @Bindable(defaultValue = "14d") Duration softDeleteRetention,
        @Bindable(defaultValue = "30d") Duration capacityDecreaseLock,
        @Bindable(defaultValue = "10m") Duration keyUpdateTimeout) {
}
