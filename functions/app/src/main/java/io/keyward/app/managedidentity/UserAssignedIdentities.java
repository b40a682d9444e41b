package io.keyward.app.managedidentity;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.authorization.Authorization;
import io.keyward.app.authorization.Scope;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * User-assigned managed identities: created, read, listed and deleted as ARM resources (each operation checks its
 * {@code Microsoft.ManagedIdentity/userAssignedIdentities/*} action), and assigned to keyed resources, which needs
 * {@code userAssignedIdentities/assign/action} on the identity, as in Azure (Managed Identity Operator, Contributor,
 * Owner). Deleting an identity deletes its principal: a resource that reached its key as it is refused by the vault
 * from then on, which key health records as a revocation.
 */
@Singleton
public class UserAssignedIdentities {

    static final String READ = "Microsoft.ManagedIdentity/userAssignedIdentities/read";
    static final String WRITE = "Microsoft.ManagedIdentity/userAssignedIdentities/write";
    static final String DELETE = "Microsoft.ManagedIdentity/userAssignedIdentities/delete";
    static final String ASSIGN = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action";
    /** The spec's resourceName pattern. */
    private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$");
    private static final Logger LOG = LoggerFactory.getLogger(UserAssignedIdentities.class);

    private final UserIdentityRepository repository;
    private final IdentityService identities;
    private final Authorization authorization;
    private final TransactionOperations<?> transactions;
    private final Clock clock;

    UserAssignedIdentities(UserIdentityRepository repository, IdentityService identities, Authorization authorization,
                           TransactionOperations<?> transactions, Clock clock) {
        this.repository = repository;
        this.identities = identities;
        this.authorization = authorization;
        this.transactions = transactions;
        this.clock = clock;
    }

    record Saved(UserAssignedIdentity identity, boolean created) {
    }

    /** PUT: creates the identity (a new principal, a new client id) or replaces its tags; the location never changes. */
    Saved createOrUpdate(SubscriptionId sub, ResourceGroupName group, String name, @Nullable String location,
                         @Nullable Map<String, String> tags, Principal caller) {
        requireName(name);
        if (location == null || location.isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'location' property is required.", "location");
        }
        return transactions.executeWrite(status -> {
            authorization.require(Scope.of(ArmResourceId.of(sub, group, UserAssignedIdentity.TYPE, name)), caller, WRITE, true);
            Instant now = now();
            return repository.lock(sub.value(), group.value(), name).map(row -> {
                if (!normal(row.location()).equals(normal(location))) {
                    throw new ArmException(ArmErrorCode.InvalidParameter, "The location of identity '" + row.name() + "' is '" + row.location()
                            + "' and cannot be changed to '" + location + "'.", "location");
                }
                UserIdentityRepository.Row next = new UserIdentityRepository.Row(row.principalId(), row.clientId(), row.tenantId(),
                        row.subscriptionId(), row.resourceGroup(), row.name(), row.location(), tags == null ? Map.of() : tags, row.createdAt(), now);
                return new Saved(UserAssignedIdentity.of(repository.update(next)), false);
            }).orElseGet(() -> {
                Principal p = identities.createPrincipal(caller.tenantId(), PrincipalType.MANAGED_IDENTITY, name);
                UserIdentityRepository.Row row = repository.save(new UserIdentityRepository.Row(UUID.fromString(p.objectId()),
                        UUID.randomUUID(), caller.tenantId().toLowerCase(Locale.ROOT), sub.value(), group.value(), name, location,
                        tags == null ? Map.of() : tags, now, now));
                LOG.info("user-assigned identity {} created with principal {}", UserAssignedIdentity.of(row).id(), row.principalId());
                return new Saved(UserAssignedIdentity.of(row), true);
            });
        });
    }

    /** PATCH: tags only (the spec's IdentityUpdate has nothing else a caller may set). */
    UserAssignedIdentity update(SubscriptionId sub, ResourceGroupName group, String name, @Nullable Map<String, String> tags, Principal caller) {
        return transactions.executeWrite(status -> {
            authorization.require(Scope.of(ArmResourceId.of(sub, group, UserAssignedIdentity.TYPE, name)), caller, WRITE, false);
            UserIdentityRepository.Row row = repository.lock(sub.value(), group.value(), name).orElseThrow(() -> notFound(group, name));
            if (tags == null) {
                return UserAssignedIdentity.of(row);
            }
            return UserAssignedIdentity.of(repository.update(new UserIdentityRepository.Row(row.principalId(), row.clientId(), row.tenantId(),
                    row.subscriptionId(), row.resourceGroup(), row.name(), row.location(), tags, row.createdAt(), now())));
        });
    }

    UserAssignedIdentity get(SubscriptionId sub, ResourceGroupName group, String name, Principal caller) {
        return transactions.executeRead(status -> {
            if (!authorization.require(Scope.of(ArmResourceId.of(sub, group, UserAssignedIdentity.TYPE, name)), caller, READ, false)) {
                throw notFound(group, name);
            }
            return repository.find(sub.value(), group.value(), name).map(UserAssignedIdentity::of).orElseThrow(() -> notFound(group, name));
        });
    }

    List<UserAssignedIdentity> list(SubscriptionId sub, @Nullable ResourceGroupName group, Principal caller) {
        return transactions.executeRead(status -> {
            if (!authorization.require(Scope.group(sub, group), caller, READ, false)) {
                return List.<UserAssignedIdentity>of();
            }
            return repository.list(sub.value(), group == null ? null : group.value()).stream().map(UserAssignedIdentity::of).toList();
        });
    }

    /**
     * Deletes the identity and its principal; false when there was none. Resources it is assigned to keep naming it (as
     * in Azure), but the vault no longer knows the principal: their keys become inaccessible.
     */
    boolean delete(SubscriptionId sub, ResourceGroupName group, String name, Principal caller) {
        return transactions.executeWrite(status -> {
            if (!authorization.require(Scope.of(ArmResourceId.of(sub, group, UserAssignedIdentity.TYPE, name)), caller, DELETE, false)) {
                return false;
            }
            return repository.lock(sub.value(), group.value(), name).map(row -> {
                repository.delete(row.principalId());
                identities.deletePrincipal(row.tenantId(), row.principalId().toString());
                LOG.info("user-assigned identity {} deleted with its principal {}", UserAssignedIdentity.of(row).id(), row.principalId());
                return true;
            }).orElse(false);
        });
    }

    /**
     * The identity {@code resourceId} names, for assigning it to a resource: it must exist, and {@code caller} needs
     * {@code assign/action} on it. In the caller's transaction, or in one of its own.
     */
    public UserAssignedIdentity assignable(String resourceId, Principal caller, String target) {
        ArmResourceId id = ArmResourceId.parse(resourceId, UserAssignedIdentity.TYPE).orElseThrow(() -> new ArmException(
                ArmErrorCode.InvalidParameter, "'" + resourceId + "' is not the resource id of a user-assigned identity"
                + " (/subscriptions/{s}/resourceGroups/{g}/providers/" + UserAssignedIdentity.TYPE + "/{name}).", target));
        return transactions.executeRead(status -> {
            authorization.require(Scope.of(id), caller, ASSIGN, false);
            return repository.find(id.subscriptionId(), id.resourceGroup(), id.name()).map(UserAssignedIdentity::of)
                    .filter(u -> u.tenantId().equalsIgnoreCase(caller.tenantId()))
                    .orElseThrow(() -> new ArmException(ArmErrorCode.InvalidParameter, "The user-assigned identity '" + resourceId
                            + "' was not found.", target));
        });
    }

    private static void requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The identity name '" + name + "' is invalid: use 3 to 128 letters, digits,"
                    + " '-' or '_', starting with a letter or digit.", "resourceName");
        }
    }

    private static ArmException notFound(ResourceGroupName group, String name) {
        return new ArmException(ArmErrorCode.ResourceNotFound, "The Resource '" + UserAssignedIdentity.TYPE + "/" + name
                + "' under resource group '" + group.value() + "' was not found.");
    }

    private static String normal(String location) {
        return location.replace(" ", "").toLowerCase(Locale.ROOT);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
