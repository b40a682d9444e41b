package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.keyward.devenv.Databases;
import io.keyward.devenv.SoftHsmToken;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The local host killed with SIGKILL and started again with the command {@code ./keyward run} execs
 * ({@code java -cp target/classes:$(cat target/classpath.txt) io.keyward.local.LocalFunctionHost}), on its own
 * embedded PostgreSQL, in three rounds: the JVM killed (its postgres keeps running, orphaned), the postgres killed
 * (then the JVM), both killed at once. Each round ingests records and starts an async operation first; after each
 * restart the host answers, runs its PostgreSQL with fsync on, and serves every record it acknowledged. The
 * operations' end states are reported at the end (and must not stay running past their lease plus a few runs).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrashRestartTest {

    private static final Pattern LISTENING = Pattern.compile("listening on (https://[^\\s]+)");
    private static final Pattern DATABASE = Pattern.compile("database: embedded PostgreSQL at (jdbc:postgresql://\\S+)");
    private static final Duration START_LIMIT = Duration.ofSeconds(120);
    private static final String API = "?api-version=2022-10-01";

    private final JsonMapper json = JsonMapper.createDefault();
    private final List<Process> processes = new ArrayList<>();
    private SoftHsmToken token;
    private Path home;
    private HttpClient http;

    private record Host(Process process, String base, String jdbcUrl, Path log) {
    }

    @AfterAll
    void stop() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (home != null) {
            // stops whatever postgres a failed run left on the directory; the host logs stay for whoever reads a failure
            Databases.startEmbedded(home.resolve(".keyward/postgres"), Map.of()).close();
            try (var paths = Files.walk(home.resolve(".keyward"))) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void theHostStartsAgainAfterEveryKillAndServesEveryAcknowledgedRecord() throws Exception {
        token = SoftHsmToken.init(Path.of("target/softhsm"));
        home = Files.createDirectories(Path.of("target/crash-restart/run-" + ProcessHandle.current().pid()).toAbsolutePath());
        Host host = start("start-0");
        http = HttpClient.newBuilder().sslContext(TestHost.trustOnly(home.resolve(".keyward/tls/truststore.p12"))).connectTimeout(Duration.ofSeconds(10)).build();
        String arm = armToken(host);
        String subscription = UUID.randomUUID().toString();
        String workspace = createWorkspace(host, arm, subscription);
        String cluster = createCluster(host, arm, subscription);
        List<String> acknowledged = new ArrayList<>();
        Map<String, String> operations = new LinkedHashMap<>();
        Map<String, String> beforeKill = new LinkedHashMap<>();

        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 5; i++) {
                String msg = "round-" + round + "-" + i;
                HttpResponse<String> in = ingest(host, arm, workspace, "[{\"msg\":\"" + msg + "\"}]", Duration.ofSeconds(30));
                assertThat(in.statusCode()).as(in.body()).isEqualTo(200);
                acknowledged.add(msg);
            }
            String operation = startLink(host, arm, subscription, cluster);
            operations.put("round " + round, operation);
            beforeKill.put("round " + round, operationStatus(host, arm, operation));

            long postmaster = postmasterPid();
            switch (round) {
                case 0 -> {
                    kill(host.process().toHandle());
                    assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive))
                            .as("the postgres of a killed host lives on, orphaned").contains(true);
                }
                case 1 -> {
                    kill(ProcessHandle.of(postmaster).orElseThrow());
                    // the host without its database acknowledges nothing it could not store (it may also just wait
                    // for a connection until its pool gives up; either way nothing is acknowledged)
                    try {
                        if (ingest(host, arm, workspace, "[{\"msg\":\"round-1-no-database\"}]", Duration.ofSeconds(5))
                                .statusCode() == 200) {
                            acknowledged.add("round-1-no-database");
                        }
                    } catch (java.net.http.HttpTimeoutException e) {
                        // not acknowledged
                    }
                    kill(host.process().toHandle());
                }
                default -> {
                    kill(ProcessHandle.of(postmaster).orElseThrow());
                    kill(host.process().toHandle());
                }
            }

            host = start("restart-" + (round + 1));
            assertThat(setting(host, "fsync")).isEqualTo("on");
            assertThat(setting(host, "synchronous_commit")).isEqualTo("on");
            arm = armToken(host);
            assertThat(messages(host, arm, workspace)).as("after round %d", round).containsAll(acknowledged);
        }

        Map<String, String> ends = new LinkedHashMap<>();
        Host restarted = host;
        String armToken = arm;
        for (Map.Entry<String, String> op : operations.entrySet()) {
            ends.put(op.getKey(), Conditions.until(Duration.ofSeconds(45), Duration.ofMillis(500),
                    () -> operationStatus(restarted, armToken, op.getValue()), s -> !List.of("InProgress", "Updating", "Deleting").contains(s),
                    "operation " + op.getKey() + " ended after the restarts"));
        }
        System.out.println("CrashRestartTest: async operations, status just before each kill " + beforeKill
                + ", after the restarts " + ends);
        assertThat(ends.values()).as("operations interrupted by the kills: %s", ends).allMatch(s -> s.equals("Succeeded")
                || s.equals("Failed") || s.equals("Canceled"));
        host.process().destroy(); // a clean stop: the shutdown hook stops postgres
        assertThat(host.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(home.resolve(".keyward/postgres/postmaster.pid")).as("postgres stopped with the host").doesNotExist();
    }

    // --- the host as a process

    private Host start(String name) throws Exception {
        String classpath = Path.of("target/classes").toAbsolutePath() + java.io.File.pathSeparator
                + Files.readString(Path.of("target/classpath.txt")).trim();
        Path log = home.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, LocalFunctionHost.class.getName());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("KEYWARD_"));
        env.putAll(token.asEnvironment());
        env.put("KEYWARD_HOME", home.toString());
        env.put("KEYWARD_PORT", "0");
        // short leases and a runner every second, so that interrupted operations end within the test
        env.put("KEYWARD_OPERATIONS_LEASE", "5s");
        env.put("KEYWARD_OPERATIONS_SCHEDULE", "* * * * * *");
        env.put("KEYWARD_HEARTBEAT_SCHEDULE", "0 0 * * * *");
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        Process process = pb.start();
        processes.add(process);
        Optional<Host> started = Conditions.until(START_LIMIT, Duration.ofMillis(100), () -> {
            String out = Files.exists(log) ? Files.readString(log) : "";
            Matcher listening = LISTENING.matcher(out);
            Matcher database = DATABASE.matcher(out);
            if (listening.find() && database.find()) {
                return Optional.of(new Host(process, listening.group(1), database.group(1), log));
            }
            if (!process.isAlive()) {
                throw new AssertionError("host " + name + " exited with " + process.exitValue() + ":\n" + tail(out));
            }
            return Optional.<Host>empty();
        }, Optional::isPresent, "host " + name + " listening with its database (log " + log + ")");
        return started.get();
    }

    private static void kill(ProcessHandle p) throws Exception {
        p.destroyForcibly(); // SIGKILL: no shutdown hook, no checkpoint, connections just drop
        p.onExit().get(30, TimeUnit.SECONDS);
    }

    private long postmasterPid() throws IOException {
        return Long.parseLong(Files.readAllLines(home.resolve(".keyward/postgres/postmaster.pid")).get(0).trim());
    }

    private static String setting(Host host, String name) throws Exception {
        try (Connection c = DriverManager.getConnection(host.jdbcUrl()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String tail(String s) {
        return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
    }

    // --- over HTTPS

    private String armToken(Host host) throws Exception {
        Path file = home.resolve(".keyward/identity/operator.json");
        Map<String, Object> operator = json.readValue(Files.readAllBytes(file), Argument.mapOf(String.class, Object.class));
        String form = "grant_type=client_credentials&client_id=" + enc(operator.get("clientId")) + "&client_secret="
                + enc(operator.get("clientSecret")) + "&scope=" + enc(Audiences.ARM + ".default");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(host.base() + "/" + operator.get("tenantId")
                        + "/oauth2/v2.0/token")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return (String) json.readValue(r.body(), Argument.mapOf(String.class, Object.class)).get("access_token");
    }

    private String createWorkspace(Host host, String arm, String subscription) throws Exception {
        HttpResponse<String> put = call(host.base(), "PUT", "/subscriptions/" + subscription
                + "/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/crash-ws" + API, arm,
                "{\"location\":\"westeurope\"}");
        assertThat(put.statusCode()).as(put.body()).isIn(200, 201);
        return (String) properties(put).get("customerId");
    }

    private String createCluster(Host host, String arm, String subscription) throws Exception {
        String id = "/subscriptions/" + subscription + "/resourceGroups/rg/providers/Microsoft.OperationalInsights/clusters/crash-cl";
        HttpResponse<String> cluster = call(host.base(), "PUT", id + API, arm, "{\"location\":\"westeurope\",\"identity\":"
                + "{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":1000}}");
        assertThat(cluster.statusCode()).as(cluster.body()).isIn(200, 201);
        return id;
    }

    /** A workspace made and linked to the cluster: the link is an async operation; returns its status URL. */
    private String startLink(Host host, String arm, String subscription, String cluster) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String group = "/subscriptions/" + subscription + "/resourceGroups/rg/providers/Microsoft.OperationalInsights/";
        HttpResponse<String> ws = call(host.base(), "PUT", group + "workspaces/crash-" + suffix + API, arm,
                "{\"location\":\"westeurope\"}");
        assertThat(ws.statusCode()).as(ws.body()).isIn(200, 201);
        HttpResponse<String> link = call(host.base(), "PUT", group + "workspaces/crash-" + suffix
                + "/linkedServices/cluster?api-version=2020-08-01", arm, "{\"properties\":{\"writeAccessResourceId\":\""
                + cluster + "\"}}");
        assertThat(link.statusCode()).as(link.body()).isIn(200, 201, 202);
        Optional<String> status = link.headers().firstValue("Azure-AsyncOperation");
        assertThat(status).as("Azure-AsyncOperation of the link: %s", link.headers().map()).isPresent();
        return status.get();
    }

    /** The status resource, asked of the host running now (each start listens on a new port). */
    private String operationStatus(Host host, String arm, String url) throws Exception {
        URI started = URI.create(url);
        URI now = URI.create(host.base() + started.getRawPath() + "?" + started.getRawQuery());
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(now).header("Authorization", "Bearer " + arm)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return (String) json.readValue(r.body(), Argument.mapOf(String.class, Object.class)).get("status");
    }

    private HttpResponse<String> ingest(Host host, String arm, String workspace, String records, Duration timeout)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(host.base() + "/api/workspaces/" + workspace + "/logs"))
                .header("Authorization", "Bearer " + arm).header("Content-Type", "application/json").header("Log-Type", "Crash_CL")
                .timeout(timeout).POST(HttpRequest.BodyPublishers.ofString(records)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private List<Object> messages(Host host, String arm, String workspace) throws Exception {
        HttpResponse<String> q = call(host.base(), "GET", "/api/workspaces/" + workspace + "/logs?table=Crash_CL&timespan=PT2H&limit=1000",
                arm, null);
        assertThat(q.statusCode()).as(q.body()).isEqualTo(200);
        List<Map<String, Object>> rows = (List<Map<String, Object>>) json.readValue(q.body(),
                Argument.mapOf(String.class, Object.class)).get("records");
        return rows.stream().map(r -> r.get("msg")).toList();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> properties(HttpResponse<String> r) throws IOException {
        return (Map<String, Object>) json.readValue(r.body(), Argument.mapOf(String.class, Object.class)).get("properties");
    }

    private HttpResponse<String> call(String base, String method, String path, String bearer, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + bearer)
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(Object s) {
        return URLEncoder.encode(String.valueOf(s), StandardCharsets.UTF_8);
    }
}
