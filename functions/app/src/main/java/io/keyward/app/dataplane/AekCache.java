package io.keyward.app.dataplane;

import io.keyward.hsm.envelope.Envelope;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Plaintext AEKs (as ready {@link Envelope}s) of this instance, per key ({@code cluster:<id>}, {@code platform:<ws>}),
 * for {@code keyward.dataplane.aek-cache-ttl} after their unwrap: no vault or HSM call per request. An expired entry
 * is destroyed (the Envelope destroys its AEK) as soon as no request still uses it; a sweeper retires entries nobody
 * asks for, so the plaintext never outlives the TTL by more than a sweep period.
 */
@Singleton
public class AekCache implements AutoCloseable {

    private final long ttlNanos;
    private final Map<String, Entry> entries = new HashMap<>();
    private final ScheduledExecutorService sweeper;

    AekCache(DataPlaneProperties properties) {
        this.ttlNanos = properties.aekCacheTtl().toNanos();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "keyward-aek-cache-sweeper");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, Duration.ofNanos(ttlNanos).toMillis() / 4);
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /** A use of a cached Envelope; close it when done (the AEK may be destroyed only after every lease closed). */
    final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        Envelope envelope() {
            return entry.envelope;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release(entry);
            }
        }
    }

    private static final class Entry {
        final String key;
        final Envelope envelope;
        final long expiresAt;
        int users;
        boolean retired;

        Entry(String key, Envelope envelope, long expiresAt) {
            this.key = key;
            this.envelope = envelope;
            this.expiresAt = expiresAt;
        }
    }

    /**
     * The cached Envelope of {@code key}, else {@code load}'s (called outside the lock: it may call the vault; what it
     * throws reaches the caller and nothing is cached).
     */
    Lease acquire(String key, Supplier<Envelope> load) {
        synchronized (this) {
            Entry e = entries.get(key);
            if (e != null && System.nanoTime() - e.expiresAt < 0) {
                e.users++;
                return new Lease(e);
            }
            if (e != null) {
                retire(e);
            }
        }
        Envelope loaded = load.get();
        synchronized (this) {
            Entry e = entries.get(key);
            if (e != null && System.nanoTime() - e.expiresAt < 0) {
                // another request unwrapped it meanwhile: keep one plaintext copy
                loaded.close();
                e.users++;
                return new Lease(e);
            }
            if (e != null) {
                retire(e);
            }
            Entry fresh = new Entry(key, loaded, System.nanoTime() + ttlNanos);
            fresh.users = 1;
            entries.put(key, fresh);
            return new Lease(fresh);
        }
    }

    /** Drops (and destroys, once unused) the AEK of {@code key}: for a key the vault refused. */
    synchronized void evict(String key) {
        Entry e = entries.get(key);
        if (e != null) {
            retire(e);
        }
    }

    /**
     * Drops the cluster's cached AEK on this instance (destroyed once no request still uses it): the key-health poller
     * saw the vault refuse the cluster's key.
     */
    public void evictCluster(UUID clusterId) {
        evict(clusterKey(clusterId));
    }

    static String clusterKey(UUID clusterId) {
        return "cluster:" + clusterId;
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized void sweep() {
        long now = System.nanoTime();
        List<Entry> expired = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (now - e.expiresAt >= 0) {
                expired.add(e);
            }
        }
        expired.forEach(this::retire);
    }

    private synchronized void release(Entry e) {
        e.users--;
        if (e.retired && e.users == 0) {
            e.envelope.close();
        }
    }

    private void retire(Entry e) {
        entries.remove(e.key, e);
        if (!e.retired) {
            e.retired = true;
            if (e.users == 0) {
                e.envelope.close();
            }
        }
    }

    @PreDestroy
    @Override
    public synchronized void close() {
        sweeper.shutdownNow();
        new ArrayList<>(entries.values()).forEach(this::retire);
    }
}
