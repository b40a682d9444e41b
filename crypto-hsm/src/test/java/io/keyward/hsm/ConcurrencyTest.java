package io.keyward.hsm;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConcurrencyTest {

    @Test
    void manyThreadsUnwrapThroughAPoolSmallerThanTheThreadCount() throws Exception {
        int threads = 16;
        int perThread = 40;
        try (Hsm hsm = Hsm.open(TestTokens.config(TestTokens.LABEL).maxSessions(3)
                .borrowTimeout(Duration.ofSeconds(30)).build())) {
            KeyVersion kek = hsm.keys().create(TestTokens.name("concurrency/kek"), KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
            byte[] aek = hsm.random(32);
            byte[] wrapped = hsm.wrap(kek.ref(), WrapAlgorithm.RSA_OAEP, aek);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    int ok = 0;
                    for (int i = 0; i < perThread; i++) {
                        if (java.util.Arrays.equals(hsm.unwrap(kek.ref(), WrapAlgorithm.RSA_OAEP, wrapped), aek)) {
                            ok++;
                        }
                        assertThat(hsm.openSessions()).isLessThanOrEqualTo(3);
                    }
                    return ok;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(total).isEqualTo(threads * perThread);
            assertThat(hsm.borrowedSessions()).isZero();
            assertThat(hsm.openSessions()).isBetween(1, 3);
        }
    }

    @Test
    void aCallerThatCannotGetASessionInTimeFailsAsBusyInsteadOfWaitingForever() throws Exception {
        try (Hsm hsm = Hsm.open(TestTokens.config(TestTokens.LABEL).maxSessions(1)
                .borrowTimeout(Duration.ofMillis(100)).build())) {
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread holder = new Thread(() -> hsm.call("hold a session", null, s -> {
                holding.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            }));
            holder.start();
            assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
            try {
                assertThatThrownBy(() -> hsm.random(16)).isInstanceOfSatisfying(HsmException.class, e -> {
                    assertThat(e.failure()).isEqualTo(HsmFailure.BUSY);
                    assertThat(e.isTransient()).isTrue();
                });
            } finally {
                release.countDown();
                holder.join();
            }
            assertThat(hsm.random(16)).hasSize(16);
            assertThat(hsm.borrowedSessions()).isZero();
        }
    }
}
