package io.keyward.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyward.devenv.LocalDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A step of {@link LocalFunctionHost#start} on a thread of its own: here the database start, beside TLS and the socket. */
class PendingTest {

    private static LocalDatabase database(String url) {
        return new LocalDatabase() {
            @Override public String jdbcUrl() { return url; }
            @Override public String user() { return "postgres"; }
            @Override public String password() { return ""; }
            @Override public String description() { return url; }
            @Override public void close() { }
        };
    }

    @Test
    void startsOnAThreadOfItsOwnAndHandsOverTheDatabase() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread caller = Thread.currentThread();
        Thread[] ranOn = new Thread[1];
        LocalDatabase db = database("jdbc:postgresql://localhost:1/x");
        Pending<LocalDatabase> pending = Pending.start("keyward-database-start", () -> {
            ranOn[0] = Thread.currentThread();
            try {
                assertTrue(release.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return db;
        });
        // the caller is not held up by the start: run on this thread, the starter would wait for this release in vain
        release.countDown();
        assertSame(db, pending.await());
        assertNotEquals(caller, ranOn[0]);
        assertEquals("keyward-database-start", ranOn[0].getName());
        assertTrue(pending.doneAt() != 0);
    }

    @Test
    void aFailedStartIsRethrownUnchangedWhereItIsAwaited() {
        UncheckedIOException failure = new UncheckedIOException("could not start embedded PostgreSQL in x", new IOException());
        Pending<LocalDatabase> pending = Pending.start("keyward-database-start", () -> {
            throw failure;
        });
        assertSame(failure, assertThrows(UncheckedIOException.class, pending::await));
        assertNull(pending.awaitQuietly(), "nothing to close after a failed start");
    }

    @Test
    void afterAnotherFailureTheStartedDatabaseIsStillHandedOverToBeClosed() {
        LocalDatabase db = database("jdbc:postgresql://localhost:2/y");
        Pending<LocalDatabase> pending = Pending.start("keyward-database-start", () -> db);
        assertSame(db, pending.awaitQuietly());
    }
}
