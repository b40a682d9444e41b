package io.keyward.app.lockbox;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.arm.Subscriptions;
import io.keyward.app.identity.IdentityProperties;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.identity.Principal;
import io.keyward.app.workspaces.WorkspacePlace;
import io.keyward.app.workspaces.WorkspaceService;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Customer Lockbox: support principals (principals of the Keyward operator's tenant, {@code keyward.identity.default-tenant},
 * as Microsoft's engineers are of Microsoft's) reach a customer's workspace data only through a request that names the
 * principal and the workspace. The operator raises it; in a tenant opted in to Lockbox it waits for the customer, who
 * approves or denies it with a reason (undecided past {@code keyward.lockbox.pending-timeout}: Expired); in a tenant not
 * opted in it is approved at once by the system. An approved request covers its workspace, for queries, for its duration
 * from the approval, then it is Expired. Every request, decision and support access, allowed or refused, is recorded.
 */
@Singleton
public class LockboxService {

    static final String SYSTEM = "system";
    private static final String WORKSPACE_TYPE = "Microsoft.OperationalInsights/workspaces";
    private static final Logger LOG = LoggerFactory.getLogger(LockboxService.class);

    private final LockboxRepository repository;
    private final WorkspaceService workspaces;
    private final IdentityService identities;
    private final Subscriptions subscriptions;
    private final TransactionOperations<?> transactions;
    private final Clock clock;
    private final String supportTenant;
    private final Duration pendingTimeout;

    LockboxService(LockboxRepository repository, WorkspaceService workspaces, IdentityService identities, Subscriptions subscriptions,
                   TransactionOperations<?> transactions, Clock clock, IdentityProperties identity,
                   @Value("${keyward.lockbox.pending-timeout:4d}") Duration pendingTimeout) {
        this.repository = repository;
        this.workspaces = workspaces;
        this.identities = identities;
        this.subscriptions = subscriptions;
        this.transactions = transactions;
        this.clock = clock;
        this.supportTenant = identity.defaultTenant();
        this.pendingTimeout = pendingTimeout;
    }

    // --- the data plane's question

    /**
     * Whether {@code caller}, of another tenant than the workspace's, may {@code query} (true) or ingest (false) the
     * workspace's data: only a support principal, only for a query, only under an approved, unexpired request naming it and
     * the workspace. A support principal's attempt is recorded either way; callers of other tenants are simply not
     * support principals (false, not recorded).
     */
    public boolean supportAccess(UUID customerId, String workspaceResourceId, String workspaceTenantId, Principal caller, boolean query) {
        if (!caller.tenantId().equalsIgnoreCase(supportTenant)) {
            return false;
        }
        return transactions.executeWrite(status -> {
            Instant now = now();
            Optional<LockboxRepository.Request> covering = query
                    ? repository.covering(customerId, caller.tenantId().toLowerCase(java.util.Locale.ROOT), caller.objectId(), now)
                    : Optional.empty();
            String sub = ArmResourceId.parse(workspaceResourceId).map(ArmResourceId::subscriptionId).orElse(null);
            if (covering.isPresent()) {
                repository.record(workspaceTenantId, sub, covering.get().requestId(), "AccessAllowed", caller.tenantId(), caller.objectId(),
                        workspaceResourceId, "query, until " + covering.get().accessUntil(), now);
                return true;
            }
            repository.record(workspaceTenantId, sub, null, "AccessRefused", caller.tenantId(), caller.objectId(), workspaceResourceId,
                    query ? "no approved, unexpired Customer Lockbox request covers the workspace"
                            : "ingestion: Customer Lockbox requests cover queries only", now);
            LOG.info("support principal {} refused {} of workspace {}", caller.objectId(), query ? "a query" : "ingestion",
                    workspaceResourceId);
            return false;
        });
    }

    // --- the operator

    /** The operator raises a request for {@code supportObjectId} (a principal of the support tenant) to query a workspace. */
    LockboxRepository.Request raise(Principal caller, @Nullable String workspaceResourceId, @Nullable String supportObjectId,
                                    @Nullable String justification, @Nullable String supportRequest, @Nullable Integer durationHours) {
        if (!identities.isOperator(caller)) {
            throw new ArmException(ArmErrorCode.AuthorizationFailed, "The client '" + caller.objectId() + "' is not a Keyward operator and"
                    + " cannot raise Customer Lockbox requests.");
        }
        ArmResourceId wsId = ArmResourceId.parse(workspaceResourceId, WORKSPACE_TYPE).orElseThrow(() -> new ArmException(
                ArmErrorCode.InvalidParameter, "workspaceResourceId must be the resource id of a Log Analytics workspace.",
                "workspaceResourceId"));
        if (supportObjectId == null || identities.activePrincipal(supportTenant, supportObjectId).isEmpty()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "supportPrincipalId must be the object id of an enabled principal of the"
                    + " support tenant '" + supportTenant + "'.", "supportPrincipalId");
        }
        if (justification == null || justification.isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'justification' property is required.", "justification");
        }
        int hours = durationHours == null ? 8 : durationHours;
        if (hours < 1 || hours > 24) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "durationHours must be between 1 and 24, not " + hours + ".",
                    "durationHours");
        }
        WorkspacePlace ws = workspaces.place(wsId.subscription(), wsId.group(), wsId.name()).orElseThrow(() -> new ArmException(
                ArmErrorCode.InvalidParameter, "The workspace '" + workspaceResourceId + "' was not found.", "workspaceResourceId"));
        return transactions.executeWrite(status -> {
            Instant now = now();
            boolean optedIn = repository.optedIn(ws.tenantId()).orElse(false);
            LockboxRepository.Request pending = new LockboxRepository.Request(UUID.randomUUID(), ws.tenantId(), wsId.subscriptionId(),
                    ws.resourceId(), ws.customerId(), supportTenant.toLowerCase(java.util.Locale.ROOT), supportObjectId, justification,
                    supportRequest, hours, "Pending", now, now.plus(pendingTimeout), null, null, null, null);
            repository.record(ws.tenantId(), wsId.subscriptionId(), pending.requestId(), "RequestRaised", caller.tenantId(),
                    caller.objectId(), ws.resourceId(), "for support principal " + supportObjectId + ", " + hours + " h: " + justification, now);
            LockboxRepository.Request saved = pending;
            if (!optedIn) {
                // a tenant that has not opted in to Lockbox does not decide: the request is approved at once, and recorded
                saved = pending.decided("Approved", now, SYSTEM, "The tenant has not opted in to Customer Lockbox.",
                        now.plus(Duration.ofHours(hours)));
                repository.record(ws.tenantId(), wsId.subscriptionId(), pending.requestId(), "AutoApproved", supportTenant, SYSTEM,
                        ws.resourceId(), saved.reason(), now);
            }
            return repository.save(saved);
        });
    }

    // --- the customer

    LockboxRepository.Request get(SubscriptionId sub, UUID requestId, Principal caller) {
        return transactions.executeRead(status -> {
            subscriptions.requireOwner(sub, caller, "Microsoft.CustomerLockbox/requests/read", false);
            return repository.find(requestId, sub.value()).filter(r -> r.tenantId().equalsIgnoreCase(caller.tenantId()))
                    .orElseThrow(() -> notFound(requestId));
        });
    }

    List<LockboxRepository.Request> list(SubscriptionId sub, Principal caller) {
        return transactions.executeRead(status -> {
            if (!subscriptions.requireOwner(sub, caller, "Microsoft.CustomerLockbox/requests/read", false)) {
                return List.<LockboxRepository.Request>of();
            }
            return repository.listOf(sub.value()).stream().filter(r -> r.tenantId().equalsIgnoreCase(caller.tenantId())).toList();
        });
    }

    /** Approves or denies a Pending, unexpired request, with a reason; recorded. */
    LockboxRepository.Request decide(SubscriptionId sub, UUID requestId, boolean approve, @Nullable String reason, Principal caller) {
        if (reason == null || reason.isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "A decision needs a reason: the 'reason' property is required.", "reason");
        }
        return transactions.executeWrite(status -> {
            subscriptions.requireOwner(sub, caller, "Microsoft.CustomerLockbox/requests/UpdateApproval/action", false);
            LockboxRepository.Request r = repository.lock(requestId, sub.value()).filter(x -> x.tenantId().equalsIgnoreCase(caller.tenantId()))
                    .orElseThrow(() -> notFound(requestId));
            Instant now = now();
            String current = status(r, now);
            if (!current.equals("Pending")) {
                throw new ArmException(ArmErrorCode.BadRequest, "The Lockbox request '" + requestId + "' is " + current + ": only a Pending"
                        + " request can be approved or denied.", "decision");
            }
            LockboxRepository.Request decided = r.decided(approve ? "Approved" : "Denied", now, caller.objectId(), reason,
                    approve ? now.plus(Duration.ofHours(r.durationHours())) : null);
            repository.update(decided);
            repository.record(r.tenantId(), r.subscriptionId(), requestId, approve ? "Approved" : "Denied", caller.tenantId(),
                    caller.objectId(), r.workspaceResourceId(), reason, now);
            return decided;
        });
    }

    List<LockboxRepository.Event> events(SubscriptionId sub, Principal caller) {
        return transactions.executeRead(status -> {
            if (!subscriptions.requireOwner(sub, caller, "Microsoft.CustomerLockbox/requests/read", false)) {
                return List.<LockboxRepository.Event>of();
            }
            return repository.events(caller.tenantId(), sub.value());
        });
    }

    /** Whether the tenant is opted in to Lockbox; only the tenant's own principals may ask. */
    boolean optedIn(String tenantId, Principal caller) {
        requireOwnTenant(tenantId, caller);
        return transactions.executeRead(status -> repository.optedIn(tenantId).orElse(false));
    }

    /** Opts the caller's tenant in to (or out of) Lockbox; recorded. */
    void setOptedIn(boolean optedIn, Principal caller) {
        transactions.executeWrite(status -> {
            Instant now = now();
            repository.setOptedIn(caller.tenantId(), optedIn, now);
            repository.record(caller.tenantId().toLowerCase(java.util.Locale.ROOT), null, null, optedIn ? "OptedIn" : "OptedOut",
                    caller.tenantId(), caller.objectId(), null, null, now);
            return null;
        });
    }

    private static void requireOwnTenant(String tenantId, Principal caller) {
        if (!caller.tenantId().equalsIgnoreCase(tenantId)) {
            throw new ArmException(ArmErrorCode.AuthorizationFailed, "The client '" + caller.objectId() + "' of tenant '" + caller.tenantId()
                    + "' cannot read the Customer Lockbox setting of tenant '" + tenantId + "'.");
        }
    }

    /** The status the spec shows: a Pending request past its expiry, and an Approved one past its access window, are Expired. */
    static String status(LockboxRepository.Request r, Instant now) {
        return switch (r.status()) {
            case "Pending" -> now.isBefore(r.expiresAt()) ? "Pending" : "Expired";
            case "Approved" -> r.accessUntil() != null && now.isBefore(r.accessUntil()) ? "Approved" : "Expired";
            default -> r.status();
        };
    }

    Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static ArmException notFound(UUID requestId) {
        return new ArmException(ArmErrorCode.ResourceNotFound, "The Lockbox request '" + requestId + "' was not found.");
    }
}
