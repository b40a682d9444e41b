package io.keyward.local;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * One step of {@link LocalFunctionHost#start} run on a thread of its own (the database's start, the TLS material,
 * the scan of the function classes) while the others go on; a failure of the step is rethrown unchanged where it is
 * awaited, so the host stops with the step's own message.
 */
final class Pending<T> {
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private volatile long done;

    static <T> Pending<T> start(String threadName, Supplier<T> step) {
        Pending<T> p = new Pending<>();
        Thread t = new Thread(() -> {
            try {
                T value = step.get();
                p.done = System.nanoTime();
                p.result.complete(value);
            } catch (Throwable e) {
                p.result.completeExceptionally(e);
            }
        }, threadName);
        t.setDaemon(true);
        t.start();
        return p;
    }

    /** {@link System#nanoTime} when the step was done (for the start line). */
    long doneAt() {
        return done;
    }

    T await() {
        try {
            return result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error r) {
                throw r;
            }
            throw e;
        }
    }

    /** After another failure: what the step made (to be closed), or null if it failed. */
    T awaitQuietly() {
        try {
            return result.join();
        } catch (CompletionException | CancellationException e) {
            return null;
        }
    }
}
