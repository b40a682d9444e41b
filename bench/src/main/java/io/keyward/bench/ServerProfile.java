package io.keyward.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the local host's server threads spend their time in a JFR recording of {@code bench/host.sh unwrap}: each
 * CPU sample (jdk.ExecutionSample) of a server thread goes to the innermost frame that belongs to a part of the path
 * (generic JDK, crypto and Micronaut-core frames are looked through, so an RSA verification under Nimbus counts as
 * token validation and AES-GCM under the SSL engine as TLS). Native samples (jdk.NativeMethodSample) show what the
 * threads wait on outside Java: the HSM's C_Decrypt and PostgreSQL's socket.
 *
 * <p>Run by {@code bench/profile.sh FILE.jfr}.
 */
public final class ServerProfile {

    /** Thread names of the host: Netty event loops and pools, and the JDK server's workers and dispatcher before it. */
    private static final List<String> SERVER_THREADS = List.of("keyward-http", "keyward-function", "keyward-auth",
            "keyward-liveness", "HTTP-Dispatcher");

    /** In order: the first prefix that matches a frame names its part. */
    private static final Map<String, String> PARTS = new LinkedHashMap<>();

    static {
        PARTS.put("org.xipki.pkcs11", "HSM (crypto-hsm, PKCS#11)");
        PARTS.put("io.keyward.hsm", "HSM (crypto-hsm, PKCS#11)");
        PARTS.put("org.postgresql", "database (JDBC, pool, repositories)");
        PARTS.put("com.zaxxer.hikari", "database (JDBC, pool, repositories)");
        PARTS.put("io.micronaut.data", "database (JDBC, pool, repositories)");
        PARTS.put("io.micronaut.transaction", "database (JDBC, pool, repositories)");
        PARTS.put("io.micronaut.jdbc", "database (JDBC, pool, repositories)");
        PARTS.put("java.sql", "database (JDBC, pool, repositories)");
        PARTS.put("com.nimbusds", "token validation");
        PARTS.put("io.keyward.app.identity", "token validation");
        PARTS.put("sun.security.ssl", "TLS");
        PARTS.put("io.netty.handler.ssl", "TLS");
        PARTS.put("sun.net.httpserver", "HTTP server (JDK HttpsServer / Netty)");
        PARTS.put("io.netty", "HTTP server (JDK HttpsServer / Netty)");
        PARTS.put("io.micronaut.serde", "JSON");
        PARTS.put("io.micronaut.json", "JSON");
        PARTS.put("com.fasterxml.jackson", "JSON");
        PARTS.put("io.micronaut.azure", "Azure Functions adapter");
        PARTS.put("io.keyward.azure", "Azure Functions adapter");
        PARTS.put("io.keyward.local", "Azure Functions adapter");
        PARTS.put("io.micronaut.http", "Micronaut request path (router, filters, binding)");
        PARTS.put("io.micronaut.web", "Micronaut request path (router, filters, binding)");
        PARTS.put("io.keyward.app", "Keyward vault logic");
    }

    private ServerProfile() {
    }

    /** CPU time so far of the host's server threads in this JVM. */
    static long serverCpuNanos() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && SERVER_THREADS.stream().anyMatch(t.getThreadName()::startsWith)) {
                long cpu = mx.getThreadCpuTime(t.getThreadId());
                sum += Math.max(0, cpu);
            }
        }
        return sum;
    }

    public static void main(String[] args) throws IOException {
        Map<String, Long> cpu = new TreeMap<>();
        Map<String, Long> waits = new TreeMap<>();
        long cpuTotal = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            String type = e.getEventType().getName();
            boolean execution = type.equals("jdk.ExecutionSample");
            if (!execution && !type.equals("jdk.NativeMethodSample")) {
                continue;
            }
            String thread = e.getThread("sampledThread") == null ? "" : e.getThread("sampledThread").getJavaName();
            if (thread == null || SERVER_THREADS.stream().noneMatch(thread::startsWith) || e.getStackTrace() == null) {
                continue;
            }
            if (execution) {
                cpu.merge(part(e.getStackTrace()), 1L, Long::sum);
                cpuTotal++;
            } else {
                String wait = nativeWait(e.getStackTrace());
                if (wait != null) {
                    waits.merge(wait, 1L, Long::sum);
                }
            }
        }
        System.out.printf("server threads, %d CPU samples (jdk.ExecutionSample):%n", cpuTotal);
        long total = cpuTotal;
        cpu.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(en -> System.out.printf("  %5.1f %%  %s%n", 100.0 * en.getValue() / total, en.getKey()));
        System.out.println("server threads in native code (jdk.NativeMethodSample, samples):");
        waits.forEach((k, v) -> System.out.printf("  %6d  %s%n", v, k));
    }

    private static String part(RecordedStackTrace stack) {
        for (RecordedFrame f : stack.getFrames()) {
            String cls = f.getMethod().getType().getName();
            // a frame of no part (JDK, crypto providers, Micronaut's core) belongs to whoever called it
            for (Map.Entry<String, String> p : PARTS.entrySet()) {
                if (cls.startsWith(p.getKey())) {
                    return p.getValue();
                }
            }
        }
        return "other (JDK, thread pools)";
    }

    private static String nativeWait(RecordedStackTrace stack) {
        boolean pkcs11 = false;
        boolean postgres = false;
        for (RecordedFrame f : stack.getFrames()) {
            String cls = f.getMethod().getType().getName();
            pkcs11 |= cls.startsWith("org.xipki.pkcs11") || cls.startsWith("io.keyward.hsm");
            postgres |= cls.startsWith("org.postgresql");
        }
        return pkcs11 ? "HSM: in the PKCS#11 library (SoftHSM2's RSA decryption)"
                : postgres ? "database: waiting for PostgreSQL's answer" : null;
    }
}
