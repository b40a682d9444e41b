package io.keyward.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The data plane through the functions (HTTPS, token validation, JSON, PostgreSQL, the AEK cache) into a workspace
 * linked to a CMK cluster, with encryption on and, in the same run and on the same server, off
 * ({@link SwitchableBlockCipher}): ingest of batches of ~1 KiB records and queries returning 1,000 of them. After one
 * warm-up per workload and mode, rounds of one encrypted and one plain phase each, in alternating order, give a cost
 * per round, in throughput and in server CPU per request; the median over the rounds is the figure, so that one
 * disturbed phase (another process on the machine) does not make it.
 *
 * <p>Run by {@code bench/host.sh data-plane}.
 */
public final class DataPlaneOverHttps {
    private static final String TENANT = "b0000000-0000-4000-8000-0000000be0d1";
    private static final String SUBSCRIPTION = "b0000000-0000-4000-8000-0000000005b2";
    private static final String VAULT = "kwbenchdp";
    private static final int RECORDS_PER_BATCH = 500;
    private static final int QUERY_LIMIT = 1000;
    private static final int CLIENTS = 2;
    /** Rounds of one encrypted and one plain phase per workload; KEYWARD_BENCH_ROUNDS overrides. */
    private static final int DEFAULT_ROUNDS = 6;

    /**
     * The cluster's isDoubleEncryptionEnabled: false (the default here) measures the customer-key layer alone, which the
     * limit was set for; KEYWARD_BENCH_DOUBLE_ENCRYPTION=1 adds the infrastructure layer (a second AES-GCM pass under a
     * platform key per block), as Azure's default for new clusters does.
     */
    private static final boolean DOUBLE_ENCRYPTION = "1".equals(System.getenv("KEYWARD_BENCH_DOUBLE_ENCRYPTION"));

    /** After switching modes: the first requests of a phase meet the other mode's garbage and connection state. */
    private static final Duration SETTLE = Duration.ofSeconds(2);

    private final Phases phases;
    private final Duration warmup;
    private final int rounds;
    private BenchHost bench;
    private String customerId;
    private final List<HttpClient> clients = new ArrayList<>();

    private DataPlaneOverHttps(Phases phases, Duration warmup, int rounds) {
        this.phases = phases;
        this.warmup = warmup;
        this.rounds = rounds;
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        String roundsSetting = System.getenv("KEYWARD_BENCH_ROUNDS");
        int rounds = roundsSetting == null || roundsSetting.isBlank() ? DEFAULT_ROUNDS : Integer.parseInt(roundsSetting.trim());
        DataPlaneOverHttps run = new DataPlaneOverHttps(new Phases(SETTLE, Duration.ofSeconds(seconds), ServerProfile::serverCpuNanos),
                Duration.ofSeconds(Math.max(10, seconds)), Math.max(1, rounds));
        try {
            run.setUp(Path.of(args.length > 1 ? args[1] : "bench/target/host-home-dp"));
            run.run(seconds);
        } finally {
            if (run.bench != null) {
                run.bench.close();
            }
        }
        System.exit(0);
    }

    private void setUp(Path home) throws Exception {
        bench = BenchHost.start(home, TENANT, "data-plane-bench", Map.of());
        bench.putVault(SUBSCRIPTION, VAULT);
        String keyName = "bench-" + Long.toHexString(System.nanoTime());
        bench.createKey(VAULT, keyName);
        String suffix = Long.toHexString(System.nanoTime());
        String cluster = "/subscriptions/" + SUBSCRIPTION + "/resourceGroups/bench/providers/Microsoft.OperationalInsights/clusters/bench" + suffix;
        HttpResponse<String> created = bench.arm("PUT", cluster + "?api-version=2022-10-01",
                "{\"location\":\"westeurope\",\"identity\":{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":1000},"
                        + "\"properties\":{\"isDoubleEncryptionEnabled\":" + DOUBLE_ENCRYPTION + "}}");
        BenchHost.require(created, 200, 201);
        bench.grant(SUBSCRIPTION, VAULT, BenchHost.field(created.body(), "principalId"));
        bench.awaitOperation(bench.arm("PATCH", cluster + "?api-version=2022-10-01", "{\"properties\":{\"keyVaultProperties\":{"
                + "\"keyVaultUri\":\"" + bench.vaultUri(VAULT) + "\",\"keyName\":\"" + keyName + "\",\"keyVersion\":\"\"}}}"));
        String workspace = "/subscriptions/" + SUBSCRIPTION + "/resourceGroups/bench/providers/Microsoft.OperationalInsights/workspaces/ws" + suffix;
        HttpResponse<String> ws = bench.arm("PUT", workspace + "?api-version=2022-10-01", "{\"location\":\"westeurope\"}");
        BenchHost.require(ws, 200, 201);
        customerId = BenchHost.field(ws.body(), "customerId");
        bench.awaitOperation(bench.arm("PUT", workspace + "/linkedServices/cluster?api-version=2020-08-01",
                "{\"properties\":{\"writeAccessResourceId\":\"" + cluster + "\"}}"));
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(bench.newClient());
        }
    }

    /** {@link #RECORDS_PER_BATCH} records of ~1 KiB of JSON each. */
    private static byte[] batch(Instant first) {
        StringBuilder b = new StringBuilder(RECORDS_PER_BATCH * 1100).append('[');
        String pad = "p".repeat(900);
        for (int i = 0; i < RECORDS_PER_BATCH; i++) {
            b.append(i == 0 ? "" : ",").append("{\"ts\":\"").append(first.plusMillis(i)).append("\",\"host\":\"node-")
                    .append(i % 17).append("\",\"level\":").append(i % 5).append(",\"msg\":\"").append(pad).append("\"}");
        }
        return b.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    private void run(int seconds) throws Exception {
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(1));
        byte[] body = batch(t0);
        String token = bench.armToken;
        System.out.printf("Data plane over HTTPS into a CMK-linked workspace (%s): batches of %d records (%d bytes of JSON),"
                + " queries of %d records; %d clients; %d rounds of %d s per phase (after %d s to settle), one warm-up of %d s"
                + " per phase before them; %d cores%n", DOUBLE_ENCRYPTION ? "double encryption: customer-key and infrastructure layers"
                        : "customer-key layer only, isDoubleEncryptionEnabled false", RECORDS_PER_BATCH, body.length, QUERY_LIMIT, CLIENTS, rounds, seconds,
                SETTLE.toSeconds(), warmup.toSeconds(), Runtime.getRuntime().availableProcessors());
        // Each mode queries a table it wrote itself (a query must read blocks the same mode wrote), filled beforehand
        // with 40 batches 10 minutes apart: a query of the newest 1,000 records reads the blocks of the two newest.
        long[] queryBytes = new long[2];
        for (int mode = 0; mode < 2; mode++) {
            SwitchableBlockCipher.encrypt = mode == 0;
            for (int i = 0; i < 40; i++) {
                ingest(clients.get(0), token, queryTable(mode == 0), batch(t0.minus(Duration.ofHours(8)).plus(Duration.ofMinutes(10L * i))));
            }
            queryBytes[mode] = query(clients.get(0), token, queryTable(mode == 0)).length;
        }
        Phases warm = new Phases(Duration.ZERO, warmup);
        for (boolean encrypt : new boolean[] {true, false}) {
            SwitchableBlockCipher.encrypt = encrypt;
            warm.closedLoop("warm-up ingest " + label(encrypt), CLIENTS, i -> ingest(clients.get(i), token, ingestTable(encrypt), body));
            warm.closedLoop("warm-up query " + label(encrypt), CLIENTS, i -> query(clients.get(i), token, queryTable(encrypt)));
        }
        // Rounds alternate their order (encrypted first, then plain first: A-B-B-A-...), so that a steady drift (a
        // growing table, another process's load) favours neither mode; each round's two phases are neighbours in time.
        List<Round> ingest = new ArrayList<>();
        List<Round> query = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            Phase[][] r = new Phase[2][2];
            for (boolean encrypt : round % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true}) {
                SwitchableBlockCipher.encrypt = encrypt;
                int m = encrypt ? 0 : 1;
                String name = label(encrypt) + " " + (round + 1);
                r[0][m] = measure("ingest " + name, i -> ingest(clients.get(i), token, ingestTable(encrypt), body));
                r[1][m] = measure("query " + name, i -> query(clients.get(i), token, queryTable(encrypt)));
            }
            ingest.add(new Round(round % 2 == 0, r[0][0], r[0][1]));
            query.add(new Round(round % 2 == 0, r[1][0], r[1][1]));
        }
        SwitchableBlockCipher.encrypt = true;

        System.out.println();
        System.out.println("server CPU/req: the process's CPU time without the benchmark's client threads and the JIT compiler (the"
                + " host's threads and GC; PostgreSQL is a process of its own, outside); server threads: the host's named threads alone");
        System.out.printf("%-22s %8s %8s %10s %9s %9s %15s %15s %15s %15s %15s%n", "phase", "req/s", "MB/s", "records/s", "p50 ms",
                "p99 ms", "server CPU/req", "server threads", "client CPU/req", "JIT CPU/req", "in cipher/req");
        for (int i = 0; i < rounds; i++) {
            Round in = ingest.get(i);
            Round q = query.get(i);
            for (boolean encrypted : in.encryptedFirst() ? new boolean[] {true, false} : new boolean[] {false, true}) {
                print(in.of(encrypted), body.length, RECORDS_PER_BATCH);
                print(q.of(encrypted), queryBytes[encrypted ? 0 : 1], QUERY_LIMIT);
            }
        }
        System.out.println();
        System.out.println("encryption's cost per round: throughput 1 - encrypted/plain req/s; CPU encrypted/plain server CPU per"
                + " request - 1; cipher: CPU inside the block cipher per request, encrypted minus plain, over plain's server CPU per request");
        System.out.printf("%-6s %-16s %13s %13s %13s %13s %13s %13s%n", "round", "order", "ingest req/s", "ingest CPU", "ingest cipher",
                "query req/s", "query CPU", "query cipher");
        for (int i = 0; i < rounds; i++) {
            Round in = ingest.get(i);
            Round q = query.get(i);
            System.out.printf("%-6d %-16s %12.1f%% %12.1f%% %12.1f%% %12.1f%% %12.1f%% %12.1f%%%n", i + 1,
                    in.encryptedFirst() ? "encrypted first" : "plain first", 100 * in.throughputCost(), 100 * in.cpuCost(),
                    100 * in.cipherCost(), 100 * q.throughputCost(), 100 * q.cpuCost(), 100 * q.cipherCost());
        }
        System.out.println();
        summary("ingest", ingest, body.length, body.length);
        summary("query ", query, queryBytes[0], queryBytes[1]);
        System.out.println("the limit is judged on the median of the rounds' server CPU per request, and never below the CPU inside the"
                + " block cipher (a lower bound: it leaves out the garbage the encryption makes): other load on a shared 2-core machine"
                + " moves CPU per request less than throughput, not never (the rounds above show by how much)");
        long errors = 0;
        for (Round r : ingest) {
            errors += r.encrypted().errors() + r.plain().errors();
        }
        for (Round r : query) {
            errors += r.encrypted().errors() + r.plain().errors();
        }
        System.out.printf("errors: %d%n", errors);
    }

    /**
     * A measured phase and the CPU time spent inside the block cipher per request over the whole phase (its settling
     * time included: the cipher's clock is not split there).
     */
    private record Phase(Phases.Result result, double cipherMicrosPerRequest) {
    }

    private Phase measure(String name, Phases.Op op) throws Exception {
        LongAdder requests = new LongAdder();
        long cipherAtStart = SwitchableBlockCipher.cpuNanos();
        Phases.Result result = phases.closedLoop(name, CLIENTS, i -> {
            op.run(i);
            requests.increment();
        });
        long n = Math.max(1, requests.sum());
        return new Phase(result, (SwitchableBlockCipher.cpuNanos() - cipherAtStart) / 1e3 / n);
    }

    /** One round of a workload: its encrypted and its plain phase, one right after the other. */
    private record Round(boolean encryptedFirst, Phase encryptedPhase, Phase plainPhase) {
        Phases.Result encrypted() {
            return encryptedPhase.result();
        }

        Phases.Result plain() {
            return plainPhase.result();
        }

        Phase of(boolean encrypt) {
            return encrypt ? encryptedPhase : plainPhase;
        }

        double throughputCost() {
            return 1 - encrypted().opsPerSecond() / plain().opsPerSecond();
        }

        double cpuCost() {
            return encrypted().serverProcessCpuMicrosPerOp() / plain().serverProcessCpuMicrosPerOp() - 1;
        }

        /** The CPU the cipher's work adds per request (encrypted minus plain, inside it), over the plain request's CPU. */
        double cipherCost() {
            return (encryptedPhase.cipherMicrosPerRequest() - plainPhase.cipherMicrosPerRequest()) / plain().serverProcessCpuMicrosPerOp();
        }
    }

    /**
     * The median of the rounds' costs (the limit's figure), and beside it the cost over all rounds' totals: all requests
     * over all measured time, all server CPU over all requests.
     */
    private static void summary(String workload, List<Round> rounds, long encryptedBytes, long plainBytes) {
        double onOps = 0;
        double offOps = 0;
        double onCpu = 0;
        double offCpu = 0;
        double onSeconds = 0;
        double offSeconds = 0;
        for (Round r : rounds) {
            onOps += r.encrypted().ops();
            offOps += r.plain().ops();
            onCpu += r.encrypted().serverProcessCpuMicrosPerOp() * r.encrypted().ops();
            offCpu += r.plain().serverProcessCpuMicrosPerOp() * r.plain().ops();
            onSeconds += r.encrypted().elapsed().toNanos() / 1e9;
            offSeconds += r.plain().elapsed().toNanos() / 1e9;
        }
        System.out.printf("%s: server CPU per request encrypted %.2f ms vs plain %.2f ms: encryption costs %.1f %% (median of %d"
                        + " rounds; %.1f %% over all)  (goal <= 10 %%)%n", workload, onCpu / onOps / 1e3, offCpu / offOps / 1e3,
                100 * median(rounds.stream().mapToDouble(Round::cpuCost).toArray()), rounds.size(), 100 * (onCpu / onOps / (offCpu / offOps) - 1));
        System.out.printf("%s: throughput encrypted %.1f MB/s vs plain %.1f MB/s: encryption costs %.1f %% (median of %d rounds;"
                        + " %.1f %% over all)%n", workload, onOps / onSeconds * encryptedBytes / 1e6, offOps / offSeconds * plainBytes / 1e6,
                100 * median(rounds.stream().mapToDouble(Round::throughputCost).toArray()), rounds.size(),
                100 * (1 - (onOps / onSeconds) / (offOps / offSeconds)));
        System.out.printf("%s: CPU inside the block cipher %.3f ms per encrypted request (%.3f ms plain): %.1f %% of a plain request's"
                        + " server CPU (median of %d rounds)%n", workload,
                rounds.stream().mapToDouble(r -> r.encryptedPhase().cipherMicrosPerRequest()).average().orElse(0) / 1e3,
                rounds.stream().mapToDouble(r -> r.plainPhase().cipherMicrosPerRequest()).average().orElse(0) / 1e3,
                100 * median(rounds.stream().mapToDouble(Round::cipherCost).toArray()), rounds.size());
        double cost = Math.max(median(rounds.stream().mapToDouble(Round::cpuCost).toArray()),
                median(rounds.stream().mapToDouble(Round::cipherCost).toArray()));
        System.out.printf("%s: encryption costs %.1f %% (goal <= 10 %%): %s%n", workload, 100 * cost, cost <= 0.10 ? "met" : "not met");
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String label(boolean encrypt) {
        return encrypt ? "encrypted" : "plain";
    }

    private static String ingestTable(boolean encrypt) {
        return encrypt ? "BenchIngestEncrypted_CL" : "BenchIngestPlain_CL";
    }

    private static String queryTable(boolean encrypt) {
        return encrypt ? "BenchQueryEncrypted_CL" : "BenchQueryPlain_CL";
    }

    private static void print(Phase phase, long bytesPerOp, int recordsPerOp) {
        Phases.Result r = phase.result();
        System.out.printf("%-22s %8.1f %8.1f %10.0f %9.2f %9.2f %12.2f ms %12.2f ms %12.2f ms %12.2f ms %12.3f ms%n", r.name(),
                r.opsPerSecond(), r.opsPerSecond() * bytesPerOp / 1e6, r.opsPerSecond() * recordsPerOp,
                r.latency().getValueAtPercentile(50) / 1e6, r.latency().getValueAtPercentile(99) / 1e6, r.serverProcessCpuMicrosPerOp() / 1e3,
                r.cpuMicrosPerOp() / 1e3, r.clientCpuMicrosPerOp() / 1e3, r.jitCpuMicrosPerOp() / 1e3, phase.cipherMicrosPerRequest() / 1e3);
    }

    private void ingest(HttpClient client, String token, String table, byte[] body) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(bench.host.baseUri().resolve("/api/workspaces/" + customerId + "/logs"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json").header("Log-Type", table)
                .header("time-generated-field", "ts").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || !r.body().contains("\"key\":\"cluster\"")) {
            throw new IllegalStateException("ingest answered " + r.statusCode() + ": " + r.body());
        }
    }

    private byte[] query(HttpClient client, String token, String table) throws Exception {
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(bench.host.baseUri() + "/api/workspaces/" + customerId
                        + "/logs?table=" + table + "&timespan=P1D&limit=" + QUERY_LIMIT))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("query answered " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
        }
        return r.body();
    }
}
