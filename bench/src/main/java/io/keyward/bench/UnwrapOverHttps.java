package io.keyward.bench;

import io.keyward.app.identity.Audiences;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.VaultService;
import io.keyward.app.vault.keys.KeyName;
import io.keyward.app.vault.keys.VaultKeys;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.WrapAlgorithm;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;

/**
 * Key Vault {@code unwrapkey} through the whole local stack (HTTPS, token validation, vault and key lookup in
 * PostgreSQL, the HSM) beside crypto-hsm's own {@code Hsm.unwrap} in the same process, on the same token and key:
 * the gap is what the function path costs. Then a fixed-rate phase at half the measured HTTPS peak, whose latency
 * is measured from each request's intended start (so a stalled server is not hidden by a waiting client). The HTTPS
 * phases' clients hold one kept-alive HTTP/1.1 connection each ({@link KeepAliveHttps}); {@code java.net.http}'s
 * client runs once beside them at 8 clients, because on two cores a heavy client takes its CPU from the server. Both
 * paths are warmed before the first measurement, the direct 8-client phase runs again after the HTTPS phases (the
 * ratio is against the mean of the two), and each phase reports the CPU per call of the server's threads, of its own
 * client threads and of the whole process.
 *
 * <p>Plain main, not JMH: the subject is a server with its own threads, measured from outside. Run by
 * {@code bench/host.sh unwrap}.
 */
public final class UnwrapOverHttps {
    private static final String TENANT = "b0000000-0000-4000-8000-0000000be0c1";
    private static final String SUBSCRIPTION = "b0000000-0000-4000-8000-0000000005b1";
    private static final String VAULT = "kwbench";

    private final Phases phases;
    private BenchHost bench;
    private String token;
    private URI unwrapUri;
    private String unwrapBody;
    private Hsm hsm;
    private KeyVersionRef ref;
    private byte[] wrapped;
    private byte[] unwrapRequest;

    private UnwrapOverHttps(Phases phases) {
        this.phases = phases;
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        // 10 s of warm-up per phase: with less, the first HTTPS phase measures the interpreter (Micronaut's request
        // path is large and compiles late).
        UnwrapOverHttps run = new UnwrapOverHttps(new Phases(Duration.ofSeconds(Math.max(10, seconds)), Duration.ofSeconds(seconds),
                ServerProfile::serverCpuNanos));
        try {
            run.setUp(Path.of(args.length > 1 ? args[1] : "bench/target/host-home"));
            run.run(seconds);
        } finally {
            if (run.bench != null) {
                run.bench.close();
            }
        }
        System.exit(0);
    }

    private void setUp(Path home) throws Exception {
        bench = BenchHost.start(home, TENANT, "unwrap-bench", Map.of());
        bench.putVault(SUBSCRIPTION, VAULT);
        token = bench.token(Audiences.KEY_VAULT);
        String keyName = "bench-" + Long.toHexString(System.nanoTime());
        String created = bench.createKey(VAULT, keyName);
        String kid = BenchHost.field(created, "kid");
        BigInteger n = new BigInteger(1, Base64.getUrlDecoder().decode(BenchHost.field(created, "n")));
        BigInteger e = new BigInteger(1, Base64.getUrlDecoder().decode(BenchHost.field(created, "e")));

        // Wrapped by the public key outside the vault, as an SDK with key caching does.
        RSAPublicKey pub = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
        oaep.init(Cipher.ENCRYPT_MODE, pub);
        wrapped = oaep.doFinal(new byte[32]);
        unwrapUri = URI.create(kid + "/unwrapkey?api-version=7.6");
        unwrapBody = "{\"alg\":\"RSA-OAEP\",\"value\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(wrapped)
                + "\"}";
        unwrapRequest = KeepAliveHttps.post(unwrapUri, "Bearer " + token, unwrapBody);

        hsm = bench.context.getBean(Hsm.class);
        Vault v = bench.context.getBean(VaultService.class).findActiveByName(VAULT).orElseThrow();
        ref = bench.context.getBean(VaultKeys.class).get(v, bench.client.principal(), new KeyName(keyName), null).hsmRef();
        if (hsm.unwrap(ref, WrapAlgorithm.RSA_OAEP, wrapped).length != 32) {
            throw new IllegalStateException("direct unwrap gave a wrong length");
        }
    }

    private void run(int seconds) throws Exception {
        System.out.printf("RSA-2048 RSA-OAEP unwrap, %d s per phase after %d s warm-up, %d cores%n", seconds, Math.max(10, seconds),
                Runtime.getRuntime().availableProcessors());
        // Both paths warmed before anything is measured: otherwise C2 compiles Micronaut's request path during the
        // direct phases and the first HTTPS phase (JIT threads count as the process's CPU and take the cores).
        List<KeepAliveHttps> warming = connections();
        List<HttpClient> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            clients.add(bench.newClient());
        }
        phases.warmUp(8, this::direct);
        phases.warmUp(8, i -> keepAlive(warming.get(i)));
        phases.warmUp(8, i -> http(clients.get(i)));
        warming.forEach(KeepAliveHttps::close);
        Phases.Result direct1 = phases.closedLoop("direct Hsm.unwrap", 1, this::direct);
        Phases.Result direct8 = phases.closedLoop("direct Hsm.unwrap", 8, this::direct);
        // The HTTPS phases' clients: one kept-alive HTTP/1.1 connection each (KeepAliveHttps), opened now (the host
        // closes a connection idle for its keep-alive limit); java.net.http's client is measured once beside them, at 8
        // clients, for what the client itself costs the 2-core machine.
        List<KeepAliveHttps> connections = connections();
        Phases.Result http1 = phases.closedLoop("HTTPS unwrapkey", 1, i -> keepAlive(connections.get(i)));
        Phases.Result http8 = phases.closedLoop("HTTPS unwrapkey", 8, i -> keepAlive(connections.get(i)));
        Phases.Result jdk8 = phases.closedLoop("HTTPS unwrapkey, JDK client", 8, i -> http(clients.get(i)));
        double rate = http8.opsPerSecond() / 2;
        Phases.Result fixed = phases.fixedRate("HTTPS unwrapkey @ half peak", 8, rate, i -> keepAlive(connections.get(i)));
        // the limit again after the HTTPS phases: on a shared machine the direct rate moves, and the ratio is taken
        // against the mean of the two
        Phases.Result direct8after = phases.closedLoop("direct Hsm.unwrap, after", 8, this::direct);
        connections.forEach(KeepAliveHttps::close);
        double direct8mean = (direct8.opsPerSecond() + direct8after.opsPerSecond()) / 2;

        System.out.println();
        // server CPU per call: the host's threads only (not the clients', not PostgreSQL's process), which a busy
        // shared machine disturbs far less than throughput; client: the phase's own client threads and java.net.http's (the
        // direct phases' clients call the HSM themselves); process: the whole JVM (server, clients, GC, JIT, the log's thread)
        System.out.printf("%-30s %8s %10s %9s %9s %9s %14s %14s %15s%n", "phase", "clients", "ops/s", "p50 ms", "p99 ms", "max ms",
                "server CPU/op", "client CPU/op", "process CPU/op");
        for (Phases.Result r : List.of(direct1, direct8, http1, http8, jdk8, fixed, direct8after)) {
            System.out.printf("%-30s %8d %10.0f %9.2f %9.2f %9.2f %11.0f us %11.0f us %12.0f us%n", r.name(), r.threads(), r.opsPerSecond(),
                    r.latency().getValueAtPercentile(50) / 1e6, r.latency().getValueAtPercentile(99) / 1e6,
                    r.latency().getMaxValue() / 1e6, r.cpuMicrosPerOp(), r.clientCpuMicrosPerOp(), r.processCpuMicrosPerOp());
        }
        System.out.println();
        System.out.printf("HTTPS/direct at 1 client:  %.0f%%%n", 100 * http1.opsPerSecond() / direct1.opsPerSecond());
        System.out.printf("HTTPS/direct at 8 clients: %.0f%%  (goal >= 70%%; direct %.0f before, %.0f after the HTTPS phases)%n",
                100 * http8.opsPerSecond() / direct8mean, direct8.opsPerSecond(), direct8after.opsPerSecond());
        System.out.printf("HTTPS/direct at 8 clients, java.net.http client: %.0f%%%n",
                100 * jdk8.opsPerSecond() / direct8mean);
        System.out.printf("p99 at %.0f req/s (half of peak): %.2f ms  (goal < 20 ms); errors: %d%n", rate,
                fixed.latency().getValueAtPercentile(99) / 1e6, http1.errors() + http8.errors() + jdk8.errors() + fixed.errors());
    }

    private List<KeepAliveHttps> connections() throws Exception {
        List<KeepAliveHttps> connections = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            connections.add(new KeepAliveHttps(bench.ssl, unwrapUri));
        }
        return connections;
    }

    private void direct(int thread) {
        hsm.unwrap(ref, WrapAlgorithm.RSA_OAEP, wrapped);
    }

    private void keepAlive(KeepAliveHttps connection) throws Exception {
        KeepAliveHttps.Response r = connection.exchange(unwrapRequest);
        if (r.status() != 200 || !r.body().contains("\"value\"")) {
            throw new IllegalStateException("unwrapkey answered " + r.status() + ": " + r.body());
        }
    }

    private void http(HttpClient client) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(unwrapUri)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(unwrapBody)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("unwrapkey answered " + r.statusCode() + ": " + r.body());
        }
    }

}
