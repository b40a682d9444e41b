package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Raw ARM and Key Vault calls for the cluster tests, as one client of one tenant: HTTPS to the shared test host,
 * tokens from its token endpoint. Vaults and keys are made through their own APIs, as a customer would.
 */
final class ClusterArm {

    static final String API = "?api-version=2022-10-01";
    static final String VAULT_API = "?api-version=2023-07-01";

    final TestHost host;
    final String tenant;
    final ClientCredentials client;
    private final JsonMapper json;
    private final String armToken;

    ClusterArm(String tenant, String name) {
        this.host = TestHost.get();
        this.tenant = tenant;
        this.json = host.bean(JsonMapper.class);
        this.client = host.newClient(tenant, name);
        this.armToken = host.token(client, Audiences.ARM);
    }

    /** Assigns a role (its GUID) to a principal at {@code scope} of {@code sub} through Microsoft.Authorization; the assignment's id. */
    String assign(String sub, String scope, String roleId, String principalId) throws Exception {
        String id = scope + "/providers/Microsoft.Authorization/roleAssignments/" + UUID.randomUUID();
        Reply r = call("PUT", id + "?api-version=2022-04-01", "{\"properties\":{\"roleDefinitionId\":\"/subscriptions/" + sub
                + "/providers/Microsoft.Authorization/roleDefinitions/" + roleId + "\",\"principalId\":\"" + principalId
                + "\",\"principalType\":\"ServicePrincipal\"}}");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return id;
    }

    /**
     * Makes the resource due and fires KeyHealth_Poll until it records {@code state} (bounded: the host's own timer may
     * hold the row's lease for a moment); the key state as last recorded.
     */
    String pollKeyState(String resourceUuid, String state) throws Exception {
        return Conditions.until(Duration.ofSeconds(10), Duration.ofMillis(250), () -> {
            query("UPDATE cmk_key_health SET next_check_at = clock_timestamp() WHERE resource_uuid = ?::uuid RETURNING 1", resourceUuid,
                    Integer.class);
            host.host().fireTimer("KeyHealth_Poll");
            return query("SELECT key_state FROM cmk_key_health WHERE resource_uuid = ?::uuid", resourceUuid, String.class);
        }, state::equals, "key state " + state + " of " + resourceUuid);
    }

    /** This client as an Owner of subscriptions tests share under fixed ids ({@link TestHost#owner}). */
    ClusterArm owning(String... subscriptions) {
        host.owner(client, subscriptions);
        return this;
    }

    record Reply(int status, String text, Map<String, Object> json, HttpHeaders headers) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map(String key) {
            return (Map<String, Object>) json.get(key);
        }

        Map<String, Object> properties() {
            return map("properties");
        }

        Map<String, Object> error() {
            return map("error");
        }
    }

    static String cluster(String sub, String group, String name) {
        return "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/Microsoft.OperationalInsights/clusters/" + name;
    }

    static String body(String location, long capacity, String properties) {
        return "{\"location\":\"" + location + "\",\"identity\":{\"type\":\"SystemAssigned\"},"
                + "\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":" + capacity + "},\"properties\":{" + properties + "}}";
    }

    static String keyPatch(URI vaultUri, String keyName, String keyVersion) {
        return "{\"properties\":{\"keyVaultProperties\":{\"keyVaultUri\":\"" + vaultUri + "\",\"keyName\":\"" + keyName
                + "\",\"keyVersion\":\"" + keyVersion + "\"}}}";
    }

    static String sub() {
        return UUID.randomUUID().toString();
    }

    static String name(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    Reply call(String method, String path, String body) throws Exception {
        return call(method, host.baseUri().resolve(path), armToken, body);
    }

    Reply call(String method, URI uri, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = host.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Object> parsed = r.body() == null || r.body().isBlank() || !r.body().trim().startsWith("{") ? Map.of()
                : json.readValue(r.body(), Argument.mapOf(String.class, Object.class));
        return new Reply(r.statusCode(), r.body(), parsed, r.headers());
    }

    String armToken() {
        return armToken;
    }

    static void assertError(Reply r, int status, String code, String messagePart) {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(r.error()).as(r.text()).containsEntry("code", code);
        if (messagePart != null) {
            assertThat((String) r.error().get("message")).contains(messagePart);
        }
    }

    /** A vault (soft delete 7 days, optionally purge protection) in {@code location}, with this client's full access. */
    void putVault(String sub, String vault, String location, boolean purgeProtection) throws Exception {
        String body = "{\"location\":\"" + location + "\",\"properties\":{\"tenantId\":\"" + tenant + "\","
                + "\"sku\":{\"family\":\"A\",\"name\":\"premium\"},\"accessPolicies\":[" + policy(client.principal().objectId(), "\"all\"")
                + "],\"enableSoftDelete\":true,\"softDeleteRetentionInDays\":7" + (purgeProtection ? ",\"enablePurgeProtection\":true" : "") + "}}";
        Reply r = call("PUT", vaultPath(sub, vault) + VAULT_API, body);
        assertThat(r.status()).as(r.text()).isIn(200, 201);
    }

    /** Adds key permissions for {@code objectId} (a cluster's principalId) through ARM's accessPolicies/add. */
    void grant(String sub, String vault, String objectId, String... permissions) throws Exception {
        String perms = String.join(",", Arrays.stream(permissions).map(p -> "\"" + p + "\"").toList());
        Reply r = call("PUT", vaultPath(sub, vault) + "/accessPolicies/add" + VAULT_API,
                "{\"properties\":{\"accessPolicies\":[" + policy(objectId, perms) + "]}}");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
    }

    /** Removes key permissions of {@code objectId} through ARM's accessPolicies/remove. */
    void revoke(String sub, String vault, String objectId, String... permissions) throws Exception {
        String perms = String.join(",", Arrays.stream(permissions).map(p -> "\"" + p + "\"").toList());
        Reply r = call("PUT", vaultPath(sub, vault) + "/accessPolicies/remove" + VAULT_API,
                "{\"properties\":{\"accessPolicies\":[" + policy(objectId, perms) + "]}}");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
    }

    /** Enables or disables one key version through the Key Vault API. */
    Reply setKeyEnabled(String vault, String keyName, String version, boolean enabled) throws Exception {
        Reply r = call("PATCH", URI.create(host.vaultUri(vault) + "keys/" + keyName + "/" + version + "?api-version=7.4"),
                host.token(client, Audiences.KEY_VAULT), "{\"attributes\":{\"enabled\":" + enabled + "}}");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r;
    }

    /** A new RSA key in the vault, through the Key Vault API; returns its version. */
    String createKey(String vault, String keyName, int size) throws Exception {
        Reply r = call("POST", URI.create(host.vaultUri(vault) + "keys/" + keyName + "/create?api-version=7.4"),
                host.token(client, Audiences.KEY_VAULT), "{\"kty\":\"RSA\",\"key_size\":" + size + "}");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        String kid = (String) r.map("key").get("kid");
        return kid.substring(kid.lastIndexOf('/') + 1);
    }

    /**
     * Creates a key in a vault whose name does not resolve (not in src/test/resources/hosts), through {@link #vaultCall}.
     */
    String createKeyWithoutDns(String vault, String keyName) throws Exception {
        Reply r = vaultCall(vault, "POST", "/keys/" + keyName + "/create?api-version=7.4", host.token(client, Audiences.KEY_VAULT),
                "{\"kty\":\"RSA\",\"key_size\":2048}");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        String kid = (String) r.map("key").get("kid");
        return kid.substring(kid.lastIndexOf('/') + 1);
    }

    /**
     * One HTTP/1.1 request over TLS to the host's own address, with the vault's name as SNI and Host, which java.net.http
     * cannot send for a name that does not resolve: a Key Vault call to any vault, whatever its name.
     */
    Reply vaultCall(String vault, String method, String pathAndQuery, String token, String body) throws Exception {
        String hostName = vault + ".vault.localhost";
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + pathAndQuery + " HTTP/1.1\r\nHost: " + hostName + ":" + this.host.host().port()
                + "\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/json\r\nContent-Length: " + content.length
                + "\r\nConnection: close\r\n\r\n";
        try (SSLSocket socket = (SSLSocket) this.host.ssl().getSocketFactory().createSocket("127.0.0.1", this.host.host().port())) {
            SSLParameters params = socket.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(hostName)));
            socket.setSSLParameters(params);
            socket.setSoTimeout(60_000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().write(content);
            socket.getOutputStream().flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int split = response.indexOf("\r\n\r\n");
            String headers = split < 0 ? response : response.substring(0, split);
            String text = split < 0 ? "" : response.substring(split + 4);
            if (headers.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
                text = unchunk(text);
            }
            int status = Integer.parseInt(headers.substring(9, 12));
            Map<String, Object> parsed = text.isBlank() || !text.trim().startsWith("{") ? Map.of()
                    : json.readValue(text, Argument.mapOf(String.class, Object.class));
            return new Reply(status, text, parsed, HttpHeaders.of(Map.of(), (a, b) -> true));
        }
    }

    private static String unchunk(String chunked) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < chunked.length()) {
            int eol = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, eol).trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(chunked, eol + 2, eol + 2 + size);
            at = eol + 2 + size + 2;
        }
        return out.toString();
    }

    /** Follows Azure-AsyncOperation until the operation ends; returns the final status resource. */
    Reply awaitOperation(Reply started) throws Exception {
        String url = started.headers().firstValue("Azure-AsyncOperation").orElseThrow(() -> new AssertionError("no Azure-AsyncOperation: "
                + started.headers().map()));
        return Conditions.until(Duration.ofSeconds(60), Duration.ofMillis(200), () -> {
            Reply status = call("GET", URI.create(url), armToken, null);
            assertThat(status.status()).as(status.text()).isEqualTo(200);
            return status;
        }, ClusterArm::ended, "the operation at " + url + " ends");
    }

    /** Whether an operation status resource says the operation has ended. */
    static boolean ended(Reply status) {
        Object s = status.json().get("status");
        return "Succeeded".equals(s) || "Failed".equals(s) || "Canceled".equals(s);
    }

    /**
     * Follows {@code Location} as a client without Azure-AsyncOperation support does (ARM RPC): 202 while the operation
     * runs, with a Location and Retry-After each time; returns the first answer that is not 202.
     */
    Reply awaitLocation(Reply started) throws Exception {
        String url = started.headers().firstValue("Location").orElseThrow(() -> new AssertionError("no Location: " + started.headers().map()));
        return Conditions.until(Duration.ofSeconds(60), Duration.ofMillis(200), () -> {
            Reply r = call("GET", URI.create(url), armToken, null);
            if (r.status() == 202) {
                assertThat(r.headers().firstValue("Location")).as("a 202 names where to look next").isPresent();
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
            }
            return r;
        }, r -> r.status() != 202, "the operation at " + url + " ends");
    }

    /** Stands in for states a test cannot hold still (provisioning, a running operation) or wait for (14 days). */
    void sql(String statement, String clusterName) throws Exception {
        var db = host.host().database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement(statement)) {
            ps.setString(1, clusterName);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    <T> T query(String sql, String clusterName, Class<T> type) throws Exception {
        var db = host.host().database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, clusterName);
            try (var rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1, type) : null;
            }
        }
    }

    private static String vaultPath(String sub, String vault) {
        return "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/" + vault;
    }

    private String policy(String objectId, String keys) {
        return "{\"tenantId\":\"" + tenant + "\",\"objectId\":\"" + objectId + "\",\"permissions\":{\"keys\":[" + keys + "]}}";
    }
}
