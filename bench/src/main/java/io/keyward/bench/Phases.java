package io.keyward.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/** Closed-loop and fixed-rate measurement phases for the benchmarks that drive a server from outside. */
final class Phases {

    interface Op {
        void run(int thread) throws Exception;
    }

    /**
     * {@code cpuNanos}: what the CPU clock given to the phases advanced during the measurement, or 0;
     * {@code otherCpuNanos}: the rest of the process's CPU time; {@code clientCpuNanos}: the part of that spent by the
     * benchmark's own client threads (the phase's workers and java.net.http's); {@code jitCpuNanos}: the part spent by
     * the JIT's compiler threads (0 where the JVM does not tell, see {@link #jitCpuNanos()}).
     */
    record Result(String name, int threads, long ops, Duration elapsed, Histogram latency, long errors, long cpuNanos,
                  long otherCpuNanos, long clientCpuNanos, long jitCpuNanos) {
        double opsPerSecond() {
            return ops / (elapsed.toNanos() / 1e9);
        }

        /** CPU time of the clock's threads per operation, in microseconds. */
        double cpuMicrosPerOp() {
            return ops == 0 ? 0 : cpuNanos / 1e3 / ops;
        }

        /** CPU time of the rest of the process (the benchmark's clients, GC, JIT) per operation, in microseconds. */
        double otherCpuMicrosPerOp() {
            return ops == 0 ? 0 : otherCpuNanos / 1e3 / ops;
        }

        /**
         * CPU time of the process without the benchmark's client threads and the JIT compiler per operation, in
         * microseconds: the server's threads and the GC work they cause, which no Java thread's clock shows. The JIT is
         * left out because it comes in bursts that have nothing to do with the operation (on a loaded machine it is
         * still compiling minutes after the warm-up).
         */
        double serverProcessCpuMicrosPerOp() {
            return ops == 0 ? 0 : Math.max(0, cpuNanos + otherCpuNanos - clientCpuNanos - jitCpuNanos) / 1e3 / ops;
        }

        /** CPU time of the whole process (server, clients, GC, JIT, logging) per operation, in microseconds. */
        double processCpuMicrosPerOp() {
            return ops == 0 ? 0 : (cpuNanos + otherCpuNanos) / 1e3 / ops;
        }

        /** CPU time of the JIT's compiler threads per operation, in microseconds. */
        double jitCpuMicrosPerOp() {
            return ops == 0 ? 0 : jitCpuNanos / 1e3 / ops;
        }

        /** CPU time of the benchmark's client threads per operation, in microseconds. */
        double clientCpuMicrosPerOp() {
            return ops == 0 ? 0 : clientCpuNanos / 1e3 / ops;
        }
    }

    /** Name prefix of java.net.http's selector and executor threads, the benchmark's clients beside the phases' workers. */
    private static final String CLIENT_THREADS = "HttpClient-";

    private final Duration warmup;
    private final Duration measure;
    private final LongSupplier cpuClock;
    private final LongSupplier processCpuClock;

    Phases(Duration warmup, Duration measure) {
        this(warmup, measure, () -> 0L);
    }

    /**
     * {@code cpuClock}: CPU nanoseconds of the threads whose cost per operation is reported (a server's); the rest of
     * the process's CPU time is reported beside it.
     */
    Phases(Duration warmup, Duration measure, LongSupplier cpuClock) {
        this.warmup = warmup;
        this.measure = measure;
        this.cpuClock = cpuClock;
        this.processCpuClock = Phases::processCpuNanos;
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0L;
    }

    /** CPU time so far of each live java.net.http client thread ({@link #CLIENT_THREADS}), by thread id. */
    private static Map<Long, Long> clientCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith(CLIENT_THREADS)) {
                cpu.put(t.getThreadId(), Math.max(0, mx.getThreadCpuTime(t.getThreadId())));
            }
        }
        return cpu;
    }

    /**
     * What the threads of {@code now} spent since {@code before}, thread by thread: java.net.http's executor retires idle
     * threads and HotSpot adds and retires compiler threads, so a plain difference of sums could go down; a thread that
     * ends within the phase is missed (its share goes to the server's side of the split, for both modes alike).
     */
    private static <K> long cpuSince(Map<K, Long> before, Map<K, Long> now) {
        long sum = 0;
        for (Map.Entry<K, Long> t : now.entrySet()) {
            sum += Math.max(0, t.getValue() - before.getOrDefault(t.getKey(), 0L));
        }
        return sum;
    }

    /**
     * CPU time so far of the JIT's compiler threads, by name. HotSpot hides them from {@code ThreadMXBean}; its internal
     * {@code sun.management.HotspotThreadMBean} lists them, reachable with
     * {@code --add-exports java.management/sun.management=ALL-UNNAMED} (bench/host.sh passes it). Empty without.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Long> jitCpuNanos() {
        Map<String, Long> jit = new HashMap<>();
        try {
            Object bean = Class.forName("sun.management.ManagementFactoryHelper").getMethod("getHotspotThreadMBean").invoke(null);
            Map<String, Long> internal = (Map<String, Long>) Class.forName("sun.management.HotspotThreadMBean")
                    .getMethod("getInternalThreadCpuTimes").invoke(bean);
            internal.forEach((name, nanos) -> {
                if (name.contains("CompilerThread")) {
                    jit.put(name, nanos);
                }
            });
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not exported to us: the JIT stays in the server's share
        }
        return jit;
    }

    private static long workersCpuNanos(List<Thread> workers) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        return workers.stream().mapToLong(w -> Math.max(0, mx.getThreadCpuTime(w.getId()))).sum();
    }

    Result closedLoop(String name, int threads, Op op) throws Exception {
        return phase(name, threads, op, 0, warmup, measure);
    }

    Result fixedRate(String name, int threads, double perSecond, Op op) throws Exception {
        return phase(name, threads, op, perSecond, warmup, measure);
    }

    /** Only the warm-up of a closed-loop phase: nothing measured, nothing printed. */
    void warmUp(int threads, Op op) throws Exception {
        phase(null, threads, op, 0, warmup, Duration.ZERO);
    }

    /** Threads loop on {@code op}; with a rate, each thread keeps its share of it on a fixed schedule. */
    private Result phase(String name, int threads, Op op, double perSecond, Duration warmup, Duration measure) throws Exception {
        long warmupEnd = System.nanoTime() + warmup.toNanos();
        long end = warmupEnd + measure.toNanos();
        Histogram[] histograms = new Histogram[threads];
        AtomicLong ops = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(threads);
        long intervalNanos = perSecond > 0 ? (long) (threads * 1e9 / perSecond) : 0;
        // each worker's own CPU clock when it ends: read before the latch, as a finished thread's clock is gone
        long[] workerCpuAtEnd = new long[threads];
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            histograms[t] = new Histogram(60_000_000_000L, 3);
            Thread worker = new Thread(() -> {
                long intended = System.nanoTime() + (intervalNanos == 0 ? 0 : intervalNanos * thread / threads);
                try {
                    while (true) {
                        long start;
                        if (intervalNanos > 0) {
                            while (System.nanoTime() < intended) {
                                long wait = intended - System.nanoTime();
                                if (wait > 200_000) {
                                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                                }
                            }
                            start = intended;
                            intended += intervalNanos;
                        } else {
                            start = System.nanoTime();
                        }
                        if (start >= end) {
                            break;
                        }
                        try {
                            op.run(thread);
                        } catch (Exception e) {
                            if (errors.incrementAndGet() == 1) {
                                System.err.println((name == null ? "warm-up" : name) + ": " + e.getMessage());
                            }
                        }
                        long now = System.nanoTime();
                        if (start >= warmupEnd) {
                            histograms[thread].recordValue(Math.min(now - start, 60_000_000_000L));
                            ops.incrementAndGet();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    workerCpuAtEnd[thread] = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
                    done.countDown();
                }
            }, "bench-" + t);
            workers.add(worker);
            worker.start();
        }
        // the clock is read when the measurement starts and when the last thread is done with it
        long untilMeasuring = warmupEnd - System.nanoTime();
        boolean ended = done.await(Math.max(0, untilMeasuring), TimeUnit.NANOSECONDS);
        long cpuAtStart = ended ? 0 : cpuClock.getAsLong();
        long processAtStart = ended ? 0 : processCpuClock.getAsLong();
        Map<Long, Long> clientsAtStart = ended ? null : clientCpuNanos();
        long workersAtStart = ended ? 0 : workersCpuNanos(workers);
        Map<String, Long> jitAtStart = ended ? null : jitCpuNanos();
        done.await();
        long cpu = cpuAtStart == 0 ? 0 : cpuClock.getAsLong() - cpuAtStart;
        long process = processAtStart == 0 ? 0 : processCpuClock.getAsLong() - processAtStart;
        long client = clientsAtStart == null ? 0
                : cpuSince(clientsAtStart, clientCpuNanos()) + Arrays.stream(workerCpuAtEnd).sum() - workersAtStart;
        long jit = jitAtStart == null ? 0 : cpuSince(jitAtStart, jitCpuNanos());
        Histogram all = new Histogram(60_000_000_000L, 3);
        for (Histogram h : histograms) {
            all.add(h);
        }
        Result r = new Result(name, threads, ops.get(), measure, all, errors.get(), cpu, Math.max(0, process - cpu),
                Math.max(0, client), jit);
        if (name == null) {
            return r;
        }
        System.out.printf("  %-30s %d clients: %.0f ops/s, p50 %.2f ms, p99 %.2f ms%n", name, threads,
                r.opsPerSecond(), all.getValueAtPercentile(50) / 1e6, all.getValueAtPercentile(99) / 1e6);
        return r;
    }

}
