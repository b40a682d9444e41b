package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17: authentication before the body, body caps by surface, malformed requests answered in the surface's
 * envelope, connection caps per client address.
 */
class RequestLimitsTest {

    private static final String TENANT = "7e57c0de-0000-4000-8000-00000011e175";
    private static final String SUBSCRIPTION = "11e17500-0000-4000-8000-000000000001";
    private static final String ARM_PUT = "/subscriptions/" + SUBSCRIPTION
            + "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/bigvault?api-version=2023-07-01";
    private static final long TWO_HUNDRED_MB = 200L * 1024 * 1024;

    private static TestHost host;
    private static ServerLimits limits;
    private static String armToken;
    private static String vaultToken;

    @BeforeAll
    static void start() {
        host = TestHost.get();
        limits = host.host().server().limits;
        var client = host.owner(host.newClient(TENANT, "request-limits"), SUBSCRIPTION);
        armToken = host.token(client, Audiences.ARM);
        vaultToken = host.token(client, Audiences.KEY_VAULT);
    }

    @Test
    void aTwoHundredMegabyteBodyWithoutATokenIsRefusedBeforeItIsRead() throws Exception {
        for (boolean chunked : new boolean[] {true, false}) {
            Upload upload = upload(RawHttps.loopback(4), ARM_PUT, RawHttps.authority(), null, TWO_HUNDRED_MB, chunked);

            assertThat(upload.response().status()).as("chunked " + chunked).isEqualTo(401);
            assertThat(upload.response().header("WWW-Authenticate")).startsWith("Bearer authorization_uri=");
            assertThat(upload.response().body()).contains("\"code\":\"AuthenticationFailed\"");
            // what the client got into the sockets before the host closed: its own and the host's kernel buffers
            // (a few MB on loopback) and the host's short drain, never the body
            assertThat(upload.sent()).as("bytes the client could send, chunked " + chunked).isLessThan(32L * 1024 * 1024);
        }
    }

    @Test
    void anAuthenticatedBodyOverItsSurfacesCapIs413WithTheEnvelope() throws Exception {
        String auth = "Bearer " + armToken;
        Upload declared = upload(RawHttps.loopback(5), ARM_PUT, RawHttps.authority(), auth, limits.maxArmBody() + 1, false);
        assertThat(declared.response().status()).isEqualTo(413);
        assertThat(declared.response().body()).contains("{\"error\":{\"code\":\"RequestEntityTooLarge\"");

        Upload chunked = upload(RawHttps.loopback(5), ARM_PUT, RawHttps.authority(), auth, TWO_HUNDRED_MB, true);
        assertThat(chunked.response().status()).isEqualTo(413);
        assertThat(chunked.response().body()).contains("\"code\":\"RequestEntityTooLarge\"");
        assertThat(chunked.sent()).isLessThan(limits.maxArmBody() + 32L * 1024 * 1024);

        // a vault host has Key Vault's much smaller cap; the same size passes on ARM and reaches the function
        String vaultHost = "kwlimits.vault.localhost:" + host.host().port();
        Upload vault = upload(RawHttps.loopback(5), "/keys/k/0123456789abcdef0123456789abcdef/unwrapkey?api-version=7.5",
                vaultHost, "Bearer " + vaultToken, limits.maxVaultBody() + 1, false);
        assertThat(vault.response().status()).isEqualTo(413);
        assertThat(vault.response().body()).contains("\"code\":\"RequestEntityTooLarge\"");
        Upload atCap = upload(RawHttps.loopback(5), ARM_PUT, RawHttps.authority(), auth, limits.maxVaultBody() + 1, false);
        assertThat(atCap.response().status()).as(atCap.response().body()).isEqualTo(400);
    }

    @Test
    void malformedEscapesAndRequestLinesAnswerTheSurfacesEnvelope() throws Exception {
        String vaultHost = "kwlimits.vault.localhost:" + host.host().port();
        assertEnvelope(send("GET /keys/%ZZ?api-version=7.5 HTTP/1.1\r\nHost: " + vaultHost + "\r\n\r\n"), 400, "BadParameter");
        assertEnvelope(send("GET /keys/k?api-version=%G1 HTTP/1.1\r\nHost: " + vaultHost + "\r\n\r\n"), 400, "BadParameter");
        assertEnvelope(send("GET /subscriptions/%ZZ/providers/Microsoft.KeyVault/vaults?api-version=2023-07-01 HTTP/1.1\r\nHost: "
                + RawHttps.authority() + "\r\n\r\n"), 400, "BadRequest");
        assertEnvelope(send("GET /health/ping HTTP/1.1\r\nHost: bad host name\r\n\r\n"), 400, "BadRequest");
        assertEnvelope(send("GET /health/ping HTTP/1.1 and more\r\nHost: " + RawHttps.authority() + "\r\n\r\n"), 400, "BadRequest");
        assertEnvelope(send("GET /" + "a".repeat(FunctionServer.MAX_REQUEST_LINE) + " HTTP/1.1\r\nHost: "
                + RawHttps.authority() + "\r\n\r\n"), 414, "BadRequest");
        assertEnvelope(send("GET /health/ping HTTP/1.1\r\nHost: " + RawHttps.authority() + "\r\nX-Big: "
                + "b".repeat(FunctionServer.MAX_HEADERS) + "\r\n\r\n"), 431, "BadRequest");
    }

    @Test
    void connectionsOverTheCapOfOneAddressAreRefusedUntilOneCloses() throws Exception {
        InetAddress client = RawHttps.loopback(9);
        FunctionServer server = host.host().server();
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < limits.maxConnectionsPerAddress(); i++) {
                held.add(RawHttps.tcp(client));
            }
            Conditions.await(Duration.ofSeconds(10), () -> server.openConnections(client) == limits.maxConnectionsPerAddress(),
                    "every connection up to the cap accepted");

            try (Socket excess = RawHttps.tcp(client)) {
                excess.setSoTimeout(5000);
                assertThat(excess.getInputStream().read()).as("the host closes a connection over the cap").isEqualTo(-1);
            }
            assertThat(server.openConnections(client)).isEqualTo(limits.maxConnectionsPerAddress());
            // another address is not affected
            try (RawHttps other = RawHttps.open(RawHttps.loopback(10))) {
                other.write("GET /health/ping HTTP/1.1\r\nHost: " + RawHttps.authority() + "\r\n\r\n");
                assertThat(other.response().status()).isEqualTo(200);
            }

            held.remove(0).close();
            Conditions.await(Duration.ofSeconds(10), () -> server.openConnections(client) < limits.maxConnectionsPerAddress(),
                    "a closed connection frees its place");
            try (RawHttps again = RawHttps.open(client)) {
                again.write("GET /health/ping HTTP/1.1\r\nHost: " + RawHttps.authority() + "\r\n\r\n");
                assertThat(again.response().status()).isEqualTo(200);
            }
            // the ones that never started TLS are closed by the handshake limit
            Conditions.await(limits.handshakeTimeout().plusSeconds(10), () -> server.openConnections(client) == 0,
                    "connections without a TLS handshake closed");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    private record Upload(RawHttps.Response response, long sent) {
    }

    /** Sends {@code size} body bytes as fast as the host takes them while reading its answer on the side. */
    private static Upload upload(InetAddress from, String target, String hostHeader, String authorization, long size,
                                 boolean chunked) throws Exception {
        try (RawHttps c = RawHttps.open(from)) {
            c.write((target.contains("/unwrapkey") ? "POST " : "PUT ") + target + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nContent-Type: application/json\r\n"
                    + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + size + "\r\n") + "\r\n");
            CompletableFuture<RawHttps.Response> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return c.response();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            AtomicLong sent = new AtomicLong();
            byte[] block = new byte[64 * 1024];
            Arrays.fill(block, (byte) ' ');
            byte[] chunkHead = (Integer.toHexString(block.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            try {
                while (sent.get() < size && !answer.isDone()) {
                    int n = (int) Math.min(block.length, size - sent.get());
                    if (chunked) {
                        c.write(chunkHead);
                        c.write(block);
                        c.write("\r\n");
                    } else {
                        c.write(n == block.length ? block : Arrays.copyOf(block, n));
                    }
                    sent.addAndGet(n);
                }
                if (chunked && sent.get() >= size) {
                    c.write("0\r\n\r\n");
                }
            } catch (IOException closedByTheHost) {
                // expected: the host stopped reading and closed
            }
            return new Upload(answer.get(60, TimeUnit.SECONDS), sent.get());
        }
    }

    private static RawHttps.Response send(String request) throws IOException {
        try (RawHttps c = RawHttps.open(RawHttps.loopback(6))) {
            c.write(request);
            return c.response();
        }
    }

    private static void assertEnvelope(RawHttps.Response r, int status, String code) {
        assertThat(r.status()).as(r.head() + r.body()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.body()).startsWith("{\"error\":{\"code\":\"" + code + "\",\"message\":\"")
                .doesNotContainIgnoringCase("<html").doesNotContain("Exception");
    }
}
