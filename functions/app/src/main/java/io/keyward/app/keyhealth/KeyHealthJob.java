package io.keyward.app.keyhealth;

import io.keyward.app.cmk.AekResult;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.dataplane.AekCache;
import io.keyward.app.dataplane.OutageBuffer;
import io.keyward.hsm.envelope.AekMaterial;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KeyHealth_Poll timer's work: unwraps each due cluster's AEK through the customer's vault as the cluster's
 * identity (the same {@link CmkKeys#unwrap} the data plane uses) and records what it saw. A refusal (4xx)
 * revokes the cluster and drops its cached AEK on this instance; other instances stop serving it because the data
 * plane reads the recorded state. An outage (unreachable, time-out, 5xx) makes the key Unavailable from its first
 * failure and keeps the cached AEKs (the data plane decides on the grace period); the first unwrap that works again
 * ends it and re-seals what the data plane buffered under the platform key meanwhile (docs/data-plane-outages.md).
 */
@Singleton
public class KeyHealthJob {

    private static final Logger LOG = LoggerFactory.getLogger(KeyHealthJob.class);

    private final KeyHealthRepository repository;
    private final CmkKeys cmk;
    private final AekCache cache;
    private final KeyHealthProperties properties;
    private final OutageBuffer buffer;
    private final ExecutorService workers;

    KeyHealthJob(KeyHealthRepository repository, CmkKeys cmk, AekCache cache, KeyHealthProperties properties, OutageBuffer buffer) {
        this.repository = repository;
        this.cmk = cmk;
        this.cache = cache;
        this.properties = properties;
        this.buffer = buffer;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(Math.max(1, properties.parallelism()), r -> {
            Thread t = new Thread(r, "keyhealth-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** What one run did. */
    public record Round(int checked, int accessible, int revoked, int unavailable) {
    }

    /**
     * Checks every due cluster, one claimed batch after another, until none is due. The clusters of a batch are checked
     * {@code keyward.keyhealth.parallelism} at a time: each check mostly waits on its vault, and a round over many
     * clusters must fit in the poll period.
     */
    public Round runDue() {
        repository.enrol();
        // a claim id per run: two runs on one instance (timer and a test firing it) are different owners
        String owner = "keyhealth#" + UUID.randomUUID();
        Map<KeyState, Integer> seen = new EnumMap<>(KeyState.class);
        List<UUID> batch;
        while (!(batch = repository.claim(owner, properties.batch(), properties.lease())).isEmpty()) {
            List<Future<KeyState>> checks = new ArrayList<>(batch.size());
            for (UUID clusterId : batch) {
                checks.add(workers.submit(() -> {
                    // a batch of slow checks (vault time-outs) may outlast the batch's lease: never check a cluster whose
                    // claim another poller has taken over meanwhile
                    return repository.renew(clusterId, owner, properties.lease()) ? check(clusterId, owner) : null;
                }));
            }
            for (Future<KeyState> f : checks) {
                KeyState state = outcome(f);
                if (state != null) {
                    seen.merge(state == KeyState.Unknown ? KeyState.Unavailable : state, 1, Integer::sum);
                }
            }
        }
        int accessible = seen.getOrDefault(KeyState.Accessible, 0);
        int revoked = seen.getOrDefault(KeyState.Revoked, 0);
        int unavailable = seen.getOrDefault(KeyState.Unavailable, 0);
        int checked = accessible + revoked + unavailable;
        if (checked > 0) {
            LOG.debug("key health: {} checked, {} accessible, {} revoked, {} unavailable", checked, accessible, revoked, unavailable);
        }
        return new Round(checked, accessible, revoked, unavailable);
    }

    /** A check that threw (a database fault) is logged and left to its lease: another round takes the cluster again. */
    private static KeyState outcome(Future<KeyState> check) {
        try {
            return check.get();
        } catch (ExecutionException e) {
            LOG.warn("key health: a check failed: {}", e.getCause().toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @PreDestroy
    void stop() {
        workers.shutdownNow();
    }

    /** Unknown here means "state kept": the cluster has no key any more. */
    private KeyState check(UUID clusterId, String owner) {
        AekResult aek = cmk.unwrap(clusterId);
        if (aek instanceof AekResult.Unwrapped u) {
            try (AekMaterial material = u.aek()) {
                // before the state says Accessible; idempotent, a failure leaves the blocks pending for the next check
                buffer.resealPending(clusterId, material);
                if (u.followsLatest()) {
                    cmk.followLatest(clusterId, material); // an empty keyVersion follows the key's newest version
                }
            }
            repository.record(clusterId, owner, KeyState.Accessible, true, null, properties.period());
            return KeyState.Accessible;
        }
        if (aek instanceof AekResult.Refused r) {
            cache.evictCluster(clusterId);
            repository.record(clusterId, owner, KeyState.Revoked, false, r.message(), properties.period());
            LOG.info("cluster {}: key revoked ({})", clusterId, r.status());
            return KeyState.Revoked;
        }
        if (aek instanceof AekResult.Unavailable u) {
            // cached AEKs stay: within the grace period the data plane keeps serving with them
            repository.record(clusterId, owner, KeyState.Unavailable, false, "The vault could not be reached: " + u.reason() + ".",
                    properties.period());
            return KeyState.Unavailable;
        }
        repository.record(clusterId, owner, null, false, "The cluster has no customer-managed key.", properties.period());
        return KeyState.Unknown;
    }
}
