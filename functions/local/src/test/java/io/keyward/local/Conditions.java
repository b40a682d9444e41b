package io.keyward.local;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** Waits on a condition instead of sleeping a fixed time: polls it until it holds, or fails at a generous deadline. */
final class Conditions {

    private Conditions() {
    }

    /** One look at what is awaited (a request, a query); it may fail the test itself. */
    @FunctionalInterface
    interface Attempt<T> {
        T look() throws Exception;
    }

    static void await(Duration atMost, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + atMost + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    /**
     * Looks with {@code attempt} every {@code every} until what it sees is {@code done}, and returns that; fails at
     * {@code atMost} naming {@code what} and the last thing seen. For waits whose look costs a request or a timer run.
     */
    static <T> T until(Duration atMost, Duration every, Attempt<T> attempt, Predicate<T> done, String what) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (true) {
            T seen = attempt.look();
            if (done.test(seen)) {
                return seen;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + atMost + ": " + what + " (last seen: " + seen + ")");
            }
            Thread.sleep(every.toMillis());
        }
    }
}
