package io.keyward.app.arm;

/**
 * Runs the steps of one kind of async operation. Implementations are {@code @Singleton} beans, one per kind.
 *
 * <p>{@link #run} does one step and says what comes next. Its database writes go through
 * {@link StepContext#connection()}: they commit together with the step's advance, or not at all (lost lease,
 * exception, {@link StepResult.RetryLater}). A step may still run more than once (a crash after a side effect but
 * before the commit), so effects outside the database (HSM, vault calls) must be idempotent.
 */
public interface OperationHandler {

    /** The kind this handler runs, e.g. {@code clusters.updateKey}; stored with each operation. */
    String kind();

    /**
     * One step of {@code op}, whose {@link AsyncOperation#step()} says how many steps have committed. An exception
     * is retried with backoff a bounded number of times, then ends the operation Failed; its text is never shown
     * to the caller.
     */
    StepResult run(AsyncOperation op, StepContext ctx) throws Exception;

    /**
     * Called when the runner itself ends {@code op} Failed because its current step kept throwing, in the transaction
     * that ends it: the place to mark the handler's resource failed, since no step of the handler will run again.
     * If this throws too, the operation still ends Failed, without these writes.
     */
    default void abandoned(AsyncOperation op, StepContext ctx) throws Exception {
    }
}
