package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.keyward.devenv.Databases;
import io.keyward.devenv.LocalDatabase;
import io.keyward.devenv.SoftHsmToken;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Async operations across real processes: the local function host started as its own JVM
 * ({@code java -cp target/classes:$(cat target/classpath.txt) io.keyward.local.LocalFunctionHost}), killed with
 * SIGKILL in the middle of a step and started again; and two hosts on one database running many operations at once.
 * The operations are of the scripted test-only kind ({@code arm.ScriptedOperationHandler}, enabled by
 * {@code KEYWARD_OPERATIONS_TEST_HANDLERS=true}); its side-effect tables show which steps started and which committed.
 * The database is an embedded PostgreSQL this test owns, with a fresh database per test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperationsProcessTest {

    private static final Pattern LISTENING = Pattern.compile("listening on (https://[^\\s]+)");
    private static final Pattern JSON_FIELD = Pattern.compile("\"(\\w+)\"\\s*:\\s*\"([^\"]*)\"");
    private static final String SUBSCRIPTION = "5b0f3e2c-0000-4000-8000-0000000c7a54";
    private static final String PROVIDER = "Microsoft.OperationalInsights";
    private static final Duration START_LIMIT = Duration.ofSeconds(60);

    private LocalDatabase server;
    private SoftHsmToken token;
    private final List<Host> hosts = new ArrayList<>();
    private Path work;

    @BeforeAll
    void startDatabase() throws IOException {
        token = SoftHsmToken.init(Path.of("target/softhsm"));
        // A directory per run: two builds in one work tree must not share a cluster or kill each other's hosts.
        work = Files.createDirectories(Path.of("target/operations-processes/run-" + ProcessHandle.current().pid()).toAbsolutePath());
        // Always embedded: the test drops and creates databases, which a shared KEYWARD_DATABASE_URL must not see.
        server = Databases.startEmbedded(work.resolve("postgres"));
    }

    @AfterAll
    void stopDatabase() throws IOException {
        if (server != null) {
            server.close();
        }
        // The hosts' logs stay for whoever reads a failure; the cluster and the homes (credentials) go.
        for (String dir : List.of("postgres", "crash-home", "pair-home-a", "pair-home-b")) {
            deleteTree(work.resolve(dir));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @AfterEach
    void stopHosts() throws InterruptedException {
        for (Host h : hosts) {
            h.process.destroyForcibly();
            h.process.waitFor(10, TimeUnit.SECONDS);
        }
        hosts.clear();
    }

    @Test
    void aHostKilledMidStepFinishesTheOperationOnceAfterRestart() throws Exception {
        String db = freshDatabase("ops_crash");
        Path home = Files.createDirectories(work.resolve("crash-home"));
        Host first = start("crash-1", db, home);
        scriptTables(db);
        Map<String, String> operator = operator(home);
        UUID id = insertOperation(db, operator.get("tenantId"), "{\"steps\":4,\"slowStep\":2,\"slowMillis\":60000}");

        waitFor("step 2 to start in the first host", Duration.ofSeconds(20), () -> attempts(db, id, 2) >= 1);
        first.process.destroyForcibly(); // SIGKILL: no shutdown hook, no rollback by the host, connections just drop
        assertThat(first.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(effects(db, id)).as("steps 0 and 1 committed before the kill").containsExactly(0, 1);
        assertThat(status(db, id)).isEqualTo("InProgress");

        Host second = start("crash-2", db, home);
        waitFor("the operation to end in the second host", Duration.ofSeconds(30),
                () -> !"InProgress".equals(status(db, id)));

        assertThat(status(db, id)).isEqualTo("Succeeded");
        assertThat(effects(db, id)).as("every step committed exactly once").containsExactly(0, 1, 2, 3);
        assertThat(steps(db, id)).containsExactly(0, 1, 2, 3);
        assertThat(attempts(db, id, 2)).as("step 2 was started by the killed host and again after the restart").isEqualTo(2);
        assertThat(attempts(db, id, 3)).isEqualTo(1);

        // The status resources, over HTTPS with a real token of the operation's tenant.
        HttpClient http = HttpClient.newBuilder().sslContext(trust(home)).connectTimeout(Duration.ofSeconds(5)).build();
        String bearer = accessToken(http, second.base, operator);
        String location = second.base + "/subscriptions/" + SUBSCRIPTION + "/providers/" + PROVIDER + "/locations/westeurope/";
        HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(location + "operationStatuses/" + id
                + "?api-version=2022-10-01")).header("Authorization", "Bearer " + bearer).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        assertThat(status.body()).contains("\"status\":\"Succeeded\"").contains("\"name\":\"" + id + "\"")
                .contains("\"percentComplete\":100");
        HttpResponse<String> result = http.send(HttpRequest.newBuilder(URI.create(location + "operationResults/" + id
                + "?api-version=2022-10-01")).header("Authorization", "Bearer " + bearer).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(result.statusCode()).isEqualTo(204);
        HttpResponse<String> noVersion = http.send(HttpRequest.newBuilder(URI.create(location + "operationStatuses/" + id))
                .header("Authorization", "Bearer " + bearer).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noVersion.statusCode()).isEqualTo(400);
        assertThat(noVersion.body()).contains("MissingApiVersionParameter");
    }

    @Test
    void twoHostsOnOneDatabaseNeverRunAStepTwice() throws Exception {
        String db = freshDatabase("ops_pair");
        Path homeA = Files.createDirectories(work.resolve("pair-home-a"));
        Path homeB = Files.createDirectories(work.resolve("pair-home-b"));
        // Started together; Flyway's lock serialises their migrations of the fresh database.
        Host a = launch("pair-a", db, homeA);
        Host b = launch("pair-b", db, homeB);
        awaitListening(a);
        awaitListening(b);
        scriptTables(db);

        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            // Two of them have a step that outlives the lease: the other host takes over and the first one's
            // commit must fail its guard.
            String script = i % 12 == 5 ? "{\"steps\":5,\"slowStep\":1,\"slowMillis\":4000}" : "{\"steps\":5}";
            ids.add(insertOperation(db, "55555555-5555-5555-5555-555555555555", script));
        }
        waitFor("all operations to end", Duration.ofSeconds(40), () -> ids.stream().noneMatch(id -> "InProgress".equals(status(db, id))));

        Set<String> runners = new HashSet<>();
        for (UUID id : ids) {
            assertThat(status(db, id)).isEqualTo("Succeeded");
            assertThat(effects(db, id)).as("operation %s: each step's write committed once", id).containsExactly(0, 1, 2, 3, 4);
            assertThat(steps(db, id)).containsExactly(0, 1, 2, 3, 4);
            runners.addAll(stepRunners(db, id));
        }
        assertThat(runners).as("both hosts ran steps").hasSize(2);
        int slowAttempts = 0;
        for (int i = 5; i < ids.size(); i += 12) {
            slowAttempts += attempts(db, ids.get(i), 1);
        }
        assertThat(slowAttempts).as("the slow steps ran again after their leases ran out").isEqualTo(4);
    }

    // --- hosts

    private record Host(String name, Process process, Path log, String base) {
    }

    private Host start(String name, String db, Path home) throws Exception {
        return awaitListening(launch(name, db, home));
    }

    private Host launch(String name, String db, Path home) throws IOException {
        String classpath = Path.of("target/classes").toAbsolutePath() + java.io.File.pathSeparator
                + Files.readString(Path.of("target/classpath.txt")).trim();
        Path log = work.resolve(name + ".log");
        Files.deleteIfExists(log);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath, LocalFunctionHost.class.getName());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("KEYWARD_"));
        env.putAll(token.asEnvironment());
        env.put("KEYWARD_HOME", home.toString());
        env.put("KEYWARD_PORT", "0");
        env.put("KEYWARD_DATABASE_URL", jdbcUrl(db));
        env.put("KEYWARD_DATABASE_USER", server.user());
        env.put("KEYWARD_DATABASE_PASSWORD", server.password());
        env.put("KEYWARD_OPERATIONS_TEST_HANDLERS", "true");
        env.put("KEYWARD_OPERATIONS_LEASE", "3s");
        env.put("KEYWARD_OPERATIONS_RUN_BUDGET", "5s");
        env.put("KEYWARD_OPERATIONS_SCHEDULE", "* * * * * *"); // every second
        env.put("KEYWARD_HEARTBEAT_SCHEDULE", "0 0 * * * *");
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        Host host = new Host(name, pb.start(), log, null);
        hosts.add(host);
        return host;
    }

    private Host awaitListening(Host host) throws Exception {
        Optional<String> address = Conditions.until(START_LIMIT, Duration.ofMillis(100), () -> {
            String out = Files.exists(host.log) ? Files.readString(host.log) : "";
            Matcher m = LISTENING.matcher(out);
            if (m.find()) {
                return Optional.of(m.group(1));
            }
            if (!host.process.isAlive()) {
                throw new AssertionError("host " + host.name + " exited with " + host.process.exitValue() + ":\n" + tail(out));
            }
            return Optional.<String>empty();
        }, Optional::isPresent, "host " + host.name + " listening (log " + host.log + ")");
        Host ready = new Host(host.name, host.process, host.log, address.get());
        hosts.set(hosts.indexOf(host), ready);
        return ready;
    }

    private static String tail(String s) {
        return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
    }

    // --- database

    private String jdbcUrl(String db) {
        // zonky's URL names the "postgres" database: jdbc:postgresql://localhost:<port>/postgres?user=postgres
        return server.jdbcUrl().replaceFirst("/postgres(\\?|$)", "/" + db + "$1");
    }

    private String freshDatabase(String db) throws SQLException {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + db);
        }
        return db;
    }

    /** The scripted handler's tables; after the first host migrated the database (Flyway wants it empty before). */
    private void scriptTables(String db) throws SQLException {
        try (Connection c = connect(db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS scripted_operation_attempts (operation_id uuid, step int, runner text)");
            s.execute("CREATE TABLE IF NOT EXISTS scripted_operation_effects (operation_id uuid, step int, runner text)");
        }
    }

    private Connection connect(String db) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(db), server.user(), server.password());
    }

    /** As {@code AsyncOperations.start} writes it; the test plays the controller that started it. */
    private UUID insertOperation(String db, String tenant, String payload) throws SQLException {
        UUID id = UUID.randomUUID();
        try (Connection c = connect(db); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO async_operations (id, provider, location, subscription_id, tenant_id, resource_id, kind, status, payload,"
                        + " not_before, start_time, updated_at) VALUES (?, ?, 'westeurope', ?, ?, ?, 'test.scripted', 'InProgress', ?,"
                        + " clock_timestamp(), clock_timestamp(), clock_timestamp())")) {
            ps.setObject(1, id);
            ps.setString(2, PROVIDER);
            ps.setString(3, SUBSCRIPTION);
            ps.setString(4, tenant);
            ps.setString(5, "/subscriptions/" + SUBSCRIPTION + "/resourceGroups/rg/providers/" + PROVIDER + "/clusters/c-" + id);
            ps.setString(6, payload);
            ps.executeUpdate();
        }
        return id;
    }

    private String status(String db, UUID id) {
        return single(db, "SELECT status FROM async_operations WHERE id = ?", id);
    }

    private int attempts(String db, UUID id, int step) {
        try (Connection c = connect(db); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM scripted_operation_attempts WHERE operation_id = ? AND step = ?")) {
            ps.setObject(1, id);
            ps.setInt(2, step);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<Integer> effects(String db, UUID id) throws SQLException {
        return ints(db, "SELECT step FROM scripted_operation_effects WHERE operation_id = ? ORDER BY step", id);
    }

    private List<Integer> steps(String db, UUID id) throws SQLException {
        return ints(db, "SELECT step FROM async_operation_steps WHERE operation_id = ? ORDER BY step", id);
    }

    /** The instances (lease owners without their claim ids) that committed steps of {@code id}. */
    private Set<String> stepRunners(String db, UUID id) throws SQLException {
        Set<String> out = new HashSet<>();
        try (Connection c = connect(db); PreparedStatement ps = c.prepareStatement(
                "SELECT split_part(runner, '#', 1) FROM async_operation_steps WHERE operation_id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private List<Integer> ints(String db, String sql, UUID id) throws SQLException {
        List<Integer> out = new ArrayList<>();
        try (Connection c = connect(db); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getInt(1));
                }
            }
        }
        return out;
    }

    private String single(String db, String sql, UUID id) {
        try (Connection c = connect(db); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void waitFor(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        Conditions.await(limit, condition, what);
    }

    // --- identity over HTTPS

    /** The operator's credentials, which the host writes on its first start (OperatorBootstrap). */
    private static Map<String, String> operator(Path home) throws Exception {
        Path file = home.resolve(".keyward/identity/operator.json");
        waitFor("the operator file", Duration.ofSeconds(10), () -> Files.isRegularFile(file));
        Map<String, String> fields = new HashMap<>();
        Matcher m = JSON_FIELD.matcher(Files.readString(file));
        while (m.find()) {
            fields.put(m.group(1), m.group(2));
        }
        return fields;
    }

    private static String accessToken(HttpClient http, String base, Map<String, String> operator) throws Exception {
        String form = "grant_type=client_credentials&client_id=" + enc(operator.get("clientId")) + "&client_secret="
                + enc(operator.get("clientSecret")) + "&scope=" + enc(Audiences.ARM + ".default");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/" + operator.get("tenantId") + "/oauth2/v2.0/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static SSLContext trust(Path home) throws Exception {
        try (InputStream in = Files.newInputStream(home.resolve(".keyward/tls/truststore.p12"))) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, LocalFunctionHost.truststorePassword().toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
