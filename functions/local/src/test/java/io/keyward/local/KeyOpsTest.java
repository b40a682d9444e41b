package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyUsage;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Cipher;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Key Vault's {@code key_ops} on the wire, for every crypto operation the vault offers: a key whose key_ops leave an
 * operation out refuses it with 403 {@code OperationNotAllowed}, and the token object cannot do it either, so that a
 * key_ops list edited in the database grants nothing (the token refuses, 400). Changing key_ops through the API
 * changes what the token object may do, both ways.
 */
class KeyOpsTest {

    private static final String VAULT = "kwops2";
    /** Fixed: the host's database outlives a run, and a later run updates the vault it made. */
    private static final String SUBSCRIPTION = "c0000000-0000-4000-8000-0000000005f5";
    private static final String TENANT = "c0000000-0000-4000-8000-00000000c0f5";
    /** Key Vault's crypto operations with the routes Keyward serves for them. */
    private static final List<String> OPERATIONS = List.of("wrapKey", "unwrapKey", "encrypt", "decrypt");

    private static TestHost host;
    private static JsonMapper json;
    private static String token;

    @BeforeAll
    static void vault() throws Exception {
        host = TestHost.get();
        json = host.bean(JsonMapper.class);
        ClientCredentials owner = host.owner(host.newClient(TENANT, "key-ops-owner"), SUBSCRIPTION);
        token = host.token(owner, Audiences.KEY_VAULT);
        String body = "{\"location\":\"westeurope\",\"properties\":{\"tenantId\":\"" + TENANT + "\","
                + "\"sku\":{\"family\":\"A\",\"name\":\"premium\"},\"accessPolicies\":[{\"tenantId\":\"" + TENANT
                + "\",\"objectId\":\"" + owner.principal().objectId() + "\",\"permissions\":{\"keys\":[\"all\"]}}],"
                + "\"enableSoftDelete\":true,\"softDeleteRetentionInDays\":7}}";
        URI uri = host.baseUri().resolve("/subscriptions/" + SUBSCRIPTION + "/resourceGroups/rg-ops/providers/"
                + "Microsoft.KeyVault/vaults/" + VAULT + "?api-version=2023-07-01");
        HttpResponse<String> r = host.http().send(HttpRequest.newBuilder(uri)
                .header("Authorization", "Bearer " + host.token(owner, Audiences.ARM)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    }

    @Test
    void everyCryptoOperationIsRefusedWhenKeyOpsLeaveItOut() throws Exception {
        for (String left : OPERATIONS) {
            List<String> allowed = OPERATIONS.stream().filter(op -> !op.equals(left)).toList();
            Key key = create(allowed);

            HttpResponse<String> refused = operate(key, left);
            assertThat(refused.statusCode()).as("%s left out: %s", left, refused.body()).isEqualTo(403);
            assertThat(refused.body()).contains("OperationNotAllowed").contains(left);
            for (String op : allowed) {
                assertThat(operate(key, op).statusCode()).as("%s allowed", op).isEqualTo(200);
            }
            assertThat(usages(key)).as("the token object of a key without %s", left).doesNotContain(usage(left));
        }
        // Key Vault's sign and verify are not offered by Keyward's vaults at all
        Key all = create(List.of("sign", "verify"));
        assertThat(post(all, "sign", "{\"alg\":\"RS256\",\"value\":\"AAAA\"}").statusCode()).isEqualTo(404);
    }

    @Test
    void keyOpsEditedInTheDatabaseGrantNothingTheTokenObjectCannotDo() throws Exception {
        Key key = create(List.of("wrapKey"));
        try (Connection c = DriverManager.getConnection(host.host().database().jdbcUrl(), host.host().database().user(),
                host.host().database().password());
             PreparedStatement ps = c.prepareStatement("UPDATE vault_key_versions SET key_ops = ? WHERE version = ?")) {
            ps.setArray(1, c.createArrayOf("text", OPERATIONS.toArray()));
            ps.setString(2, key.version());
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        for (String op : List.of("unwrapKey", "encrypt", "decrypt")) {
            HttpResponse<String> r = operate(key, op);
            assertThat(r.statusCode()).as("%s: %s", op, r.body()).isEqualTo(400);
            assertThat(r.body()).contains("cannot be done with this key");
        }
        assertThat(operate(key, "wrapKey").statusCode()).isEqualTo(200);
    }

    @Test
    void changingKeyOpsChangesWhatTheTokenObjectMayDo() throws Exception {
        Key key = create(List.of("wrapKey", "unwrapKey"));
        assertThat(usages(key)).containsExactlyInAnyOrder(KeyUsage.WRAP, KeyUsage.UNWRAP);

        assertThat(update(key, "[\"unwrapKey\",\"decrypt\"]").statusCode()).isEqualTo(200);
        assertThat(usages(key)).containsExactlyInAnyOrder(KeyUsage.UNWRAP, KeyUsage.DECRYPT);
        assertThat(operate(key, "wrapKey").statusCode()).isEqualTo(403);
        assertThat(operate(key, "decrypt").statusCode()).isEqualTo(200);

        assertThat(update(key, "[\"encrypt\"]").statusCode()).isEqualTo(200);
        assertThat(usages(key)).containsExactly(KeyUsage.ENCRYPT);
        assertThat(operate(key, "encrypt").statusCode()).isEqualTo(200);
        assertThat(operate(key, "unwrapKey").statusCode()).isEqualTo(403);
    }

    // ---------------------------------------------------------------------------------------------------------

    private record Key(String name, String version, PublicKey publicKey) {
    }

    private static Key create(List<String> ops) throws Exception {
        String name = "ops-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> r = call("POST", "keys/" + name + "/create", "{\"kty\":\"RSA\",\"key_size\":2048,\"key_ops\":"
                + json.writeValueAsString(ops) + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Map<String, Object> jwk = json.readValue(r.body(), Argument.mapOf(Argument.STRING, Argument.mapOf(String.class, Object.class)))
                .get("key");
        String kid = (String) jwk.get("kid");
        Base64.Decoder b64 = Base64.getUrlDecoder();
        PublicKey pub = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                new BigInteger(1, b64.decode((String) jwk.get("n"))), new BigInteger(1, b64.decode((String) jwk.get("e")))));
        return new Key(name, kid.substring(kid.lastIndexOf('/') + 1), pub);
    }

    /** One operation with valid input: unwrap and decrypt get RSA-OAEP made outside with the key's public half. */
    private static HttpResponse<String> operate(Key key, String op) throws Exception {
        byte[] value = new byte[32];
        if (op.equals("unwrapKey") || op.equals("decrypt")) {
            Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
            oaep.init(Cipher.ENCRYPT_MODE, key.publicKey());
            value = oaep.doFinal(value);
        }
        return post(key, op.toLowerCase(java.util.Locale.ROOT), "{\"alg\":\"RSA-OAEP\",\"value\":\""
                + Base64.getUrlEncoder().withoutPadding().encodeToString(value) + "\"}");
    }

    private static HttpResponse<String> post(Key key, String route, String body) throws Exception {
        return call("POST", "keys/" + key.name() + "/" + key.version() + "/" + route, body);
    }

    private static HttpResponse<String> update(Key key, String ops) throws Exception {
        return call("PATCH", "keys/" + key.name() + "/" + key.version(), "{\"key_ops\":" + ops + "}");
    }

    private static HttpResponse<String> call(String method, String path, String body) throws Exception {
        return host.http().send(HttpRequest.newBuilder(URI.create(host.vaultUri(VAULT) + path + "?api-version=7.4"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The usage attributes of the key version's token objects, private and public halves together. */
    private static Set<KeyUsage> usages(Key key) {
        return host.bean(Hsm.class).keys().inventory().stream().filter(o -> o.id().equals(key.version()))
                .flatMap(o -> o.usages().stream()).collect(java.util.stream.Collectors.toSet());
    }

    private static KeyUsage usage(String op) {
        return switch (op) {
            case "wrapKey" -> KeyUsage.WRAP;
            case "unwrapKey" -> KeyUsage.UNWRAP;
            case "encrypt" -> KeyUsage.ENCRYPT;
            default -> KeyUsage.DECRYPT;
        };
    }
}
