package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyward.app.identity.Audiences;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The host in-process on an ephemeral port, over embedded PostgreSQL and a SoftHSM2 token ({@link TestHost}),
 * called by a client that trusts nothing but the host's generated trust store.
 */
class LocalFunctionHostTest {

    private static final String TENANT = "7e57c0de-0000-4000-8000-000000000e11";

    private static LocalFunctionHost host;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        // One host per test JVM (one function context, one PKCS#11 binding): the shared one of every HTTP test.
        host = TestHost.get().host();
        client = TestHost.get().http();
    }

    @Test
    void servesPingOverTls() throws Exception {
        HttpResponse<String> r = get("/health/ping");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"status\":\"ok\"}");
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        assertThat(host.baseUri().toString()).startsWith("https://127.0.0.1:");
        assertThat(Files.readString(host.caPem())).startsWith("-----BEGIN CERTIFICATE-----");
    }

    @Test
    void unknownRoutesAndOtherMethodsAnswerInTheErrorEnvelope() throws Exception {
        // no function takes the path: the app answers it, and without a token that is 401 before anything else
        HttpResponse<String> unknown = get("/no/such/route");
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(unknown.body()).startsWith("{\"error\":{\"code\":\"AuthenticationFailed\"");
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(host.baseUri().resolve("/health/ping"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        // another method of an anonymous route is no route either (405 with a token: WireEnvelopeTest)
        assertThat(post.statusCode()).isEqualTo(401);
        assertThat(post.body()).startsWith("{\"error\":{\"code\":\"AuthenticationFailed\"");
    }

    @Test
    void deepHealthReadsTheTokenForAuthenticatedCallersOnly() throws Exception {
        assertThat(get("/health/hsm").statusCode()).isEqualTo(401);

        String token = TestHost.get().token(TestHost.get().newClient(TENANT, "health-reader"), Audiences.ARM);
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(host.baseUri().resolve("/health/hsm"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"ok\":true").contains("\"model\":\"SoftHSM v2\"");
    }

    @Test
    void clientsThatDoNotTrustTheLocalCaAreRefused() {
        HttpClient defaultTrust = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> defaultTrust.send(HttpRequest.newBuilder(host.baseUri().resolve("/health/ping")).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void firesTheHeartbeatTimerOnDemand() throws Exception {
        Instant before = lastBeat().orElse(Instant.EPOCH);

        host.fireTimer("Host_Heartbeat");
        Instant first = lastBeat().orElseThrow();
        assertThat(first).isAfter(before);
        assertThat(hsmOk()).isTrue();

        HttpResponse<String> r = client.send(HttpRequest.newBuilder(host.baseUri().resolve("/admin/functions/Host_Heartbeat"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(lastBeat().orElseThrow()).isAfter(first);

        HttpResponse<String> unknown = client.send(HttpRequest.newBuilder(host.baseUri().resolve("/admin/functions/Nope"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(host.baseUri().resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static java.util.Optional<Instant> lastBeat() throws Exception {
        return query("last_beat").map(o -> ((Timestamp) o).toInstant());
    }

    private static boolean hsmOk() throws Exception {
        return (Boolean) query("hsm_ok").orElseThrow();
    }

    /** The app's default instance id is the JVM's "pid@host", and the host runs in this JVM. */
    private static java.util.Optional<Object> query(String column) throws Exception {
        var db = host.database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM host_heartbeat WHERE instance_id = ?")) {
            ps.setString(1, ManagementFactory.getRuntimeMXBean().getName());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? java.util.Optional.of(rs.getObject(1)) : java.util.Optional.empty();
            }
        }
    }
}
