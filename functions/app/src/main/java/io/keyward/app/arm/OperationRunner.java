package io.keyward.app.arm;

import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Value;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs async operations: claims due ones with a lease and runs their steps, one transaction per step. A step's
 * transaction holds the handler's writes, the guarded advance (same step, same lease owner, lease unexpired) and the
 * {@code async_operation_steps} row; when the guard matches no row the lease was lost (it expired and another runner
 * took the operation) and everything rolls back. Run by the {@code Operations_Run} timer on every instance and by
 * {@link AsyncOperations#kick}.
 */
@Singleton
public class OperationRunner {

    /** What became of an operation this runner held. */
    enum Outcome { ENDED, POSTPONED, LEASE_LOST, YIELDED }

    private static final Logger LOG = LoggerFactory.getLogger(OperationRunner.class);
    /** A runner gives an operation back after this many steps in one claim, so one long operation cannot starve others. */
    private static final int MAX_STEPS_PER_CLAIM = 100;

    private final AsyncOperationRepository repository;
    private final TransactionOperations<?> transactions;
    private final OperationsProperties properties;
    private final BeanProvider<OperationHandler> handlerBeans;
    private volatile Map<String, OperationHandler> handlers;
    private final String instanceId;

    /**
     * Handlers are looked up on first use, not injected: they start operations themselves (through
     * {@link AsyncOperations}, which uses this runner), and constructor injection would make that a cycle.
     */
    OperationRunner(AsyncOperationRepository repository, TransactionOperations<?> transactions, OperationsProperties properties,
                    BeanProvider<OperationHandler> handlerBeans, @Value("${keyward.instance-id:}") String configuredId) {
        this.repository = repository;
        this.transactions = transactions;
        this.properties = properties;
        this.handlerBeans = handlerBeans;
        this.instanceId = instanceId(configuredId);
    }

    private Map<String, OperationHandler> handlers() {
        Map<String, OperationHandler> h = handlers;
        if (h == null) {
            Map<String, OperationHandler> byKind = new HashMap<>();
            handlerBeans.stream().forEach(handler -> {
                OperationHandler previous = byKind.put(handler.kind(), handler);
                if (previous != null) {
                    throw new IllegalStateException("two handlers for operation kind " + handler.kind() + ": "
                            + previous.getClass().getName() + " and " + handler.getClass().getName());
                }
            });
            handlers = h = Map.copyOf(byKind);
        }
        return h;
    }

    /**
     * The timer's work: claims and runs due operations, one at a time, until none is due or the run budget is spent.
     * One at a time on purpose: a runner that claimed a batch would hold leases on operations it has not started.
     * Returns how many operations it claimed.
     */
    public int runDue() {
        long deadline = System.nanoTime() + properties.runBudget().toNanos();
        int claimed = 0;
        while (System.nanoTime() < deadline) {
            Optional<Lease> next = claim(null);
            if (next.isEmpty()) {
                break;
            }
            claimed++;
            drive(next.get(), deadline);
        }
        return claimed;
    }

    /** Claims {@code id} if it is due and free, and runs it. Empty when someone else holds it or it is not due. */
    Optional<Outcome> runNow(UUID id) {
        long deadline = System.nanoTime() + properties.runBudget().toNanos();
        return claim(id).map(c -> drive(c, deadline));
    }

    String instanceId() {
        return instanceId;
    }

    /** A claimed operation and the lease owner that claimed it. */
    private record Lease(AsyncOperation op, int attempts, String owner) {
    }

    private Optional<Lease> claim(UUID only) {
        // The claim id makes two claims by one instance (timer and kick threads) different owners.
        String owner = instanceId + "#" + UUID.randomUUID();
        try {
            return repository.claim(only, owner, properties.lease()).map(c -> new Lease(c.op(), c.attempts(), owner));
        } catch (RuntimeException e) {
            LOG.warn("could not claim async operations", e);
            return Optional.empty();
        }
    }

    private Outcome drive(Lease lease, long deadline) {
        String owner = lease.owner();
        AsyncOperation op = lease.op();
        int attempts = lease.attempts();
        for (int i = 0; i < MAX_STEPS_PER_CLAIM; i++) {
            StepDone done = step(op, attempts, owner);
            if (done.outcome() != null) {
                return done.outcome();
            }
            op = done.next();
            attempts = 0;
            if (System.nanoTime() >= deadline) {
                break;
            }
        }
        // Continue later, by whoever claims it first: give the lease back rather than let it run out.
        return postpone(op, owner, Duration.ZERO, false) ? Outcome.YIELDED : Outcome.LEASE_LOST;
    }

    /** Either {@code outcome} (the runner is done with the operation) or the operation after a committed Continue. */
    private record StepDone(Outcome outcome, AsyncOperation next) {
    }

    /**
     * One step: the handler runs with no transaction open (it may call vaults and the HSM); then one transaction holds
     * its database part ({@link StepResult.InTransaction}), the guarded advance and the step record. A lost lease, a
     * RetryLater or a failure rolls all of that back.
     */
    private StepDone step(AsyncOperation op, int attempts, String owner) {
        OperationHandler handler = handlers().get(op.kind());
        if (handler == null) {
            // A row written by a newer or misconfigured deployment: end it visibly instead of retrying forever.
            LOG.error("async operation {} has kind '{}', which no handler runs; it ends Failed", op.id(), op.kind());
            return inStepTransaction(op, owner, () -> end(op, owner, OperationStatus.Failed, null, ArmErrorCode.InternalServerError,
                    "The operation could not be run: this service does not know how to run operations of kind '" + op.kind() + "'."));
        }
        StepResult result;
        try {
            result = Objects.requireNonNull(handler.run(op), "handler " + handler.getClass().getName() + " returned no StepResult");
        } catch (Exception e) {
            return failedAttempt(handler, op, attempts, owner, e);
        }
        try {
            return inStepTransaction(op, owner, () -> {
                StepResult r = result;
                if (r instanceof StepResult.InTransaction t) {
                    try {
                        r = Objects.requireNonNull(t.work().run(), "handler " + handler.getClass().getName() + " returned no StepResult");
                    } catch (Exception e) {
                        throw new HandlerFailed(e);
                    }
                    if (r instanceof StepResult.InTransaction) {
                        throw new HandlerFailed(new IllegalStateException("a step's transactional part returned another one"));
                    }
                }
                return apply(op, owner, r);
            });
        } catch (HandlerFailed e) {
            return failedAttempt(handler, op, attempts, owner, e.getCause());
        }
    }

    /** What the step's result asks for, in the step's transaction; throws {@link Rollback} to undo the step's writes. */
    private StepDone apply(AsyncOperation op, String owner, StepResult result) {
        if (result instanceof StepResult.Continue cont) {
            if (!repository.advance(op, owner, properties.lease(), cont.payloadJson(), cont.percentComplete())) {
                throw new Rollback(Outcome.LEASE_LOST);
            }
            repository.recordStep(op, "Continue", owner);
            return new StepDone(null, new AsyncOperation(op.id(), op.provider(), op.location(), op.subscriptionId(),
                    op.tenantId(), op.resourceId(), op.kind(), op.status(), op.step() + 1,
                    cont.payloadJson() == null ? op.payloadJson() : cont.payloadJson(), op.startTime(), null,
                    cont.percentComplete() == null ? op.percentComplete() : cont.percentComplete(), null));
        }
        if (result instanceof StepResult.Succeeded ok) {
            return end(op, owner, OperationStatus.Succeeded, ok.payloadJson(), null, null);
        }
        if (result instanceof StepResult.Failed failed) {
            return end(op, owner, OperationStatus.Failed, null, failed.code() == null ? ArmErrorCode.InternalServerError : failed.code(),
                    failed.message());
        }
        StepResult.RetryLater later = (StepResult.RetryLater) result;
        // The step did not happen: its writes go, and it runs again from the same point.
        throw new Rollback(Outcome.POSTPONED, nonNegative(later.delay()), later.reason());
    }

    /**
     * Runs {@code work} in a transaction of its own (never inside another); a {@link Rollback} undoes it and, for a
     * RetryLater, postpones the step in a second transaction.
     */
    private StepDone inStepTransaction(AsyncOperation op, String owner, Supplier<StepDone> work) {
        try {
            return transactions.executeWrite(status -> work.get());
        } catch (Rollback r) {
            if (r.outcome == Outcome.LEASE_LOST) {
                LOG.info("async operation {} step {}: lease {} lost before commit; the step's writes are rolled back", op.id(), op.step(),
                        owner);
                return new StepDone(Outcome.LEASE_LOST, null);
            }
            boolean held = postpone(op, owner, r.delay, false);
            LOG.debug("async operation {} step {} retries later: {}", op.id(), op.step(), r.reason);
            return new StepDone(held ? Outcome.POSTPONED : Outcome.LEASE_LOST, null);
        } catch (HandlerFailed e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("async operation {} step {}: the step's transaction failed; it runs again after the lease", op.id(), op.step(), e);
            return new StepDone(Outcome.LEASE_LOST, null);
        }
    }

    private boolean postpone(AsyncOperation op, String owner, Duration delay, boolean failed) {
        try {
            return repository.postpone(op, owner, delay, failed);
        } catch (RuntimeException e) {
            LOG.warn("async operation {}: could not postpone step {}; it runs again after the lease", op.id(), op.step(), e);
            return false;
        }
    }

    private StepDone end(AsyncOperation op, String owner, OperationStatus status, String payload, ArmErrorCode code,
                         String errorMessage) {
        if (!repository.finish(op, owner, status, payload, code == null ? null : code.name(), errorMessage)) {
            throw new Rollback(Outcome.LEASE_LOST);
        }
        repository.recordStep(op, status.name(), owner);
        LOG.info("async operation {} ({}) on {} ended {}", op.id(), op.kind(), op.resourceId(), status);
        return new StepDone(Outcome.ENDED, null);
    }

    /**
     * The handler threw: retried with exponential backoff up to {@code maxAttempts}, then the operation ends Failed
     * with a generic error, and the handler's {@link OperationHandler#abandoned} puts its resource back in the same
     * transaction. The exception's text stays in the log: it can name internals or quote secrets.
     */
    private StepDone failedAttempt(OperationHandler handler, AsyncOperation op, int attempts, String owner, Throwable e) {
        int failed = attempts + 1;
        if (failed >= properties.maxAttempts()) {
            LOG.error("async operation {} ({}) step {} failed {} times; it ends Failed", op.id(), op.kind(), op.step(), failed, e);
            String message = "The operation failed due to an internal error after " + failed + " attempts. Retry the request; if it"
                    + " keeps failing, contact support with the operation id " + op.id() + ".";
            try {
                return inStepTransaction(op, owner, () -> {
                    try {
                        handler.abandoned(op);
                    } catch (Exception again) {
                        throw new HandlerFailed(again);
                    }
                    return end(op, owner, OperationStatus.Failed, null, ArmErrorCode.InternalServerError, message);
                });
            } catch (HandlerFailed again) {
                LOG.error("async operation {} ({}): the handler could not record its failure", op.id(), op.kind(), again.getCause());
                return inStepTransaction(op, owner, () -> end(op, owner, OperationStatus.Failed, null, ArmErrorCode.InternalServerError,
                        message));
            }
        }
        Duration backoff = properties.backoff(failed);
        LOG.warn("async operation {} ({}) step {} failed (attempt {} of {}); retrying in {}", op.id(), op.kind(), op.step(), failed,
                properties.maxAttempts(), backoff, e);
        return new StepDone(postpone(op, owner, backoff, true) ? Outcome.POSTPONED : Outcome.LEASE_LOST, null);
    }

    /** Undoes the step's transaction; says what became of the operation. */
    private static final class Rollback extends RuntimeException {
        final Outcome outcome;
        final Duration delay;
        final String reason;

        Rollback(Outcome outcome) {
            this(outcome, Duration.ZERO, null);
        }

        Rollback(Outcome outcome, Duration delay, String reason) {
            super(null, null, false, false);
            this.outcome = outcome;
            this.delay = delay;
            this.reason = reason;
        }
    }

    /** The handler's transactional part threw: counted as a failed attempt once its transaction rolled back. */
    private static final class HandlerFailed extends RuntimeException {
        HandlerFailed(Throwable cause) {
            super(null, cause, false, false);
        }
    }

    private static Duration nonNegative(Duration d) {
        return d == null || d.isNegative() ? Duration.ZERO : d;
    }

    /** As the heartbeat names instances: WEBSITE_INSTANCE_ID on Azure, else pid@host. */
    private static String instanceId(String configured) {
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        String azure = System.getenv("WEBSITE_INSTANCE_ID");
        if (azure != null && !azure.isBlank()) {
            return azure;
        }
        return ManagementFactory.getRuntimeMXBean().getName();
    }
}
