package io.keyward.app.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyward.hsm.envelope.AekMaterial;
import io.keyward.hsm.envelope.BlockRef;
import io.keyward.hsm.envelope.Envelope;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The plaintext-AEK cache: one unwrap per TTL, destroyed once expired and no longer in use; kept past the TTL only while
 * a vault outage's grace period lasts.
 */
class AekCacheTest {

    private final List<AekMaterial> loaded = new ArrayList<>();
    private final AtomicInteger loads = new AtomicInteger();

    private Envelope load() {
        loads.incrementAndGet();
        byte[] key = new byte[AekMaterial.LENGTH];
        new SecureRandom().nextBytes(key);
        AekMaterial aek = AekMaterial.adopt(key);
        loaded.add(aek);
        return Envelope.of(1, aek);
    }

    @Test
    void unwrapsOncePerTtlAndDestroysExpiredAeks() throws Exception {
        try (AekCache cache = new AekCache(new DataPlaneProperties(Duration.ofMillis(300), 65536, 10000, Duration.ofHours(24)))) {
            BlockRef ref = new BlockRef("/subscriptions/s/ws/T", "b1");
            byte[] sealed;
            try (AekCache.Lease a = cache.acquire("cluster:1", this::load)) {
                sealed = a.envelope().seal(ref, "hello".getBytes(StandardCharsets.UTF_8));
            }
            try (AekCache.Lease b = cache.acquire("cluster:1", this::load)) {
                assertThat(new String(b.envelope().open(ref, sealed), StandardCharsets.UTF_8)).isEqualTo("hello");
            }
            assertThat(loads).hasValue(1);

            Thread.sleep(600); // past the TTL and at least one sweep
            assertThat(cache.size()).isZero();
            assertThat(loaded.get(0).isDestroyed()).isTrue();
            try (AekCache.Lease c = cache.acquire("cluster:1", this::load)) {
                assertThat(c.envelope()).isNotNull();
            }
            assertThat(loads).hasValue(2);
        }
        assertThat(loaded).allMatch(AekMaterial::isDestroyed);
    }

    @Test
    void anAekInUseIsDestroyedOnlyAfterItsLastLeaseCloses() {
        try (AekCache cache = new AekCache(new DataPlaneProperties(Duration.ofMinutes(1), 65536, 10000, Duration.ofHours(24)))) {
            AekCache.Lease held = cache.acquire("platform:w", this::load);
            cache.evict("platform:w");
            assertThat(loaded.get(0).isDestroyed()).isFalse();
            held.envelope().seal(new BlockRef("r", "b"), new byte[10]);
            held.close();
            assertThat(loaded.get(0).isDestroyed()).isTrue();
        }
    }

    @Test
    void anExpiredClusterAekIsHeldThroughAnOutageWithinItsGraceOnlyAndDestroyedAfter() throws Exception {
        UUID cluster = UUID.randomUUID();
        AtomicReference<Duration> graceLeft = new AtomicReference<>(Duration.ZERO);
        try (AekCache cache = new AekCache(new DataPlaneProperties(Duration.ofMillis(200), 65536, 10000, Duration.ofHours(24)),
                id -> id.equals(cluster) ? graceLeft.get() : Duration.ZERO)) {
            String key = AekCache.clusterKey(cluster);
            BlockRef ref = new BlockRef("/subscriptions/s/ws/T", "b1");
            byte[] sealed;
            try (AekCache.Lease a = cache.acquire(key, this::load)) {
                sealed = a.envelope().seal(ref, "kept".getBytes(StandardCharsets.UTF_8));
            }
            // the vault goes out (as the recorded key state says) with 1 s of the grace period left
            graceLeft.set(Duration.ofSeconds(1));
            Thread.sleep(450); // past the TTL and several sweeps
            assertThat(cache.size()).isEqualTo(1);
            assertThat(loaded.get(0).isDestroyed()).isFalse();
            // a reload fails (the vault is out): the expired entry is still there to serve, no second unwrap
            assertThatThrownBy(() -> cache.acquire(key, () -> {
                throw new IllegalStateException("vault unreachable");
            })).hasMessage("vault unreachable");
            try (AekCache.Lease stale = cache.acquireStale(key).orElseThrow()) {
                assertThat(new String(stale.envelope().open(ref, sealed), StandardCharsets.UTF_8)).isEqualTo("kept");
            }
            assertThat(loads).hasValue(1);

            // the grace period ends: the next sweep after the hold destroys it
            graceLeft.set(Duration.ZERO);
            Thread.sleep(1300);
            assertThat(cache.size()).isZero();
            assertThat(loaded.get(0).isDestroyed()).isTrue();
            assertThat(cache.acquireStale(key)).isEmpty();
        }
    }

    @Test
    void withoutAnOutageAnExpiredClusterAekIsNotKeptForStaleUse() throws Exception {
        UUID cluster = UUID.randomUUID();
        try (AekCache cache = new AekCache(new DataPlaneProperties(Duration.ofMillis(200), 65536, 10000, Duration.ofHours(24)),
                id -> Duration.ZERO)) {
            cache.acquire(AekCache.clusterKey(cluster), this::load).close();
            Thread.sleep(450);
            assertThat(cache.acquireStale(AekCache.clusterKey(cluster))).isEmpty();
            assertThat(loaded.get(0).isDestroyed()).isTrue();
        }
    }

    @Test
    void aHoldFromTheDataPlaneKeepsTheAekOneTtlAtATime() throws Exception {
        UUID cluster = UUID.randomUUID();
        try (AekCache cache = new AekCache(new DataPlaneProperties(Duration.ofMillis(400), 65536, 10000, Duration.ofHours(24)),
                id -> Duration.ZERO)) {
            cache.acquire(AekCache.clusterKey(cluster), this::load).close();
            Thread.sleep(300);
            // a request saw the outage with 5 s of grace left: held for one more TTL, until the state is read again
            cache.holdCluster(cluster, Duration.ofSeconds(5));
            Thread.sleep(250); // past the TTL, within the hold
            assertThat(cache.acquireStale(AekCache.clusterKey(cluster))).isPresent().get().satisfies(AekCache.Lease::close);
            Thread.sleep(450); // past the hold: the recorded state (here: no outage) lets the sweeper destroy it
            assertThat(cache.acquireStale(AekCache.clusterKey(cluster))).isEmpty();
            assertThat(loaded.get(0).isDestroyed()).isTrue();
        }
    }
}
