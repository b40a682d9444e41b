package io.keyward.app.arm;

import io.keyward.app.identity.Principal;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;

/**
 * ARM tenant isolation, shared by every resource provider: a subscription belongs to the tenant that first created
 * something in it, and callers of any other tenant are refused everything in it. Runs in the caller's transaction.
 */
@Singleton
public class Subscriptions {

    private final SubscriptionRepository repository;

    Subscriptions(SubscriptionRepository repository) {
        this.repository = repository;
    }

    /**
     * Throws 403 {@code AuthorizationFailed} for {@code action} when another tenant owns {@code sub}; with {@code claim},
     * an unowned subscription is registered to the caller's tenant. Returns whether the caller's tenant owns it (false
     * only for an unowned subscription without {@code claim}, where a read finds nothing and a list is empty).
     */
    @Transactional
    public boolean requireOwner(SubscriptionId sub, Principal caller, String action, boolean claim) {
        if (claim) {
            repository.claim(sub.value(), caller.tenantId());
        }
        Optional<String> owner = repository.tenantOf(sub.value());
        if (owner.isEmpty()) {
            return false;
        }
        if (!owner.get().equalsIgnoreCase(caller.tenantId())) {
            // Same answer whether or not the resource exists: nothing about another tenant's subscription leaks.
            throw new ArmException(ArmErrorCode.AuthorizationFailed, "The client with object id '" + caller.objectId()
                    + "' does not have authorization to perform action '" + action + "' over scope '/subscriptions/" + sub
                    + "' or the scope is invalid.");
        }
        return true;
    }

    /** The subscriptions {@code caller}'s tenant owns, in id order: what ARM's Subscriptions_List shows it. */
    @Transactional
    public List<SubscriptionId> ownedBy(Principal caller) {
        return repository.ofTenant(caller.tenantId()).stream().map(SubscriptionId::new).toList();
    }

    /** Whether {@code caller}'s tenant owns {@code sub}. */
    @Transactional
    public boolean owns(SubscriptionId sub, Principal caller) {
        return repository.tenantOf(sub.value()).filter(t -> t.equalsIgnoreCase(caller.tenantId())).isPresent();
    }

    /**
     * Registers {@code sub} to {@code tenantId} unless a tenant owns it already; returns the owner afterwards. For
     * subscriptions given in configuration ({@link SubscriptionClaims}).
     */
    @Transactional
    public String claim(SubscriptionId sub, String tenantId) {
        repository.claim(sub.value(), tenantId);
        return repository.tenantOf(sub.value()).orElse(tenantId);
    }
}
