package io.keyward.bench;

import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.VaultService;
import io.keyward.app.vault.keys.KeyName;
import io.keyward.app.vault.keys.VaultKeys;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.WrapAlgorithm;
import io.keyward.local.LocalFunctionHost;
import io.micronaut.azure.function.AzureFunction;
import io.micronaut.context.ApplicationContext;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.HdrHistogram.Histogram;

/**
 * Key Vault {@code unwrapkey} through the whole local stack (HTTPS, token validation, vault and key lookup in
 * PostgreSQL, the HSM) beside crypto-hsm's own {@code Hsm.unwrap} in the same process, on the same token and key:
 * the gap is what the function path costs. Then a fixed-rate phase at half the measured HTTPS peak, whose latency
 * is measured from each request's intended start (so a stalled server is not hidden by a waiting client).
 *
 * <p>Plain main, not JMH: the subject is a server with its own threads, measured from outside. Run by
 * {@code bench/unwrap-http.sh}.
 */
public final class UnwrapOverHttps {
    private static final String TENANT = "b0000000-0000-4000-8000-0000000be0c1";
    private static final String SUBSCRIPTION = "b0000000-0000-4000-8000-0000000005b1";
    private static final String VAULT = "kwbench";
    private static final Pattern JSON_STRING = Pattern.compile("\"(%s)\"\\s*:\\s*\"([^\"]*)\"");

    private final Duration warmup;
    private final Duration measure;
    private LocalFunctionHost host;
    private SSLContext ssl;
    private String token;
    private URI unwrapUri;
    private String unwrapBody;
    private Hsm hsm;
    private KeyVersionRef ref;
    private byte[] wrapped;

    private UnwrapOverHttps(Duration warmup, Duration measure) {
        this.warmup = warmup;
        this.measure = measure;
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        // 10 s of warm-up per phase: with less, the first HTTPS phase measures the interpreter (Micronaut's request
        // path is large and compiles late).
        UnwrapOverHttps bench = new UnwrapOverHttps(Duration.ofSeconds(Math.max(10, seconds)),
                Duration.ofSeconds(seconds));
        try {
            bench.setUp(Path.of(args.length > 1 ? args[1] : "bench/target/host-home"));
            bench.run();
        } finally {
            if (bench.host != null) {
                bench.host.close();
            }
        }
        System.exit(0);
    }

    private void setUp(Path home) throws Exception {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("KEYWARD_PORT", "0");
        env.put("KEYWARD_HOME", home.toAbsolutePath().toString());
        host = LocalFunctionHost.start(env);
        ssl = trustOnly(host.truststore());
        ApplicationContext context = ContextOfTheHost.get();

        ClientCredentials client = context.getBean(IdentityService.class).registerClient(TENANT, "unwrap-bench");
        String armToken = token(client, Audiences.ARM);
        String vaultBody = "{\"location\":\"westeurope\",\"properties\":{\"tenantId\":\"" + TENANT + "\","
                + "\"sku\":{\"family\":\"A\",\"name\":\"premium\"},\"accessPolicies\":[{\"tenantId\":\"" + TENANT
                + "\",\"objectId\":\"" + client.principal().objectId() + "\",\"permissions\":{\"keys\":[\"all\"]}}],"
                + "\"enableSoftDelete\":true,\"softDeleteRetentionInDays\":7}}";
        HttpResponse<String> vault = send(HttpRequest.newBuilder(host.baseUri().resolve("/subscriptions/" + SUBSCRIPTION
                        + "/resourceGroups/bench/providers/Microsoft.KeyVault/vaults/" + VAULT + "?api-version=2023-07-01"))
                .header("Authorization", "Bearer " + armToken).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(vaultBody)).build());
        require(vault, 200, 201);

        token = token(client, Audiences.KEY_VAULT);
        URI vaultUri = URI.create("https://" + VAULT + ".vault.localhost:" + host.port() + "/");
        String keyName = "bench-" + Long.toHexString(System.nanoTime());
        HttpResponse<String> created = send(HttpRequest.newBuilder(vaultUri.resolve("keys/" + keyName
                        + "/create?api-version=7.6"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"kty\":\"RSA-HSM\",\"key_size\":2048}")).build());
        require(created, 200);
        String kid = field(created.body(), "kid");
        BigInteger n = new BigInteger(1, Base64.getUrlDecoder().decode(field(created.body(), "n")));
        BigInteger e = new BigInteger(1, Base64.getUrlDecoder().decode(field(created.body(), "e")));

        // Wrapped by the public key outside the vault, as an SDK with key caching does.
        RSAPublicKey pub = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
        oaep.init(Cipher.ENCRYPT_MODE, pub);
        wrapped = oaep.doFinal(new byte[32]);
        unwrapUri = URI.create(kid + "/unwrapkey?api-version=7.6");
        unwrapBody = "{\"alg\":\"RSA-OAEP\",\"value\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(wrapped)
                + "\"}";

        hsm = context.getBean(Hsm.class);
        Vault v = context.getBean(VaultService.class).findActiveByName(VAULT).orElseThrow();
        ref = context.getBean(VaultKeys.class).get(v, client.principal(), new KeyName(keyName), null).hsmRef();
        if (hsm.unwrap(ref, WrapAlgorithm.RSA_OAEP, wrapped).length != 32) {
            throw new IllegalStateException("direct unwrap gave a wrong length");
        }
    }

    private void run() throws Exception {
        System.out.printf("RSA-2048 RSA-OAEP unwrap, %s per phase after %s warm-up, %d cores%n", measure, warmup,
                Runtime.getRuntime().availableProcessors());
        Result direct1 = closedLoop("direct Hsm.unwrap", 1, this::direct);
        Result direct8 = closedLoop("direct Hsm.unwrap", 8, this::direct);
        List<HttpClient> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            clients.add(HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build());
        }
        Result http1 = closedLoop("HTTPS unwrapkey", 1, i -> http(clients.get(i)));
        Result http8 = closedLoop("HTTPS unwrapkey", 8, i -> http(clients.get(i)));
        double rate = http8.opsPerSecond() / 2;
        Result fixed = fixedRate("HTTPS unwrapkey @ half peak", 8, rate, i -> http(clients.get(i)));

        System.out.println();
        System.out.printf("%-30s %8s %10s %9s %9s %9s%n", "phase", "clients", "ops/s", "p50 ms", "p99 ms", "max ms");
        for (Result r : List.of(direct1, direct8, http1, http8, fixed)) {
            System.out.printf("%-30s %8d %10.0f %9.2f %9.2f %9.2f%n", r.name, r.threads, r.opsPerSecond(),
                    r.latency.getValueAtPercentile(50) / 1e6, r.latency.getValueAtPercentile(99) / 1e6,
                    r.latency.getMaxValue() / 1e6);
        }
        System.out.println();
        System.out.printf("HTTPS/direct at 1 client:  %.0f%%%n", 100 * http1.opsPerSecond() / direct1.opsPerSecond());
        System.out.printf("HTTPS/direct at 8 clients: %.0f%%  (goal >= 70%%)%n",
                100 * http8.opsPerSecond() / direct8.opsPerSecond());
        System.out.printf("p99 at %.0f req/s (half of peak): %.2f ms  (goal < 20 ms); errors: %d%n", rate,
                fixed.latency.getValueAtPercentile(99) / 1e6, http1.errors + http8.errors + fixed.errors);
    }

    interface Op {
        void run(int thread) throws Exception;
    }

    record Result(String name, int threads, long ops, Duration elapsed, Histogram latency, long errors) {
        double opsPerSecond() {
            return ops / (elapsed.toNanos() / 1e9);
        }
    }

    private void direct(int thread) {
        hsm.unwrap(ref, WrapAlgorithm.RSA_OAEP, wrapped);
    }

    private void http(HttpClient client) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(unwrapUri)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(unwrapBody)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("unwrapkey answered " + r.statusCode() + ": " + r.body());
        }
    }

    private Result closedLoop(String name, int threads, Op op) throws Exception {
        return phase(name, threads, op, 0);
    }

    private Result fixedRate(String name, int threads, double perSecond, Op op) throws Exception {
        return phase(name, threads, op, perSecond);
    }

    /** Threads loop on {@code op}; with a rate, each thread keeps its share of it on a fixed schedule. */
    private Result phase(String name, int threads, Op op, double perSecond) throws Exception {
        long warmupEnd = System.nanoTime() + warmup.toNanos();
        long end = warmupEnd + measure.toNanos();
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
                                System.err.println(name + ": " + e.getMessage());
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
                    done.countDown();
                }
            }, "bench-" + t);
            worker.start();
        }
        done.await();
        Histogram all = new Histogram(60_000_000_000L, 3);
        for (Histogram h : histograms) {
            all.add(h);
        }
        Result r = new Result(name, threads, ops.get(), measure, all, errors.get());
        System.out.printf("  %-30s %d clients: %.0f ops/s, p50 %.2f ms, p99 %.2f ms%n", name, threads,
                r.opsPerSecond(), all.getValueAtPercentile(50) / 1e6, all.getValueAtPercentile(99) / 1e6);
        return r;
    }

    private String token(ClientCredentials c, String audience) throws Exception {
        String scope = (audience.endsWith("/") ? audience : audience + "/") + ".default";
        String form = "grant_type=client_credentials&client_id=" + enc(c.clientId()) + "&client_secret="
                + enc(c.clientSecret()) + "&scope=" + enc(scope);
        HttpResponse<String> r = send(HttpRequest.newBuilder(host.baseUri().resolve("/" + c.tenantId()
                        + "/oauth2/v2.0/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
        require(r, 200);
        return field(r.body(), "access_token");
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return HttpClient.newBuilder().sslContext(ssl).build().send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void require(HttpResponse<String> r, int... ok) {
        for (int s : ok) {
            if (r.statusCode() == s) {
                return;
            }
        }
        throw new IllegalStateException(r.request().method() + " " + r.uri() + " answered " + r.statusCode() + ": "
                + r.body());
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile(String.format(JSON_STRING.pattern(), Pattern.quote(name))).matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(2);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static SSLContext trustOnly(Path truststore) throws Exception {
        try (InputStream in = Files.newInputStream(truststore)) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(in, LocalFunctionHost.truststorePassword().toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        }
    }

    /** micronaut-azure keeps the function app's one context in a protected static; only a subclass may read it. */
    private abstract static class ContextOfTheHost extends AzureFunction {
        static ApplicationContext get() {
            return applicationContext;
        }
    }
}
