package io.keyward.app.base;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Rows a hot path reads on every call, kept for at most {@code ttl} after they were read: what another instance
 * writes is seen here within {@code ttl}; what this instance writes is seen at once, because its writes call
 * {@link #forget} once they have committed. A read that races such a write never keeps what it read before the write
 * (see {@link #get}). Absent rows are never kept (a vault created elsewhere must not stay "not found"). A zero
 * {@code ttl} keeps nothing.
 */
public final class Recent<K, V> {

    private final Cache<K, V> rows;
    private final boolean keeps;
    /** Bumped by every {@link #forget}: a read that saw it move may have read a row from before the write. */
    private final AtomicLong writes = new AtomicLong();

    public Recent(Duration ttl, int maxRows) {
        this(ttl, maxRows, Ticker.systemTicker());
    }

    /** With the time source rows expire by (tests move it instead of waiting). */
    Recent(Duration ttl, int maxRows, Ticker ticker) {
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("a cache lifetime cannot be negative: " + ttl);
        }
        this.keeps = !ttl.isZero();
        this.rows = Caffeine.newBuilder().ticker(ticker).expireAfterWrite(keeps ? ttl : Duration.ofNanos(1)).maximumSize(maxRows).build();
    }

    /** The row kept for {@code key}, else {@code read}'s (kept when present). */
    public Optional<V> get(K key, Supplier<Optional<V>> read) {
        if (!keeps) {
            return read.get();
        }
        V kept = rows.getIfPresent(key);
        if (kept != null) {
            return Optional.of(kept);
        }
        long before = writes.get();
        Optional<V> row = read.get();
        if (row.isPresent()) {
            rows.put(key, row.get());
            // Put first, then look: a write that committed after our read either bumped the counter before this
            // check (we drop our row) or runs its forget after our put (it drops it).
            if (writes.get() != before) {
                rows.invalidate(key);
            }
        }
        return row;
    }

    /** After a write of this instance has committed: drops the rows it may have changed. */
    public void forget(Predicate<K> changed) {
        writes.incrementAndGet();
        rows.asMap().keySet().removeIf(changed);
    }

    /** Kept rows now (tests). */
    public long size() {
        rows.cleanUp();
        return rows.estimatedSize();
    }
}
