package io.keyward.app.hpccache;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;
import java.util.List;

/**
 * {@code keyward.hpccache.*}.
 *
 * @param authorizeTimeout how long a cache with a customer-managed key waits for its key vault access to be
 *                         authorized before it fails (the HPC Cache docs: 90 minutes)
 * @param cmkRegions       the regions that offer customer-managed key encryption for caches, as the docs name them
 *                         (East US, South Central US, West US 2); compared without case and spaces
 * @param keyWaitPoll      how often the create operation of a waiting cache looks whether it was authorized
 */
@ConfigurationProperties("keyward.hpccache")
public record HpcCacheProperties(
        @Bindable(defaultValue = "90m") Duration authorizeTimeout,
        @Bindable(defaultValue = "East US,South Central US,West US 2") List<String> cmkRegions,
        @Bindable(defaultValue = "5s") Duration keyWaitPoll) {
}
