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
import java.util.List;
import java.util.Map;

/**
 * The data plane through the functions (HTTPS, token validation, JSON, PostgreSQL, the AEK cache) into a workspace
 * linked to a CMK cluster, with encryption on and, in the same run and on the same server, off
 * ({@link SwitchableBlockCipher}): ingest of batches of ~1 KiB records and queries returning 1,000 of them. Phases
 * alternate on/off twice so that drift (JIT, a growing table) shows up instead of passing for a difference.
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

    private final Phases phases;
    private BenchHost bench;
    private String customerId;
    private final List<HttpClient> clients = new ArrayList<>();

    private DataPlaneOverHttps(Phases phases) {
        this.phases = phases;
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        DataPlaneOverHttps run = new DataPlaneOverHttps(new Phases(Duration.ofSeconds(Math.max(10, seconds)), Duration.ofSeconds(seconds)));
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
                "{\"location\":\"westeurope\",\"identity\":{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":1000}}");
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
        System.out.printf("Data plane over HTTPS into a CMK-linked workspace: batches of %d records (%d bytes of JSON),"
                + " queries of %d records; %d clients, %d s per phase after %d s warm-up, %d cores%n", RECORDS_PER_BATCH, body.length,
                QUERY_LIMIT, CLIENTS, seconds, Math.max(10, seconds), Runtime.getRuntime().availableProcessors());
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
        List<Phases.Result> ingest = new ArrayList<>();
        List<Phases.Result> query = new ArrayList<>();
        // A-B-B-A: encrypted, plain, plain, encrypted, so that a steady drift (JIT, a growing table) favours neither
        for (int round = 0; round < 2; round++) {
            for (boolean encrypt : round == 0 ? new boolean[] {true, false} : new boolean[] {false, true}) {
                SwitchableBlockCipher.encrypt = encrypt;
                String label = encrypt ? "encrypted" : "plain";
                ingest.add(phases.closedLoop("ingest " + label, CLIENTS, i -> ingest(clients.get(i), token, ingestTable(encrypt), body)));
                query.add(phases.closedLoop("query " + label, CLIENTS, i -> query(clients.get(i), token, queryTable(encrypt))));
            }
        }
        SwitchableBlockCipher.encrypt = true;

        System.out.println();
        System.out.printf("%-22s %10s %10s %12s %9s %9s%n", "phase", "req/s", "MB/s", "records/s", "p50 ms", "p99 ms");
        for (int i = 0; i < ingest.size(); i++) {
            print(ingest.get(i), body.length, RECORDS_PER_BATCH);
            print(query.get(i), queryBytes[query.get(i).name().endsWith("encrypted") ? 0 : 1], QUERY_LIMIT);
        }
        double ingestOn = mean(ingest, true);
        double ingestOff = mean(ingest, false);
        double queryOn = mean(query, true);
        double queryOff = mean(query, false);
        System.out.println();
        System.out.printf("ingest: encrypted %.1f MB/s vs plain %.1f MB/s: encryption costs %.1f %%  (goal <= 10 %%)%n",
                ingestOn * body.length / 1e6, ingestOff * body.length / 1e6, 100 * (1 - ingestOn / ingestOff));
        System.out.printf("query:  encrypted %.1f MB/s vs plain %.1f MB/s: encryption costs %.1f %%  (goal <= 10 %%)%n",
                queryOn * queryBytes[0] / 1e6, queryOff * queryBytes[1] / 1e6, 100 * (1 - queryOn / queryOff));
        long errors = ingest.stream().mapToLong(Phases.Result::errors).sum() + query.stream().mapToLong(Phases.Result::errors).sum();
        System.out.printf("errors: %d%n", errors);
    }

    private static String ingestTable(boolean encrypt) {
        return encrypt ? "BenchIngestEncrypted_CL" : "BenchIngestPlain_CL";
    }

    private static String queryTable(boolean encrypt) {
        return encrypt ? "BenchQueryEncrypted_CL" : "BenchQueryPlain_CL";
    }

    /** Mean ops/s of the encrypted (or plain) phases. */
    private static double mean(List<Phases.Result> results, boolean encrypted) {
        return results.stream().filter(r -> r.name().endsWith(encrypted ? "encrypted" : "plain"))
                .mapToDouble(Phases.Result::opsPerSecond).average().orElseThrow();
    }

    private static void print(Phases.Result r, long bytesPerOp, int recordsPerOp) {
        System.out.printf("%-22s %10.1f %10.1f %12.0f %9.2f %9.2f%n", r.name(), r.opsPerSecond(), r.opsPerSecond() * bytesPerOp / 1e6,
                r.opsPerSecond() * recordsPerOp, r.latency().getValueAtPercentile(50) / 1e6, r.latency().getValueAtPercentile(99) / 1e6);
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
