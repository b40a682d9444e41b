package io.keyward.hsm.internal;

import io.keyward.hsm.HsmException;
import io.keyward.hsm.HsmFailure;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A bounded pool of PKCS#11 sessions. A permit is taken for every borrowed session, so at most {@code max}
 * sessions are ever open; a caller that cannot get a permit within the timeout fails with
 * {@link HsmFailure#BUSY} rather than queueing without bound. Sessions are opened lazily.
 */
public final class SessionPool {
    /** Opens and logs in a new session in the current module generation. */
    public interface Opener {
        PooledSession open();
    }

    private final int max;
    private final Semaphore permits;
    private final ConcurrentLinkedDeque<PooledSession> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger open = new AtomicInteger();
    private final Opener opener;
    private final LongSupplier generation;
    private final String tokenName;

    public SessionPool(int max, Opener opener, LongSupplier generation, String tokenName) {
        this.max = max;
        this.permits = new Semaphore(max, true);
        this.opener = opener;
        this.generation = generation;
        this.tokenName = tokenName;
    }

    public PooledSession borrow(Duration timeout) {
        try {
            if (!permits.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new HsmException(HsmFailure.BUSY, "all " + max + " sessions of HSM token " + tokenName
                        + " stayed busy for " + timeout.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HsmException(HsmFailure.BUSY, "interrupted while waiting for an HSM session");
        }
        try {
            long current = generation.getAsLong();
            PooledSession s;
            while ((s = idle.pollFirst()) != null) {
                if (s.generation() == current) {
                    return s;
                }
                closeQuietly(s);
            }
            PooledSession fresh = opener.open();
            open.incrementAndGet();
            return fresh;
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
    }

    public void release(PooledSession s) {
        if (s.generation() == generation.getAsLong()) {
            idle.addFirst(s);
        } else {
            closeQuietly(s);
        }
        permits.release();
    }

    /** Closes a session that failed; its permit goes back so that a new session can take its place. */
    public void discard(PooledSession s) {
        closeQuietly(s);
        permits.release();
    }

    /** Closes every idle session (borrowed ones are closed when they come back from an older generation). */
    public void drainIdle() {
        PooledSession s;
        while ((s = idle.pollFirst()) != null) {
            closeQuietly(s);
        }
    }

    public int openSessions() {
        return open.get();
    }

    public int borrowedSessions() {
        return max - permits.availablePermits();
    }

    public int max() {
        return max;
    }

    private void closeQuietly(PooledSession s) {
        open.decrementAndGet();
        try {
            s.session().closeSession();
        } catch (Exception ignored) {
            // The session is already gone (module re-initialised or device lost); nothing to release.
        }
    }
}
