package io.keyward.app.arm;

/**
 * Runs the steps of one kind of async operation. Implementations are {@code @Singleton} beans, one per kind.
 *
 * <p>{@link #run} does one step and says what comes next. It runs with no database transaction open, so that a step
 * may call a vault or the HSM (which must never happen inside a transaction): it reads what it needs (each read its
 * own short transaction), does its outside work, and returns the result. Writes that must commit together with the
 * step's advance go into a {@link StepResult.InTransaction}: the runner runs it in the step's transaction and commits
 * it, with the advance, only while it still holds the operation's lease. A step may still run more than once (a crash
 * after a side effect but before the commit), so effects outside the database must be idempotent, and the
 * transactional part re-reads (and locks) what it changes.
 */
public interface OperationHandler {

    /** The kind this handler runs, e.g. {@code cmk.updateKey}; stored with each operation. */
    String kind();

    /**
     * One step of {@code op}, whose {@link AsyncOperation#step()} says how many steps have committed. An exception
     * (here or in the transactional part) is retried with backoff a bounded number of times, then ends the operation
     * Failed; its text is never shown to the caller.
     */
    StepResult run(AsyncOperation op) throws Exception;

    /**
     * Called when the runner itself ends {@code op} Failed because its current step kept throwing, in the transaction
     * that ends it (repositories called here join it): the place to put the handler's resource back into a state that accepts the next request, since no
     * step of the handler will run again. If this throws too, the operation still ends Failed, without these writes.
     */
    default void abandoned(AsyncOperation op) throws Exception {
    }
}
