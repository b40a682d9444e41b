package io.keyward.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
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
     * {@code clientCpuNanos}: the CPU time of the phase's own client threads over the measurement (ThreadMXBean);
     * {@code processCpuNanos}: the whole process's (server, clients, GC, JIT, logging).
     */
    record Result(String name, int threads, long ops, Duration elapsed, Histogram latency, long errors, long cpuNanos,
                  long clientCpuNanos, long processCpuNanos) {
        double opsPerSecond() {
            return ops / (elapsed.toNanos() / 1e9);
        }

        /** CPU time of the clock's threads per operation, in microseconds. */
        double cpuMicrosPerOp() {
            return perOp(cpuNanos);
        }

        /** CPU time of the phase's client threads per operation, in microseconds. */
        double clientCpuMicrosPerOp() {
            return perOp(clientCpuNanos);
        }

        /** CPU time of the whole process per operation, in microseconds. */
        double processCpuMicrosPerOp() {
            return perOp(processCpuNanos);
        }

        private double perOp(long nanos) {
            return ops == 0 ? 0 : nanos / 1e3 / ops;
        }
    }

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
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        AtomicLong clientCpu = new AtomicLong();
        Histogram[] histograms = new Histogram[threads];
        AtomicLong ops = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(threads);
        long intervalNanos = perSecond > 0 ? (long) (threads * 1e9 / perSecond) : 0;
        for (int t = 0; t < threads; t++) {
            int thread = t;
            histograms[t] = new Histogram(60_000_000_000L, 3);
            Thread worker = new Thread(() -> {
                long intended = System.nanoTime() + (intervalNanos == 0 ? 0 : intervalNanos * thread / threads);
                long cpuAtWarmupEnd = -1;
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
                        if (cpuAtWarmupEnd < 0 && start >= warmupEnd) {
                            cpuAtWarmupEnd = mx.getCurrentThreadCpuTime();
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
                    if (cpuAtWarmupEnd >= 0) {
                        clientCpu.addAndGet(mx.getCurrentThreadCpuTime() - cpuAtWarmupEnd);
                    }
                    done.countDown();
                }
            }, "bench-" + t);
            worker.start();
        }
        // the clock is read when the measurement starts and when the last thread is done with it
        long untilMeasuring = warmupEnd - System.nanoTime();
        boolean ended = done.await(Math.max(0, untilMeasuring), TimeUnit.NANOSECONDS);
        long cpuAtStart = ended ? 0 : cpuClock.getAsLong();
        long processAtStart = ended ? 0 : processCpuClock.getAsLong();
        done.await();
        long cpu = cpuAtStart == 0 ? 0 : cpuClock.getAsLong() - cpuAtStart;
        long process = processAtStart == 0 ? 0 : processCpuClock.getAsLong() - processAtStart;
        Histogram all = new Histogram(60_000_000_000L, 3);
        for (Histogram h : histograms) {
            all.add(h);
        }
        Result r = new Result(name, threads, ops.get(), measure, all, errors.get(), cpu, clientCpu.get(), process);
        if (name == null) {
            return r;
        }
        System.out.printf("  %-30s %d clients: %.0f ops/s, p50 %.2f ms, p99 %.2f ms%n", name, threads,
                r.opsPerSecond(), all.getValueAtPercentile(50) / 1e6, all.getValueAtPercentile(99) / 1e6);
        return r;
    }

}
