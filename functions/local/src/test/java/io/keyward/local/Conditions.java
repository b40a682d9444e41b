package io.keyward.local;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits on a condition instead of sleeping a fixed time: polls it until it holds, or fails at a generous deadline. */
final class Conditions {

    private Conditions() {
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
}
