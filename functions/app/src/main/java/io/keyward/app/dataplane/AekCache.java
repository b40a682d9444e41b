package io.keyward.app.dataplane;

import com.github.benmanes.caffeine.cache.Ticker;
import io.keyward.app.keyhealth.KeyHealth;
import io.keyward.hsm.envelope.Envelope;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Plaintext AEKs (as ready {@link Envelope}s) of this instance, per key ({@code cluster:<id>}, {@code platform:<ws>}),
 * for {@code keyward.dataplane.aek-cache-ttl} after their unwrap: no vault or HSM call per request. An expired entry
 * is destroyed (the Envelope destroys its AEK) as soon as no request still uses it; a sweeper retires entries nobody
 * asks for, so the plaintext never outlives the TTL by more than a sweep period.
 *
 * <p>One exception, the vault outage (docs/data-plane-outages.md): a cluster's entry may be <em>held</em> past its TTL
 * until the outage's grace period ends, because nothing can unwrap it again meanwhile and the grace period promises
 * that a blip does not interrupt the data plane. Held entries serve only {@link #acquireStale}; the sweeper asks
 * {@code outages} (the recorded key state) before retiring an expired cluster entry, so an outage another instance's
 * poller saw holds this instance's entry too.
 */
@Singleton
public class AekCache implements AutoCloseable {

    private final long ttlNanos;
    private final Map<String, Entry> entries = new HashMap<>();
    private final ScheduledExecutorService sweeper;
    private final Ticker ticker;
    private final Function<UUID, Duration> outages;

    /**
     * {@code outages}: how much of a cluster's outage grace period is left now (zero: none, or not in an outage).
     * {@code ticker}: the clock of TTLs and holds. A sweeper thread runs {@link #sweep} every quarter TTL (at least
     * 100 ms) when {@code sweepEvery} is true; tests move the ticker and sweep themselves instead.
     */
    AekCache(DataPlaneProperties properties, Function<UUID, Duration> outages, Ticker ticker, boolean sweepEvery) {
        this.outages = outages;
        this.ticker = ticker;
        this.ttlNanos = properties.aekCacheTtl().toNanos();
        if (sweepEvery) {
            this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "keyward-aek-cache-sweeper");
                t.setDaemon(true);
                return t;
            });
            long period = sweepPeriod().toMillis();
            sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
        } else {
            this.sweeper = null;
        }
    }

    AekCache(DataPlaneProperties properties, Function<UUID, Duration> outages) {
        this(properties, outages, Ticker.systemTicker(), true);
    }

    /** How often the sweeper runs: a quarter of the TTL, at least 100 ms (the plaintext outlives its TTL by at most that). */
    Duration sweepPeriod() {
        return Duration.ofMillis(Math.max(100, Duration.ofNanos(ttlNanos).toMillis() / 4));
    }

    @Inject
    AekCache(DataPlaneProperties properties, KeyHealth keyHealth) {
        this(properties, clusterId -> {
            KeyHealth.Status s = keyHealth.of(clusterId).orElse(null);
            if (s == null || s.unavailableFor() == null || keyHealth.access(s) != KeyHealth.Access.OutageWithinGrace) {
                return Duration.ZERO;
            }
            return keyHealth.outageGrace().minus(s.unavailableFor());
        });
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
        /** past expiresAt, the entry is kept (for {@link #acquireStale} only) until then: within a vault outage's grace */
        long heldUntil;
        int users;
        boolean retired;

        Entry(String key, Envelope envelope, long expiresAt) {
            this.key = key;
            this.envelope = envelope;
            this.expiresAt = expiresAt;
            this.heldUntil = expiresAt;
        }

        boolean held(long now) {
            return now - heldUntil < 0;
        }
    }

    /**
     * The cached Envelope of {@code key}, else {@code load}'s (called outside the lock: it may call the vault; what it
     * throws reaches the caller and nothing is cached).
     */
    Lease acquire(String key, Supplier<Envelope> load) {
        synchronized (this) {
            Entry e = entries.get(key);
            if (e != null && ticker.read() - e.expiresAt < 0) {
                e.users++;
                return new Lease(e);
            }
            // an expired entry stays until the load replaced it: if the vault is out, acquireStale may still want it
        }
        Envelope loaded = load.get();
        synchronized (this) {
            Entry e = entries.get(key);
            if (e != null && ticker.read() - e.expiresAt < 0) {
                // another request unwrapped it meanwhile: keep one plaintext copy
                loaded.close();
                e.users++;
                return new Lease(e);
            }
            if (e != null) {
                retire(e);
            }
            Entry fresh = new Entry(key, loaded, ticker.read() + ttlNanos);
            fresh.users = 1;
            entries.put(key, fresh);
            return new Lease(fresh);
        }
    }

    /**
     * The cached Envelope of {@code key} whether or not its TTL has passed, without loading: for a cluster whose vault
     * is out, within the grace period. Empty when this instance holds none (it was never unwrapped here, or retired).
     */
    synchronized Optional<Lease> acquireStale(String key) {
        Entry e = entries.get(key);
        if (e == null || e.retired) {
            return Optional.empty();
        }
        e.users++;
        return Optional.of(new Lease(e));
    }

    /**
     * Keeps the cluster's entry (if this instance has one) past its TTL: the vault is out and the grace period has
     * {@code graceLeft} left. At most one TTL at a time, after which the sweeper asks the recorded key state again:
     * a key revoked or back meanwhile does not keep its plaintext for the rest of the grace period. Never shortens a
     * hold.
     */
    synchronized void holdCluster(UUID clusterId, Duration graceLeft) {
        Entry e = entries.get(clusterKey(clusterId));
        if (e != null && !graceLeft.isNegative() && !graceLeft.isZero()) {
            long until = ticker.read() + Math.min(graceLeft.toNanos(), ttlNanos);
            if (until - e.heldUntil > 0) {
                e.heldUntil = until;
            }
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
     * Drops the cluster's cached AEK on this instance (destroyed once no request still uses it): a check saw the vault
     * refuse the cluster's key, or the AEK was shredded.
     */
    public void evictCluster(UUID clusterId) {
        evict(clusterKey(clusterId));
    }

    private static final String CLUSTER_PREFIX = "cluster:";

    static String clusterKey(UUID clusterId) {
        return CLUSTER_PREFIX + clusterId;
    }

    synchronized int size() {
        return entries.size();
    }

    void sweep() {
        List<Entry> expired = new ArrayList<>();
        synchronized (this) {
            long now = ticker.read();
            for (Entry e : entries.values()) {
                if (now - e.expiresAt >= 0 && !e.held(now)) {
                    expired.add(e);
                }
            }
        }
        for (Entry e : expired) {
            // an expired cluster entry whose vault is out (as any instance's poller recorded) is held instead, while the
            // grace period lasts; the database read happens outside the lock
            Duration left = Duration.ZERO;
            if (e.key.startsWith(CLUSTER_PREFIX)) {
                try {
                    left = outages.apply(UUID.fromString(e.key.substring(CLUSTER_PREFIX.length())));
                } catch (RuntimeException failure) {
                    left = Duration.ZERO; // cannot tell: the plaintext does not outlive its TTL on a guess
                }
            }
            synchronized (this) {
                if (left.compareTo(Duration.ZERO) > 0) {
                    // one TTL at a time, then the state is read again (revoked, back, or past the grace period)
                    e.heldUntil = ticker.read() + Math.min(left.toNanos(), ttlNanos);
                } else if (!e.held(ticker.read())) {
                    retire(e);
                }
            }
        }
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
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        new ArrayList<>(entries.values()).forEach(this::retire);
    }
}
