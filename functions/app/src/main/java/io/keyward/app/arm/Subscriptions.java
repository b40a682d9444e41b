package io.keyward.app.arm;

import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * Which tenant owns each subscription: the tenant of whoever first created something in it. Who may do what inside it
 * is {@code authorization}'s business (role assignments); this only keeps the tenant, so that no principal of another
 * tenant is ever considered. Runs in the caller's transaction.
 */
@Singleton
public class Subscriptions {

    private final SubscriptionRepository repository;

    Subscriptions(SubscriptionRepository repository) {
        this.repository = repository;
    }

    /** Registers an unowned subscription to {@code tenantId}; true when this call did (the caller is its first claimant). */
    @Transactional
    public boolean claim(SubscriptionId sub, String tenantId) {
        return repository.claim(sub.value(), tenantId) > 0;
    }

    /** The owning tenant; empty for a subscription nobody has claimed. */
    @Transactional
    public Optional<String> tenantOf(SubscriptionId sub) {
        return repository.tenantOf(sub.value());
    }
}
