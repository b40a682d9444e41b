package io.keyward.app.arm;

import io.keyward.app.identity.Principal;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;

/**
 * Which tenant owns each subscription: the tenant of whoever first created something in it. Who may do what inside it
 * is {@code authorization}'s business (role assignments); this only keeps the tenant, so that no principal of another
 * tenant is ever considered. Runs in the caller's transaction.
 */
@Singleton
public class Subscriptions {

    private final SubscriptionRepository repository;
    private final SubscriptionClaims offered;

    Subscriptions(SubscriptionRepository repository, SubscriptionClaims offered) {
        this.repository = repository;
        this.offered = offered;
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

    /**
     * What ARM's Subscriptions_List shows {@code caller}: the subscriptions its tenant owns, then those offered to its
     * tenant in configuration that nobody has claimed yet ({@link SubscriptionClaims}), in id order.
     */
    @Transactional
    public List<SubscriptionId> ownedBy(Principal caller) {
        java.util.TreeSet<String> ids = new java.util.TreeSet<>(repository.ofTenant(caller.tenantId()));
        for (SubscriptionId sub : offered.offeredTo(caller.tenantId())) {
            if (repository.tenantOf(sub.value()).isEmpty()) {
                ids.add(sub.value().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return ids.stream().map(SubscriptionId::new).toList();
    }

    /** Whether {@code caller}'s tenant owns {@code sub}, or it is offered to that tenant and unclaimed. */
    @Transactional
    public boolean owns(SubscriptionId sub, Principal caller) {
        Optional<String> tenant = repository.tenantOf(sub.value());
        return tenant.isPresent() ? tenant.get().equalsIgnoreCase(caller.tenantId())
                : offered.offeredTo(caller.tenantId()).stream().anyMatch(o -> o.value().equalsIgnoreCase(sub.value()));
    }
}
