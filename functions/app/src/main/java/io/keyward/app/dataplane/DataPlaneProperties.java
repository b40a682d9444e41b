package io.keyward.app.dataplane;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code keyward.dataplane.*}.
 *
 * @param aekCacheTtl   how long a plaintext AEK (platform or cluster) stays in memory after it was unwrapped; then it is
 *                      destroyed and the next request unwraps again (the vault is asked at most once per period)
 * @param maxBlockBytes JSON bytes per sealed block: 64 KiB, the block size docs/benchmarks.md measured fastest on JDK 17
 * @param maxQueryLimit the most records one query returns
 * @param outageBuffer  how long past the outage grace period ({@code keyward.keyhealth.outage-grace}) ingestion for a
 *                      cluster whose vault is out is still accepted, sealed under the workspace's platform key and
 *                      pending re-sealing under the cluster's key; after it, ingestion is refused with 503
 *                      (KeyVaultUnavailable, nothing stored, the sender retries) rather than buffered without bound.
 *                      Blocks already buffered are kept whatever the outage's length.
 */
@ConfigurationProperties("keyward.dataplane")
public record DataPlaneProperties(
        @Bindable(defaultValue = "60s") Duration aekCacheTtl,
        @Bindable(defaultValue = "65536") int maxBlockBytes,
        @Bindable(defaultValue = "10000") int maxQueryLimit,
        @Bindable(defaultValue = "24h") Duration outageBuffer) {
}
