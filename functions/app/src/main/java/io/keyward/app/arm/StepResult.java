package io.keyward.app.arm;

import io.micronaut.core.annotation.Nullable;
import java.time.Duration;

/**
 * What an {@link OperationHandler} step asks for next. Continue, Succeeded and Failed commit the step (the
 * handler's writes with it); RetryLater rolls the handler's writes back and runs the same step again after
 * {@code delay}. A null {@code payloadJson} keeps the payload as it was.
 */
public sealed interface StepResult {

    /** The step is done; the next one runs (right away, while this runner holds the lease). */
    record Continue(@Nullable String payloadJson, @Nullable Integer percentComplete) implements StepResult {
    }

    /** The operation finished successfully. */
    record Succeeded(@Nullable String payloadJson) implements StepResult {
    }

    /** The operation finished with an error the caller sees in the status resource: a code and a message for people. */
    record Failed(ArmErrorCode code, String message) implements StepResult {
    }

    /** Not yet (a dependency still busy): the same step again after {@code delay}; not counted as a failure. */
    record RetryLater(Duration delay, String reason) implements StepResult {
    }

    /**
     * The step's database part: {@code work} runs in the step's transaction and returns the step's result (any but
     * another InTransaction); its writes commit with that result, or roll back with a RetryLater, an exception or a
     * lost lease. Database work only: no vault, HSM or network call in here.
     */
    record InTransaction(Work work) implements StepResult {
    }

    /**
     * What an {@link InTransaction} runs. Repositories it calls join the step's transaction; it never commits or rolls
     * back itself: the runner commits it together with the step's advance only while it still holds the operation's lease.
     */
    @FunctionalInterface
    interface Work {
        StepResult run() throws Exception;
    }
}
