package io.keyward.app.authorization;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.arm.Subscriptions;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one authorization decision of Keyward's management plane and data planes, Azure RBAC's: a principal may perform
 * an action at a scope when one of its role assignments at that scope or above (subscription, resource group, resource,
 * nested resource) names a role whose permissions grant the action (actions minus notActions; data actions minus
 * notDataActions). Nothing is granted by default: a subscription's first claimant gets an ordinary Owner assignment
 * (visible, removable), everyone else, managed identities included, gets what is assigned. A subscription is also
 * held to the tenant that claimed it: principals of another tenant are refused there whatever they hold.
 */
@Singleton
public class Authorization {

    private static final Logger LOG = LoggerFactory.getLogger(Authorization.class);

    private final Subscriptions subscriptions;
    private final RoleAssignmentRepository assignments;
    private final RoleDefinitionRepository definitions;
    private final Clock clock;

    Authorization(Subscriptions subscriptions, RoleAssignmentRepository assignments, RoleDefinitionRepository definitions, Clock clock) {
        this.subscriptions = subscriptions;
        this.assignments = assignments;
        this.definitions = definitions;
        this.clock = clock;
    }

    /**
     * The check every ARM operation makes, in the caller's transaction: throws 403 {@code AuthorizationFailed} (ARM's
     * words) unless {@code caller} may perform {@code action} at {@code scope}. With {@code claim} (a create), an unowned
     * subscription is first registered to the caller's tenant and the caller made its Owner. Returns false, without a
     * check, only for an unowned subscription (nothing is in it: a read finds nothing, a list is empty).
     */
    @Transactional
    public boolean require(Scope scope, Principal caller, String action, boolean claim) {
        SubscriptionId sub = new SubscriptionId(scope.subscriptionId());
        if (claim && subscriptions.claim(sub, caller.tenantId())) {
            grantOwner(sub, caller);
        }
        Optional<String> tenant = subscriptions.tenantOf(sub);
        if (tenant.isEmpty()) {
            return false;
        }
        // Same answer whether or not the resource exists, and for another tenant's subscription: nothing leaks.
        if (!tenant.get().equalsIgnoreCase(caller.tenantId()) || !permits(scope, caller.objectId(), action)) {
            throw denied(caller, action, scope);
        }
        return true;
    }

    /** Whether the principal may perform the management-plane {@code action} at {@code scope} (no tenant check). */
    @Transactional
    public boolean permits(Scope scope, String principalObjectId, String action) {
        return roles(scope, principalObjectId).stream().anyMatch(r -> r.allows(action));
    }

    /**
     * Whether the principal holds one of {@code roles} through an assignment at {@code scope} or above: for decisions Azure
     * makes by role membership rather than by action (a Customer Lockbox approver is an Owner or a Customer Lockbox Approver
     * of the subscription, whatever else Contributor's actions allow).
     */
    @Transactional
    public boolean holds(Scope scope, String principalObjectId, List<RoleDefinition> wanted) {
        return roles(scope, principalObjectId).stream().anyMatch(r -> wanted.stream().anyMatch(w -> w.id().equals(r.id())));
    }

    /** Whether the principal may perform the data-plane {@code dataAction} at {@code scope} (no tenant check). */
    @Transactional
    public boolean permitsData(Scope scope, String principalObjectId, String dataAction) {
        return roles(scope, principalObjectId).stream().anyMatch(r -> r.allowsData(dataAction));
    }

    /**
     * Assigns a built-in role to a resource's identity for {@code caller}, who needs {@code roleAssignments/write} at the
     * scope (the portal's "grant access" steps on a vault in the RBAC permission model); nothing when it is assigned
     * already. In the caller's transaction.
     */
    @Transactional
    public void grantBuiltIn(Scope scope, RoleDefinition role, String principalObjectId, Principal caller) {
        require(scope, caller, "Microsoft.Authorization/roleAssignments/write", false);
        UUID principal = uuid(principalObjectId).orElseThrow(() -> new ArmException(ArmErrorCode.InvalidParameter,
                "The principal ID '" + principalObjectId + "' is not valid."));
        if (assignments.findGrant(scope.toString(), role.id(), principal).isPresent()) {
            return;
        }
        Instant now = clock.instant();
        assignments.insert(UUID.randomUUID(), scope.subscriptionId(), scope.toString(), role.id(), principal, "ServicePrincipal",
                "Granted by a resource's authorize step", now, now, caller.objectId(), caller.objectId());
    }

    /** ARM's 403 for an action the caller may not perform. */
    public static ArmException denied(Principal caller, String action, Scope scope) {
        return new ArmException(ArmErrorCode.AuthorizationFailed, "The client '" + caller.objectId() + "' with object id '"
                + caller.objectId() + "' does not have authorization to perform action '" + action + "' over scope '" + scope
                + "' or the scope is invalid. If access was recently granted, please refresh your credentials.");
    }

    /** The roles of the principal's assignments that apply at {@code scope}. */
    List<RoleDefinition> roles(Scope scope, String principalObjectId) {
        Optional<UUID> principal = uuid(principalObjectId);
        if (principal.isEmpty()) {
            return List.of();
        }
        List<UUID> roleIds = assignments.ofPrincipal(principal.get(), scope.subscriptionId()).stream()
                .filter(a -> Scope.parse(a.scope()).map(s -> s.covers(scope)).orElse(false))
                .map(RoleAssignmentRepository.Row::roleDefinitionId).distinct().toList();
        List<RoleDefinition> roles = new ArrayList<>();
        List<UUID> custom = new ArrayList<>();
        for (UUID id : roleIds) {
            BuiltInRoles.byId(id).ifPresentOrElse(roles::add, () -> custom.add(id));
        }
        if (!custom.isEmpty()) {
            Map<UUID, RoleDefinition> found = definitions.findAll(custom).stream().map(RoleDefinitionRepository.Row::definition)
                    .collect(Collectors.toMap(RoleDefinition::id, Function.identity()));
            roles.addAll(found.values());
        }
        return roles;
    }

    private void grantOwner(SubscriptionId sub, Principal caller) {
        Optional<UUID> principal = uuid(caller.objectId());
        if (principal.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        assignments.insert(UUID.randomUUID(), sub.value(), "/subscriptions/" + sub.value(), BuiltInRoles.OWNER.id(), principal.get(),
                principalType(caller.type()), "Owner as the first to create a resource in the subscription", now, now,
                caller.objectId(), caller.objectId());
        LOG.info("subscription {} claimed; its first claimant {} is its Owner", sub, caller.objectId());
    }

    static String principalType(PrincipalType type) {
        return type == PrincipalType.USER ? "User" : "ServicePrincipal";
    }

    static Optional<UUID> uuid(String value) {
        try {
            return Optional.of(UUID.fromString(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
