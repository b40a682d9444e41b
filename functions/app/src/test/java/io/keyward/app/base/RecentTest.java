package io.keyward.app.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The rules of {@link Recent}: kept until forgotten or expired, never absent rows, never a row a write raced. */
class RecentTest {

    private final AtomicInteger reads = new AtomicInteger();

    private Optional<String> read(String value) {
        reads.incrementAndGet();
        return Optional.ofNullable(value);
    }

    @Test
    void aPresentRowIsReadOnceAndKeptUntilAWriteForgetsIt() {
        Recent<String, String> recent = new Recent<>(Duration.ofMinutes(1), 100);
        assertThat(recent.get("a", () -> read("v1"))).contains("v1");
        assertThat(recent.get("a", () -> read("v2"))).contains("v1");
        assertThat(reads).hasValue(1);
        recent.forget("b"::equals);
        assertThat(recent.get("a", () -> read("v2"))).as("another row's write").contains("v1");
        recent.forget("a"::equals);
        assertThat(recent.get("a", () -> read("v2"))).contains("v2");
        assertThat(reads).hasValue(2);
    }

    @Test
    void anAbsentRowIsNeverKept() {
        Recent<String, String> recent = new Recent<>(Duration.ofMinutes(1), 100);
        assertThat(recent.get("a", () -> read(null))).isEmpty();
        assertThat(recent.get("a", () -> read("v1"))).contains("v1");
        assertThat(reads).hasValue(2);
    }

    @Test
    void aReadThatAWriteRacedKeepsNothing() {
        Recent<String, String> recent = new Recent<>(Duration.ofMinutes(1), 100);
        // the write commits and forgets while the read is under way: what the read saw may be the old row
        assertThat(recent.get("a", () -> {
            recent.forget("a"::equals);
            return read("old");
        })).contains("old");
        assertThat(recent.size()).isZero();
        assertThat(recent.get("a", () -> read("new"))).contains("new");
    }

    @Test
    void aRowExpiresAfterItsLifetime() {
        AtomicLong nanos = new AtomicLong();
        Recent<String, String> recent = new Recent<>(Duration.ofMillis(50), 100, nanos::get);
        recent.get("a", () -> read("v1"));
        nanos.addAndGet(Duration.ofMillis(49).toNanos());
        assertThat(recent.get("a", () -> read("v2"))).as("within its lifetime").contains("v1");
        nanos.addAndGet(Duration.ofMillis(2).toNanos());
        assertThat(recent.get("a", () -> read("v2"))).as("after its lifetime").contains("v2");
        assertThat(reads).hasValue(2);
    }

    @Test
    void zeroKeepsNothingAndANegativeLifetimeIsRefused() {
        Recent<String, String> recent = new Recent<>(Duration.ZERO, 100);
        recent.get("a", () -> read("v1"));
        recent.get("a", () -> read("v1"));
        assertThat(reads).hasValue(2);
        assertThatThrownBy(() -> new Recent<>(Duration.ofSeconds(-1), 100)).isInstanceOf(IllegalArgumentException.class);
    }
}
