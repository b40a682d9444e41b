package io.keyward.app.keyhealth;

import io.keyward.app.cmk.AekResult;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.hsm.envelope.AekMaterial;
import io.keyward.app.dataplane.AekCache;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KeyHealth_Poll timer's work: unwraps each due cluster's AEK through the customer's vault as the cluster's
 * identity (the same {@link CmkKeys#unwrap} the data plane uses) and records what it saw. A refusal (4xx)
 * revokes the cluster and drops its cached AEK on this instance; other instances stop serving it because the data
 * plane reads the recorded state. An outage (unreachable, 5xx) keeps the state and records the error: grace handling
 * is later work.
 */
@Singleton
public class KeyHealthJob {

    private static final Logger LOG = LoggerFactory.getLogger(KeyHealthJob.class);

    private final KeyHealthRepository repository;
    private final CmkKeys cmk;
    private final AekCache cache;
    private final KeyHealthProperties properties;

    KeyHealthJob(KeyHealthRepository repository, CmkKeys cmk, AekCache cache, KeyHealthProperties properties) {
        this.repository = repository;
        this.cmk = cmk;
        this.cache = cache;
        this.properties = properties;
    }

    /** What one run did. */
    public record Round(int checked, int accessible, int revoked, int unavailable) {
    }

    /** Checks every due cluster, one claimed batch after another, until none is due. */
    public Round runDue() {
        repository.enrol();
        // a claim id per run: two runs on one instance (timer and a test firing it) are different owners
        String owner = "keyhealth#" + UUID.randomUUID();
        int checked = 0;
        int accessible = 0;
        int revoked = 0;
        int unavailable = 0;
        List<UUID> batch;
        while (!(batch = repository.claim(owner, properties.batch(), properties.lease())).isEmpty()) {
            for (UUID clusterId : batch) {
                checked++;
                switch (check(clusterId, owner)) {
                    case Accessible -> accessible++;
                    case Revoked -> revoked++;
                    case Unknown -> unavailable++;
                }
            }
        }
        if (checked > 0) {
            LOG.debug("key health: {} checked, {} accessible, {} revoked, {} unavailable", checked, accessible, revoked, unavailable);
        }
        return new Round(checked, accessible, revoked, unavailable);
    }

    /** Unknown here means "state kept": the vault could not answer, or the cluster has no key any more. */
    private KeyState check(UUID clusterId, String owner) {
        AekResult aek = cmk.unwrap(clusterId);
        if (aek instanceof AekResult.Unwrapped u) {
            try (AekMaterial material = u.aek()) {
                cmk.followLatest(clusterId, material); // an empty keyVersion follows the key's newest version
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
        String error = aek instanceof AekResult.Unavailable u ? "The vault could not be reached: " + u.reason() + "."
                : "The cluster has no customer-managed key.";
        repository.record(clusterId, owner, null, false, error, properties.period());
        return KeyState.Unknown;
    }
}
