package io.keyward.bench;

import io.keyward.app.dataplane.BlockCipher;
import io.keyward.app.dataplane.EnvelopeBlockCipher;
import io.keyward.hsm.envelope.BlockClaims;
import io.keyward.hsm.envelope.BlockRef;
import io.keyward.hsm.envelope.Envelope;
import io.keyward.hsm.envelope.IntegrityException;
import io.micronaut.context.annotation.Replaces;
import jakarta.inject.Singleton;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The data plane's block cipher with a switch, for the benchmarks only (this module is never shipped): with
 * {@link #encrypt} off, blocks are stored as they are, so that a benchmark measures the same function path (HTTPS,
 * tokens, JSON, PostgreSQL, the AEK cache) with and without encryption in one run.
 *
 * <p>It also adds up the CPU time of the calling threads inside {@link #seal} and {@link #open} ({@link #cpuNanos}), in
 * both modes, so that the clock reads cost the same either way: the encryption's own work per request, which other load
 * on the machine hardly changes. What it leaves out is the garbage its output arrays make, which the server's CPU per
 * request includes.
 */
@Singleton
@Replaces(EnvelopeBlockCipher.class)
public class SwitchableBlockCipher implements BlockCipher {

    static volatile boolean encrypt = true;
    private static final LongAdder CPU_NANOS = new LongAdder();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final EnvelopeBlockCipher envelope = new EnvelopeBlockCipher();

    /** CPU time so far of the threads that called {@link #seal} and {@link #open}, inside them. */
    static long cpuNanos() {
        return CPU_NANOS.sum();
    }

    @Override
    public byte[] seal(Envelope e, BlockClaims claims, byte[] plaintext) {
        long start = THREADS.getCurrentThreadCpuTime();
        try {
            return encrypt ? envelope.seal(e, claims, plaintext) : plaintext;
        } finally {
            CPU_NANOS.add(THREADS.getCurrentThreadCpuTime() - start);
        }
    }

    @Override
    public byte[] open(Envelope e, BlockClaims claims, BlockRef legacy, byte[] sealed) throws IntegrityException {
        long start = THREADS.getCurrentThreadCpuTime();
        try {
            return encrypt ? envelope.open(e, claims, legacy, sealed) : sealed;
        } finally {
            CPU_NANOS.add(THREADS.getCurrentThreadCpuTime() - start);
        }
    }
}
