package io.keyward.app.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The plaintext-AEK cache: one unwrap per TTL, destroyed once expired and no longer in use; kept past the TTL only while
 * a vault outage's grace period lasts. The cache's clock is the test's: each test moves it and runs the sweep itself.
 */
class AekCacheTest {

    private final List<AekMaterial> loaded = new ArrayList<>();
    private final AtomicInteger loads = new AtomicInteger();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Ticker clock = nanos::get;

    private AekCache cache(Duration ttl, java.util.function.Function<UUID, Duration> outages) {
        return new AekCache(new DataPlaneProperties(ttl, 65536, 10000, Duration.ofHours(24)), outages, clock, false);
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

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
        try (AekCache cache = cache(Duration.ofMillis(300), id -> Duration.ZERO)) {
            BlockRef ref = new BlockRef("/subscriptions/s/ws/T", "b1");
            byte[] sealed;
            try (AekCache.Lease a = cache.acquire("cluster:1", this::load)) {
                sealed = a.envelope().seal(ref, "hello".getBytes(StandardCharsets.UTF_8));
            }
            advance(Duration.ofMillis(299));
            cache.sweep();
            try (AekCache.Lease b = cache.acquire("cluster:1", this::load)) {
                assertThat(new String(b.envelope().open(ref, sealed), StandardCharsets.UTF_8)).isEqualTo("hello");
            }
            assertThat(loads).hasValue(1);

            advance(Duration.ofMillis(1)); // the TTL is over: the next sweep destroys the plaintext
            assertThat(loaded.get(0).isDestroyed()).isFalse();
            cache.sweep();
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
    void anExpiredEntryIsReplacedByTheNextAcquireWithoutASweep() {
        try (AekCache cache = cache(Duration.ofMillis(300), id -> Duration.ZERO)) {
            cache.acquire("platform:w", this::load).close();
            advance(Duration.ofMillis(300));
            cache.acquire("platform:w", this::load).close();
            assertThat(loads).hasValue(2);
            assertThat(loaded.get(0).isDestroyed()).isTrue();
            assertThat(loaded.get(1).isDestroyed()).isFalse();
        }
    }

    @Test
    void anAekInUseIsDestroyedOnlyAfterItsLastLeaseCloses() {
        try (AekCache cache = cache(Duration.ofMinutes(1), id -> Duration.ZERO)) {
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
        try (AekCache cache = cache(Duration.ofMillis(200), id -> id.equals(cluster) ? graceLeft.get() : Duration.ZERO)) {
            String key = AekCache.clusterKey(cluster);
            BlockRef ref = new BlockRef("/subscriptions/s/ws/T", "b1");
            byte[] sealed;
            try (AekCache.Lease a = cache.acquire(key, this::load)) {
                sealed = a.envelope().seal(ref, "kept".getBytes(StandardCharsets.UTF_8));
            }
            // the vault goes out (as the recorded key state says) with 1 s of the grace period left
            graceLeft.set(Duration.ofSeconds(1));
            advance(Duration.ofMillis(200)); // past the TTL: the sweep holds it for one more TTL
            cache.sweep();
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

            // the grace period ends: the first sweep after the hold destroys it
            graceLeft.set(Duration.ZERO);
            advance(Duration.ofMillis(199));
            cache.sweep();
            assertThat(cache.acquireStale(key)).isPresent().get().satisfies(AekCache.Lease::close);
            advance(Duration.ofMillis(1));
            cache.sweep();
            assertThat(cache.size()).isZero();
            assertThat(loaded.get(0).isDestroyed()).isTrue();
            assertThat(cache.acquireStale(key)).isEmpty();
        }
    }

    @Test
    void withoutAnOutageAnExpiredClusterAekIsNotKeptForStaleUse() {
        UUID cluster = UUID.randomUUID();
        try (AekCache cache = cache(Duration.ofMillis(200), id -> Duration.ZERO)) {
            cache.acquire(AekCache.clusterKey(cluster), this::load).close();
            advance(Duration.ofMillis(200));
            cache.sweep();
            assertThat(cache.acquireStale(AekCache.clusterKey(cluster))).isEmpty();
            assertThat(loaded.get(0).isDestroyed()).isTrue();
        }
    }

    @Test
    void whenTheOutageStateCannotBeReadTheExpiredAekIsDestroyed() {
        UUID cluster = UUID.randomUUID();
        try (AekCache cache = cache(Duration.ofMillis(200), id -> {
            throw new IllegalStateException("database unreachable");
        })) {
            cache.acquire(AekCache.clusterKey(cluster), this::load).close();
            advance(Duration.ofMillis(200));
            cache.sweep();
            assertThat(cache.size()).isZero();
            assertThat(loaded.get(0).isDestroyed()).isTrue();
        }
    }

    @Test
    void aHoldFromTheDataPlaneKeepsTheAekOneTtlAtATime() {
        UUID cluster = UUID.randomUUID();
        try (AekCache cache = cache(Duration.ofMillis(400), id -> Duration.ZERO)) {
            cache.acquire(AekCache.clusterKey(cluster), this::load).close();
            advance(Duration.ofMillis(300));
            // a request saw the outage with 5 s of grace left: held for one more TTL (to 700 ms), until the state is read again
            cache.holdCluster(cluster, Duration.ofSeconds(5));
            advance(Duration.ofMillis(250)); // past the TTL, within the hold
            cache.sweep();
            assertThat(cache.acquireStale(AekCache.clusterKey(cluster))).isPresent().get().satisfies(AekCache.Lease::close);
            advance(Duration.ofMillis(150)); // at the hold's end: the recorded state (here: no outage) lets the sweep destroy it
            cache.sweep();
            assertThat(cache.acquireStale(AekCache.clusterKey(cluster))).isEmpty();
            assertThat(loaded.get(0).isDestroyed()).isTrue();
        }
    }

    @Test
    void theSweeperRunsEveryQuarterTtlAndAtLeastEvery100Ms() {
        assertThat(cache(Duration.ofMinutes(5), id -> Duration.ZERO).sweepPeriod()).isEqualTo(Duration.ofSeconds(75));
        assertThat(cache(Duration.ofMillis(200), id -> Duration.ZERO).sweepPeriod()).isEqualTo(Duration.ofMillis(100));
    }
}
