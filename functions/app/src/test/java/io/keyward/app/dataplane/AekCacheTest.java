package io.keyward.app.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.hsm.envelope.AekMaterial;
import io.keyward.hsm.envelope.BlockRef;
import io.keyward.hsm.envelope.Envelope;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The plaintext-AEK cache: one unwrap per TTL, destroyed once expired and no longer in use. */
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
}
