package io.keyward.app.keyhealth;

import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * What key health last recorded of a resource's key: read by the data plane on every request (one read of the row: a
 * revocation any instance recorded is seen by the next request everywhere), and for GET.
 */
@Singleton
public class KeyHealth {

    /**
     * The key state, the last unwrap that worked and the last error (null after a success); while the key is
     * {@link KeyState#Unavailable}, since when and for how long by the database clock (else both null).
     */
    public record Status(KeyState state, @Nullable Instant lastSuccessfulUnwrap, @Nullable String lastError,
                         @Nullable Instant unavailableSince, @Nullable Duration unavailableFor) {
    }

    /** What the data plane may do with a cluster's key now (docs/data-plane-outages.md). */
    public enum Access {
        /** Use the key as usual (accessible, or not polled yet). */
        Usable,
        /** The vault refused the key: drop ingestion, refuse queries. */
        Revoked,
        /** The vault is out, within the grace period: keep using a cached AEK, do not call the vault. */
        OutageWithinGrace,
        /** The vault is out beyond the grace period: refuse queries, buffer ingestion under the platform key. */
        OutageBeyondGrace
    }

    private final KeyHealthRepository repository;
    private final KeyHealthProperties properties;

    KeyHealth(KeyHealthRepository repository, KeyHealthProperties properties) {
        this.repository = repository;
        this.properties = properties;
    }

    /** Empty until the poller first saw the cluster. */
    public Optional<Status> of(UUID clusterId) {
        return repository.find(clusterId).map(h -> new Status(h.state(), h.lastSuccessfulUnwrap(), h.lastError(),
                h.unavailableSince(), h.unavailableFor()));
    }

    public boolean revoked(UUID clusterId) {
        return of(clusterId).map(s -> s.state() == KeyState.Revoked).orElse(false);
    }

    /** One database read: what the data plane may do with the cluster's key now. */
    public Access access(UUID clusterId) {
        return of(clusterId).map(this::access).orElse(Access.Usable);
    }

    public Access access(Status s) {
        return switch (s.state()) {
            case Revoked -> Access.Revoked;
            case Unavailable -> s.unavailableFor() != null && s.unavailableFor().compareTo(properties.outageGrace()) >= 0
                    ? Access.OutageBeyondGrace : Access.OutageWithinGrace;
            case Accessible, Unknown -> Access.Usable;
        };
    }

    /** How long the current outage lasts, by the database clock; zero when the key is not Unavailable. */
    public Duration outageAge(UUID clusterId) {
        return of(clusterId).map(Status::unavailableFor).orElse(Duration.ZERO);
    }

    public Duration outageGrace() {
        return properties.outageGrace();
    }

    /**
     * The data plane's own unwrap failed for want of the vault (a cold cache): the outage starts now unless the
     * poller already saw it, so that the grace period counts from the first failure any instance saw.
     */
    public void outageSeen(UUID clusterId, String error) {
        repository.outageSeen(clusterId, error);
    }

    /**
     * The data plane's own unwrap was refused by the vault: the key is Revoked at once, for every instance (each reads
     * the recorded state on every request), until a later poll finds it usable again (within one poll period).
     */
    public void refusalSeen(UUID clusterId, String error) {
        repository.refusalSeen(clusterId, error);
    }
}
