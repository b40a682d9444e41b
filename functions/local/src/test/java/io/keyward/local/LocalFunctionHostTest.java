package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyward.devenv.SoftHsmToken;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The host in-process on an ephemeral port, over embedded PostgreSQL and a SoftHSM2 token, called by a client
 * that trusts nothing but the host's generated trust store.
 */
class LocalFunctionHostTest {

    private static LocalFunctionHost host;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        SoftHsmToken token = SoftHsmToken.init(Path.of("target/softhsm"));
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(token.asEnvironment());
        env.put("KEYWARD_PORT", "0");
        // State of this test under target/, never the developer's own .keyward/
        env.put("KEYWARD_HOME", Path.of("target/host-home").toAbsolutePath().toString());
        host = LocalFunctionHost.start(env);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(host.truststore())) {
            trust.load(in, LocalFunctionHost.truststorePassword().toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        client = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (host != null) {
            host.close();
        }
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
    void unknownRoutesAndMethodsAre404() throws Exception {
        assertThat(get("/no/such/route").statusCode()).isEqualTo(404);
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(host.baseUri().resolve("/health/ping"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(404);
    }

    @Test
    void deepHealthReadsTheToken() throws Exception {
        HttpResponse<String> r = get("/health/hsm");

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
