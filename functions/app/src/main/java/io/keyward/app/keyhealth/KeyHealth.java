package io.keyward.app.keyhealth;

import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** What the key-health poller last recorded of a cluster's key: read by the data plane (and for GET). */
@Singleton
public class KeyHealth {

    /** The key state, the last unwrap that worked and the last error (null after a success). */
    public record Status(KeyState state, @Nullable Instant lastSuccessfulUnwrap, @Nullable String lastError) {
    }

    private final KeyHealthRepository repository;

    KeyHealth(KeyHealthRepository repository) {
        this.repository = repository;
    }

    /** Empty until the poller first saw the cluster. */
    public Optional<Status> of(UUID clusterId) {
        return repository.find(clusterId).map(h -> new Status(h.state(), h.lastSuccessfulUnwrap(), h.lastError()));
    }

    public boolean revoked(UUID clusterId) {
        return of(clusterId).map(s -> s.state() == KeyState.Revoked).orElse(false);
    }
}
