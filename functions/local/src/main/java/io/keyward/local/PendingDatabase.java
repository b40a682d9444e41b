package io.keyward.local;

import io.keyward.devenv.LocalDatabase;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The database's start on a thread of its own, while {@link LocalFunctionHost#start} prepares TLS and the socket; a
 * failure of the start is rethrown unchanged where it is awaited, so the host stops with the database's own message.
 */
final class PendingDatabase {
    private final CompletableFuture<LocalDatabase> result = new CompletableFuture<>();
    private volatile long up;

    static PendingDatabase start(Supplier<LocalDatabase> starter) {
        PendingDatabase p = new PendingDatabase();
        Thread t = new Thread(() -> {
            try {
                LocalDatabase db = starter.get();
                p.up = System.nanoTime();
                p.result.complete(db);
            } catch (Throwable e) {
                p.result.completeExceptionally(e);
            }
        }, "keyward-database-start");
        t.setDaemon(true);
        t.start();
        return p;
    }

    /** {@link System#nanoTime} when the database was up (for the start line). */
    long upAt() {
        return up;
    }

    LocalDatabase await() {
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

    /** After another failure: the database once started (to be closed), or null if it did not start. */
    LocalDatabase awaitQuietly() {
        try {
            return result.join();
        } catch (CompletionException | CancellationException e) {
            return null;
        }
    }
}
