package io.keyward.app.arm;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code keyward.operations.*}: how async operations are run.
 *
 * @param lease        how long a runner owns an operation without committing a step; must exceed the longest step,
 *                     and is what a crashed instance delays its operations by
 * @param maxAttempts  attempts of one step that end in an exception before the operation ends Failed
 * @param retryBase    backoff after the first failed attempt, doubled per further attempt
 * @param retryMax     the longest backoff
 * @param runBudget    how long one {@code Operations_Run} timer invocation keeps claiming operations
 * @param retryAfter   the {@code Retry-After} ARM clients are told to wait between polls
 * @param kickThreads  background threads that run kicked operations; kicks beyond the queue are dropped (the timer
 *                     picks those operations up)
 * @param testHandlers registers the scripted test-only handler kind ({@link ScriptedOperationHandler}); tests only
 */
@ConfigurationProperties("keyward.operations")
record OperationsProperties(
        @Bindable(defaultValue = "60s") Duration lease,
        @Bindable(defaultValue = "5") int maxAttempts,
        @Bindable(defaultValue = "2s") Duration retryBase,
        @Bindable(defaultValue = "5m") Duration retryMax,
        @Bindable(defaultValue = "25s") Duration runBudget,
        @Bindable(defaultValue = "2s") Duration retryAfter,
        @Bindable(defaultValue = "2") int kickThreads,
        @Bindable(defaultValue = "false") boolean testHandlers) {

    /** Backoff before attempt {@code failedAttempts + 1}: retryBase * 2^(failedAttempts - 1), at most retryMax. */
    Duration backoff(int failedAttempts) {
        int shift = Math.min(Math.max(failedAttempts - 1, 0), 20);
        Duration d = retryBase.multipliedBy(1L << shift);
        return d.compareTo(retryMax) > 0 ? retryMax : d;
    }
}
