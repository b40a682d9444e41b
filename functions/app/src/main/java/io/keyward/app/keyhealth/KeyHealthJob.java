package io.keyward.app.keyhealth;

import io.keyward.app.cmk.AekResult;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.hsm.envelope.AekMaterial;
import io.micronaut.context.event.ApplicationEventPublisher;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KeyHealth_Poll timer's work: unwraps each due resource's AEK through the customer's vault as the resource's
 * identity (what {@link CmkKeys#unwrap} does for the data plane) and records what it saw, a claimed batch at a time:
 * the batch's AEKs and identities in one read, the vault and key looked up once per key version of the batch (no
 * decision older than the batch), the unwraps on {@code keyward.keyhealth.parallelism} threads, the results in one
 * statement. No database transaction is open during a vault or HSM call.
 *
 * <p>A refusal (4xx) revokes the resource: recorded first (every instance's data plane reads it on each request), then
 * {@link KeyRevoked} for this instance's caches. An outage (unreachable, time-out, 5xx) makes the key Unavailable from
 * its first failure and keeps the cached AEKs (the data plane decides on the grace period). An unwrap that works is
 * published ({@link KeysAccessible}: the data plane re-seals what it buffered meanwhile) before it is recorded
 * (docs/data-plane-outages.md).
 */
@Singleton
public class KeyHealthJob {

    private static final Logger LOG = LoggerFactory.getLogger(KeyHealthJob.class);

    private final KeyHealthRepository repository;
    private final CmkKeys cmk;
    private final KeyHealthProperties properties;
    private final ApplicationEventPublisher<Object> events;
    private final ExecutorService workers;
    private final ScheduledExecutorService renewals;

    KeyHealthJob(KeyHealthRepository repository, CmkKeys cmk, KeyHealthProperties properties, ApplicationEventPublisher<Object> events) {
        this.repository = repository;
        this.cmk = cmk;
        this.properties = properties;
        this.events = events;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(Math.max(1, properties.parallelism()), r -> daemon(r, "keyhealth-" + n.incrementAndGet()));
        this.renewals = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "keyhealth-leases"));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** What one run did. */
    public record Round(int checked, int accessible, int revoked, int unavailable) {
    }

    /**
     * Checks every due resource, one claimed batch after another, until none is due. Each batch's unwraps run
     * {@code keyward.keyhealth.parallelism} at a time: in the token for Keyward's own vaults, over the network for
     * remote ones, where a round over many resources must still fit in the poll period. The next batch is claimed,
     * read and looked up while the current one's unwraps run, so that the database round trips do not leave the token
     * idle.
     */
    public Round runDue() {
        // a claim id per run: two runs on one instance (timer and a test firing it) are different owners
        String owner = "keyhealth#" + UUID.randomUUID();
        Map<KeyState, Integer> seen = new EnumMap<>(KeyState.class);
        Batch next = claim(owner);
        while (next != null) {
            Batch current = next;
            try {
                next = claim(owner);
            } finally {
                finish(current, owner).forEach(state -> seen.merge(state == KeyState.Unknown ? KeyState.Unavailable : state, 1, Integer::sum));
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

    @PreDestroy
    void stop() {
        workers.shutdownNow();
        renewals.shutdownNow();
    }

    /**
     * A claimed batch on its way: {@code held} the resources whose leases this poller still holds (renewed every third of
     * a lease in one statement until the batch is recorded; one lost meanwhile, taken over by another poller, is neither
     * unwrapped after that nor recorded); {@code unwraps} null when the batch could not be read (left to its leases).
     */
    private record Batch(List<UUID> ids, Set<UUID> held, ScheduledFuture<?> renewal,
                         @Nullable Map<UUID, CompletableFuture<AekResult>> unwraps) {
    }

    /** Claims the next batch and starts its unwraps; null when nothing is due. */
    private @Nullable Batch claim(String owner) {
        List<UUID> ids = repository.claim(owner, properties.batch(), properties.lease());
        if (ids.isEmpty()) {
            return null;
        }
        Set<UUID> held = ConcurrentHashMap.newKeySet();
        held.addAll(ids);
        long every = Math.max(1, properties.lease().toMillis() / 3);
        ScheduledFuture<?> renewal = renewals.scheduleWithFixedDelay(() -> renew(held, owner), every, every, TimeUnit.MILLISECONDS);
        try {
            return new Batch(ids, held, renewal, cmk.unwrapAll(ids, workers, held::contains));
        } catch (RuntimeException e) {
            // a database fault: the batch is left to its leases, and a later round takes it again
            renewal.cancel(false);
            LOG.warn("key health: a batch of {} could not be read ({})", ids.size(), e.getClass().getSimpleName());
            return new Batch(ids, held, renewal, null);
        }
    }

    /**
     * Waits for a batch's unwraps, follows the latest key versions, publishes the AEKs that worked, records the batch
     * in one statement and publishes the revocations: the states recorded (Unknown: "state kept", the resource has no
     * key any more).
     */
    private List<KeyState> finish(Batch batch, String owner) {
        if (batch.unwraps() == null) {
            return List.of();
        }
        Map<UUID, AekResult> results = new LinkedHashMap<>();
        try {
            batch.unwraps().forEach((id, unwrap) -> {
                try {
                    results.put(id, unwrap.join());
                } catch (CompletionException | CancellationException e) {
                    // a fault of this code, not the vault's answer: left to its lease, another round takes it again
                    LOG.warn("key health: the check of {} failed: {}", id, (e.getCause() == null ? e : e.getCause()).getClass().getSimpleName());
                    batch.held().remove(id);
                }
            });
            Map<UUID, AekMaterial> unwrapped = new LinkedHashMap<>();
            Map<UUID, AekMaterial> following = new LinkedHashMap<>();
            results.forEach((id, r) -> {
                if (r instanceof AekResult.Unwrapped u && batch.held().contains(id)) {
                    unwrapped.put(id, u.aek());
                    if (u.followsLatest()) {
                        following.put(id, u.aek());
                    }
                }
            });
            if (!following.isEmpty()) {
                cmk.followLatestAll(following, workers); // an empty keyVersion follows the key's newest version
            }
            if (!unwrapped.isEmpty()) {
                events.publishEvent(new KeysAccessible(unwrapped)); // before the state says Accessible
            }
        } catch (RuntimeException e) {
            LOG.warn("key health: a batch of {} failed ({})", batch.ids().size(), e.getClass().getSimpleName());
            return List.of();
        } finally {
            batch.renewal().cancel(false);
            results.values().forEach(r -> {
                if (r instanceof AekResult.Unwrapped u) {
                    u.aek().close();
                }
            });
        }
        List<KeyHealthRepository.Outcome> outcomes = new ArrayList<>();
        for (UUID id : batch.ids()) {
            if (batch.held().contains(id)) {
                outcomes.add(outcome(id, results.getOrDefault(id, new AekResult.NoKey())));
            }
        }
        Set<UUID> recorded;
        try {
            recorded = new HashSet<>(repository.record(owner, outcomes, properties.period()));
        } catch (RuntimeException e) {
            LOG.warn("key health: the results of a batch of {} could not be recorded ({})", outcomes.size(), e.getClass().getSimpleName());
            return List.of();
        }
        List<KeyState> states = new ArrayList<>();
        for (KeyHealthRepository.Outcome o : outcomes) {
            if (recorded.contains(o.resourceUuid())) {
                states.add(o.state() == null ? KeyState.Unknown : o.state());
                if (o.state() == KeyState.Revoked) {
                    LOG.info("resource {}: key revoked", o.resourceUuid());
                    events.publishEvent(new KeyRevoked(o.resourceUuid()));
                }
            }
        }
        return states;
    }

    private void renew(Set<UUID> held, String owner) {
        try {
            held.retainAll(repository.renew(List.copyOf(held), owner, properties.lease()));
        } catch (RuntimeException e) {
            LOG.warn("key health: renewing the leases of a batch failed ({})", e.getClass().getSimpleName());
        }
    }

    private static KeyHealthRepository.Outcome outcome(UUID id, AekResult aek) {
        if (aek instanceof AekResult.Unwrapped) {
            return new KeyHealthRepository.Outcome(id, KeyState.Accessible, true, null);
        }
        if (aek instanceof AekResult.Refused r) {
            return new KeyHealthRepository.Outcome(id, KeyState.Revoked, false, r.message());
        }
        if (aek instanceof AekResult.Unavailable u) {
            // cached AEKs stay: within the grace period the data plane keeps serving with them
            return new KeyHealthRepository.Outcome(id, KeyState.Unavailable, false, "The vault could not be reached: " + u.reason() + ".");
        }
        return new KeyHealthRepository.Outcome(id, null, false, "The cluster has no customer-managed key.");
    }
}
