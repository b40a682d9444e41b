package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.keyward.app.identity.IdentityService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every HTTP route of the function app (the generated function list, {@code expected-functions.tsv}) x every kind of
 * token x every kind of host name, over HTTPS to the local host with the Host header set by hand: a route is served
 * exactly where its surface's host and audience match. Key Vault's data plane ({@code keys}, {@code deletedkeys}, the
 * paths of Key Vault's REST spec) lives on vault host names with Key Vault tokens; ARM, identity and the Log Analytics
 * data plane on the management host names with ARM tokens; a route on the wrong kind of host is that host's 404
 * envelope whatever the token; a token of another audience is 401 with the route's own challenge.
 */
class SurfaceBindingTest {

    private static final Path FUNCTIONS = Path.of("../azure/src/test/resources/expected-functions.tsv");
    /** Answered on every host name without a token: it says only that the process answers. */
    private static final String LIVENESS = "Health_Ping";
    /**
     * Entra's token endpoint and discovery documents, their ADFS-style forms and ARM's cloud metadata: anonymous, on the
     * management host names only.
     */
    private static final List<String> ANONYMOUS = List.of("Identity_Token", "Identity_Keys", "Identity_TenantKeys",
            "Identity_OpenIdConfiguration", "Identity_AdfsToken", "Identity_AdfsOpenIdConfiguration",
            "Identity_AdfsAuthorize", "MetadataEndpoints_Get");
    /** The catch-all: a path no other function takes, on any host; answered 401, or 404 in the host's envelope. */
    private static final String UNMATCHED = "Routes_Unmatched";
    private static final Pattern CODE = Pattern.compile("\"code\"\\s*:\\s*\"([^\"]*)\"");

    enum Surface { KEY_VAULT, MANAGEMENT, NONE }

    private record Route(String name, String method, String path) {
        Surface surface() {
            return path.startsWith("keys") || path.startsWith("deletedkeys") ? Surface.KEY_VAULT : Surface.MANAGEMENT;
        }
    }

    /** A bearer token and the audience it was issued for (null: no token, or one for no surface of Keyward's). */
    private record Token(String label, String value, Surface audience) {
    }

    private record HostName(String header, Surface serves) {
    }

    private record Reply(int status, Map<String, String> headers, String body) {
        String code() {
            Matcher m = CODE.matcher(body);
            return m.find() ? m.group(1) : "";
        }
    }

    private static TestHost host;
    private static SSLSocket connection;
    private static String tenant;
    private static List<Token> tokens;

    @BeforeAll
    static void start() {
        host = TestHost.get();
        tenant = UUID.randomUUID().toString();
        ClientCredentials caller = host.newClient(tenant, "surface-caller");
        ClientCredentials stranger = host.newClient(UUID.randomUUID().toString(), "surface-stranger");
        IdentityService identities = host.bean(IdentityService.class);
        tokens = List.of(
                new Token("none", null, Surface.NONE),
                new Token("ARM", host.token(caller, Audiences.ARM), Surface.MANAGEMENT),
                new Token("Key Vault", host.token(caller, Audiences.KEY_VAULT), Surface.KEY_VAULT),
                new Token("another tenant's ARM", host.token(stranger, Audiences.ARM), Surface.MANAGEMENT),
                new Token("another tenant's Key Vault", host.token(stranger, Audiences.KEY_VAULT), Surface.KEY_VAULT),
                // genuinely signed by Keyward's HSM key, for a resource Keyward does not serve
                new Token("Microsoft Graph", identities.issueToken(caller.principal(), "https://graph.microsoft.com",
                        Duration.ofMinutes(10)), Surface.NONE));
    }

    @Test
    void everyRouteIsServedExactlyWhereItsHostAndAudienceMatch() throws Exception {
        int port = host.host().port();
        List<HostName> hosts = List.of(
                new HostName("127.0.0.1:" + port, Surface.MANAGEMENT),
                new HostName("kwsurface.vault.localhost:" + port, Surface.KEY_VAULT),
                new HostName("evil.example:" + port, Surface.NONE));
        List<Route> routes = routes();
        assertThat(routes).as("routes of expected-functions.tsv").hasSizeGreaterThan(60);
        assertThat(routes.stream().filter(r -> r.surface() == Surface.KEY_VAULT)).hasSizeGreaterThan(10);

        List<String> wrong = new ArrayList<>();
        int served = 0;
        for (Route route : routes) {
            for (HostName h : hosts) {
                for (Token token : tokens) {
                    Reply reply = send(route, h.header(), token.value());
                    String why = verdict(route, h, token, reply);
                    if (why != null) {
                        wrong.add(route.name() + " " + route.method() + " /" + route.path() + " at " + h.header() + " with "
                                + token.label() + " token: " + reply.status() + " " + reply.code() + " (" + why + ")");
                    } else if (reply.status() != 401 && reply.status() != 404) {
                        served++;
                    }
                }
            }
        }
        assertThat(wrong).as("routes answered against their surface").isEmpty();
        assertThat(served).as("the control: matching host and audience do reach the routes").isGreaterThan(routes.size());
    }

    @Test
    void identityRoutesRefuseKeyVaultTokensWhateverTheHostHeader() throws Exception {
        int port = host.host().port();
        Token vault = tokens.get(2);
        List<Route> identity = routes().stream().filter(r -> r.path().startsWith("identity/")).toList();
        assertThat(identity).extracting(Route::name).contains("Identity_RegisterClient", "Identity_DeleteClient");
        for (String h : List.of("127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "127.0.0.1", "kwtest1.vault.localhost:" + port,
                "KWTEST1.Vault.LocalHost", "kwtest1.vault.localhost.", "a.b.vault.localhost:" + port, "vault.localhost",
                "[::1]:" + port, "evil.example", "127.0.0.1:" + port + "@kwtest1.vault.localhost")) {
            for (Route route : identity) {
                Reply reply = send(route, h, vault.value());
                assertThat(reply.status()).as("%s with Host: %s -> %s", route.name(), h, reply.body()).isIn(401, 404);
                if (reply.status() == 401) {
                    assertThat(reply.headers().get("www-authenticate")).as(route.name()).contains("authorization_uri=");
                }
            }
        }
        // the control: an ARM token at the same routes on a management host passes authentication (403: no operator)
        Reply arm = send(identity.get(0), "localhost:" + port, tokens.get(1).value());
        assertThat(arm.status()).as(arm.body()).isEqualTo(403);
    }

    @Test
    void managementHostAliasesAndVaultNamesAreRecognisedAsTheyAreWritten() throws Exception {
        int port = host.host().port();
        Route ping = new Route("Health_Hsm", "GET", "health/hsm");
        Token arm = tokens.get(1);
        for (String h : List.of("localhost:" + port, "LocalHost:" + port, "127.0.0.1", "[::1]:" + port, "localhost.")) {
            assertThat(send(ping, h, arm.value()).status()).as("Host: %s", h).isEqualTo(200);
        }
        for (String h : List.of("a.b.vault.localhost:" + port, "vault.localhost:" + port, "localhost.evil:" + port, "")) {
            Reply r = send(ping, h, arm.value());
            assertThat(r.status()).as("Host: %s", h).isEqualTo(404);
            assertThat(r.code()).isEqualTo("NotFound");
        }
        Route listKeys = new Route("GetKeys", "GET", "keys");
        Reply upper = send(listKeys, "KWTEST1.VAULT.LOCALHOST:" + port, tokens.get(2).value());
        assertThat(upper.status()).as(upper.body()).isNotIn(401);
        assertThat(upper.code()).isNotEqualTo("NotFound");
    }

    /** Null when the reply is what the route, host and token call for; else what was expected. */
    private static String verdict(Route route, HostName host, Token token, Reply reply) {
        if (route.name().equals(LIVENESS)) {
            return reply.status() == 200 ? null : "the liveness ping answers on every host";
        }
        if (route.name().equals(UNMATCHED)) {
            // the catch-all belongs to every host: its authentication (401), then its envelope's 404, never anything served
            boolean enveloped = route.method().equals("HEAD") || !reply.code().isEmpty();
            boolean authenticated = host.serves() != Surface.NONE && token.audience() == host.serves();
            return enveloped && reply.status() == (authenticated || host.serves() == Surface.NONE ? 404 : 401) ? null
                    : "the catch-all answers its host's 401 challenge, or once authenticated its 404 envelope";
        }
        if (host.serves() != route.surface()) {
            return reply.status() == 404 && reply.code().equals("NotFound") ? null
                    : "a route of another surface is the host's 404 envelope";
        }
        boolean mayPass = ANONYMOUS.contains(route.name()) || token.audience() == route.surface();
        if (mayPass) {
            return reply.status() != 401 && !reply.code().equals("NotFound") ? null : "should reach the route";
        }
        if (reply.status() != 401) {
            return "should be 401";
        }
        String challenge = reply.headers().getOrDefault("www-authenticate", "");
        boolean routesChallenge = route.surface() == Surface.KEY_VAULT
                ? challenge.contains("resource=\"" + Audiences.KEY_VAULT + "\"") : challenge.contains("authorization_uri=");
        return routesChallenge ? null : "401 without the route's own challenge: " + challenge;
    }

    private static List<Route> routes() throws IOException {
        List<Route> out = new ArrayList<>();
        for (String line : Files.readAllLines(FUNCTIONS)) {
            String[] f = line.split("\t");
            if (line.startsWith("#") || f.length < 4 || !f[1].equals("http")) {
                continue;
            }
            for (String method : f[2].split(",")) {
                out.add(new Route(f[0], method, fill(f[3])));
            }
        }
        return out;
    }

    /** Route parameters filled with well-formed values, so that a served request reaches its controller. */
    private static String fill(String template) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("{tenant}", tenant);
        values.put("{subscriptionId}", UUID.randomUUID().toString());
        values.put("{workspaceId}", UUID.randomUUID().toString());
        values.put("{operationId}", UUID.randomUUID().toString());
        values.put("{clientId}", UUID.randomUUID().toString());
        values.put("{provider}", "Microsoft.OperationalInsights");
        values.put("{location}", "westeurope");
        values.put("{operationKind}", "add");
        values.put("{version}", "0123456789abcdef0123456789abcdef");
        values.put("/{version?}", "");
        values.put("{*path}", "surface1/unmatched");
        String path = template;
        for (Map.Entry<String, String> e : values.entrySet()) {
            path = path.replace(e.getKey(), e.getValue());
        }
        return path.replaceAll("\\{[A-Za-z]+}", "surface1");
    }

    /**
     * One HTTP/1.1 exchange with exactly the Host header given, on a kept-alive TLS connection (a handshake per
     * request would make the matrix slow); a connection the server closed is replaced once.
     */
    private static Reply send(Route route, String hostHeader, String token) throws IOException {
        boolean form = route.name().equals("Identity_Token") || route.name().equals("Identity_AdfsToken");
        boolean body = !route.method().equals("GET") && !route.method().equals("DELETE");
        byte[] content = !body ? new byte[0] : (form ? "grant_type=client_credentials" : "{}").getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(route.method()).append(" /").append(route.path())
                .append("?api-version=7.4 HTTP/1.1\r\nHost: ").append(hostHeader).append("\r\n");
        if (token != null) {
            head.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        head.append("Content-Type: ").append(form ? "application/x-www-form-urlencoded" : "application/json")
                .append("\r\nContent-Length: ").append(content.length).append("\r\n\r\n");
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        request.write(content);
        for (int attempt = 0; ; attempt++) {
            try {
                if (connection == null) {
                    connection = (SSLSocket) host.ssl().getSocketFactory().createSocket("127.0.0.1", host.host().port());
                    connection.setSoTimeout(30_000);
                }
                OutputStream out = connection.getOutputStream();
                out.write(request.toByteArray());
                out.flush();
                Reply reply = read(connection.getInputStream());
                if ("close".equalsIgnoreCase(reply.headers().get("connection"))) {
                    connection.close();
                    connection = null;
                }
                return reply;
            } catch (IOException e) {
                if (connection != null) {
                    connection.close();
                    connection = null;
                }
                if (attempt > 0) {
                    throw e;
                }
            }
        }
    }

    /** Status line, headers and a Content-Length or chunked body, and not a byte more. */
    private static Reply read(InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine.isEmpty()) {
            throw new IOException("connection closed");
        }
        Map<String, String> headers = new TreeMap<>();
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int n = Integer.parseInt(line(in).split(";")[0].trim(), 16); n > 0;
                 n = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
                body.write(in.readNBytes(n));
                line(in);
            }
            line(in);
        } else {
            body.write(in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0"))));
        }
        return new Reply(Integer.parseInt(statusLine.split(" ")[1]), headers, body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
