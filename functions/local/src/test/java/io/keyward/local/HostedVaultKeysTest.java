package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.cmk.CustomerKeyPort;
import io.keyward.app.cmk.VaultReply;
import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The in-process adapter decides exactly as the Key Vault wire does: every case below is asked of both, the adapter
 * (no HTTP, no token) and the keys data plane over HTTPS with a token for the same principal, and must get the same
 * answer (200, or the same 4xx). Real PostgreSQL and SoftHSM2 behind both.
 */
class HostedVaultKeysTest {

    private static final String TENANT = "f0000000-0000-4000-8000-00000000f001";
    private static final String OTHER_TENANT = "f0000000-0000-4000-8000-00000000f0ff";
    private static final String SUBSCRIPTION = "f0000000-0000-4000-8000-0000000005f1";
    private static final String VAULT = "kwhosted1";
    /** soft-deleted by its test */
    private static final String DELETED_VAULT = "kwhosted2";
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private static ClusterArm arm;
    private static CustomerKeyPort port;
    private static Principal identity;

    @BeforeAll
    static void setUp() throws Exception {
        arm = new ClusterArm(TENANT, "hosted-vault-keys-test").owning(SUBSCRIPTION);
        arm.putVault(SUBSCRIPTION, VAULT, "westeurope", true);
        identity = identities().createPrincipal(TENANT, PrincipalType.MANAGED_IDENTITY, "a resource's identity");
        arm.grant(SUBSCRIPTION, VAULT, identity.objectId(), "get", "wrapKey", "unwrapKey");
        port = arm.host.bean(CustomerKeyPort.class);
    }

    private static String vault() {
        return arm.host.vaultUri(VAULT).toString();
    }

    /** A new key and its version, with an AEK-sized value wrapped by it. */
    private record Key(String name, String version, String kid, byte[] wrapped) {
    }

    private static Key key() throws Exception {
        String name = ClusterArm.name("k");
        String version = arm.createKey(VAULT, name, 2048);
        String kid = vault() + "keys/" + name + "/" + version;
        byte[] aek = new byte[32];
        new SecureRandom().nextBytes(aek);
        return new Key(name, version, kid, done(port.wrapKey(kid, identity, aek)));
    }

    private static <T> T done(VaultReply<T> reply) {
        assertThat(reply).isInstanceOf(VaultReply.Done.class);
        return ((VaultReply.Done<T>) reply).value();
    }

    /** The adapter's answer as the wire's status. */
    private static int status(VaultReply<?> reply) {
        if (reply instanceof VaultReply.Refused<?> r) {
            return r.status();
        }
        return reply instanceof VaultReply.Done<?> ? 200 : 503;
    }

    /** The same question over HTTPS, as {@code who}. */
    private static int wire(String method, String url, Principal who, String body) throws Exception {
        String token = arm.host.bean(IdentityService.class).issueToken(who, Audiences.KEY_VAULT, Duration.ofMinutes(5));
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "?api-version=7.4")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
        return arm.host.http().send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** get, wrapKey and unwrapKey of {@code k}, asked of the adapter and of the wire: both must answer {@code expected}. */
    private static void bothAnswer(Key k, Principal who, String vaultUri, int expected) throws Exception {
        String kid = k.kid().replace(vault(), vaultUri);
        String value = "{\"alg\":\"RSA-OAEP\",\"value\":\"" + B64URL.encodeToString(k.wrapped()) + "\"}";
        assertThat(status(port.key(vaultUri, k.name(), k.version(), who))).as("get").isEqualTo(wire("GET", kid, who, null));
        assertThat(status(port.unwrapKey(kid, who, k.wrapped()))).as("unwrapKey").isEqualTo(expected)
                .isEqualTo(wire("POST", kid + "/unwrapkey", who, value));
        // a key-health batch (vault and key looked up once) decides each identity as one unwrapKey does
        List<CustomerKeyPort.Unwrap> batch = List.of(new CustomerKeyPort.Unwrap(who, k.wrapped(), () -> true),
                new CustomerKeyPort.Unwrap(identity, k.wrapped(), () -> true));
        assertThat(port.unwrapAll(kid, batch, Runnable::run)).extracting(f -> status(f.join())).as("unwrapAll")
                .containsExactly(expected, status(port.unwrapKey(kid, identity, k.wrapped())));
        assertThat(port.latestAll(kid, List.of(who), Runnable::run)).extracting(f -> status(f.join())).as("latestAll")
                .containsExactly(status(port.key(vaultUri, k.name(), "", who)));
        byte[] aek = new byte[32];
        assertThat(status(port.wrapKey(kid, who, aek))).as("wrapKey").isEqualTo(expected)
                .isEqualTo(wire("POST", kid + "/wrapkey", who, "{\"alg\":\"RSA-OAEP\",\"value\":\"" + B64URL.encodeToString(aek) + "\"}"));
    }

    private static void patchKey(Key k, String attributes) throws Exception {
        ClusterArm.Reply r = arm.call("PATCH", URI.create(k.kid() + "?api-version=7.4"), arm.host.token(arm.client, Audiences.KEY_VAULT),
                "{\"attributes\":" + attributes + "}");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
    }

    @Test
    void aGrantedIdentityUsesTheKeyAndTheKidIsTheWiresOwn() throws Exception {
        Key k = key();
        bothAnswer(k, identity, vault(), 200);
        CustomerKeyPort.KeyFacts facts = done(port.key(vault(), k.name(), "", identity));
        assertThat(facts.kid()).isEqualTo(k.kid());
        assertThat(facts).isEqualTo(new CustomerKeyPort.KeyFacts(k.kid(), k.version(), "RSA-HSM", 2048, true, "CustomizedRecoverable"));
        ClusterArm.Reply wire = arm.call("GET", URI.create(vault() + "keys/" + k.name() + "?api-version=7.4"),
                arm.host.token(arm.client, Audiences.KEY_VAULT), null);
        assertThat(wire.map("key")).containsEntry("kid", facts.kid());
        assertThat(done(port.unwrapKey(k.kid(), identity, k.wrapped()))).hasSize(32);
    }

    @Test
    void anAccessPolicyRemovedRefusesThatOperation() throws Exception {
        Key k = key();
        Principal other = identities().createPrincipal(TENANT, PrincipalType.MANAGED_IDENTITY, "another identity");
        arm.grant(SUBSCRIPTION, VAULT, other.objectId(), "get", "wrapKey", "unwrapKey");
        bothAnswer(k, other, vault(), 200);
        arm.revoke(SUBSCRIPTION, VAULT, other.objectId(), "get", "wrapKey", "unwrapKey");
        bothAnswer(k, other, vault(), 403);
        assertThat(status(port.key(vault(), k.name(), "", other))).isEqualTo(403);
    }

    @Test
    void aDisabledKeyRefusesCryptographyButShowsItself() throws Exception {
        Key k = key();
        arm.setKeyEnabled(VAULT, k.name(), k.version(), false);
        bothAnswer(k, identity, vault(), 403);
        assertThat(done(port.key(vault(), k.name(), k.version(), identity)).enabled()).isFalse();
    }

    @Test
    void anExpiredOrNotYetValidKeyIsRefused() throws Exception {
        Key expired = key();
        patchKey(expired, "{\"exp\":" + Instant.now().minusSeconds(60).getEpochSecond() + "}");
        bothAnswer(expired, identity, vault(), 403);
        Key early = key();
        patchKey(early, "{\"nbf\":" + Instant.now().plusSeconds(3600).getEpochSecond() + "}");
        bothAnswer(early, identity, vault(), 403);
    }

    @Test
    void aDeletedKeyIsNotFound() throws Exception {
        Key k = key();
        ClusterArm.Reply deleted = arm.call("DELETE", URI.create(vault() + "keys/" + k.name() + "?api-version=7.4"),
                arm.host.token(arm.client, Audiences.KEY_VAULT), null);
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(200);
        bothAnswer(k, identity, vault(), 404);
        assertThat(status(port.key(vault(), k.name(), "", identity))).isEqualTo(404);
    }

    @Test
    void anIdentityOfAnotherTenantIsRefused() throws Exception {
        Key k = key();
        Principal elsewhere = identities().createPrincipal(OTHER_TENANT, PrincipalType.MANAGED_IDENTITY, "elsewhere");
        bothAnswer(k, elsewhere, vault(), 403);
    }

    @Test
    void aDeletedOrDisabledIdentityIsRefusedAsTheWireRefusesItsToken() throws Exception {
        Key k = key();
        Principal gone = identities().createPrincipal(TENANT, PrincipalType.MANAGED_IDENTITY, "an identity about to go");
        arm.grant(SUBSCRIPTION, VAULT, gone.objectId(), "get", "wrapKey", "unwrapKey");
        bothAnswer(k, gone, vault(), 200);
        identities().setPrincipalEnabled(TENANT, gone.objectId(), false);
        bothAnswer(k, gone, vault(), 401);
        identities().setPrincipalEnabled(TENANT, gone.objectId(), true);
        bothAnswer(k, gone, vault(), 200);
        identities().deletePrincipal(TENANT, gone.objectId());
        bothAnswer(k, gone, vault(), 401);
    }

    private static IdentityService identities() {
        return arm.host.bean(IdentityService.class);
    }

    @Test
    void aSoftDeletedOrUnknownVaultIsNotFound() throws Exception {
        // vault names are global and the tests' database outlives a run: a previous run left this one soft-deleted
        String path = "/subscriptions/" + SUBSCRIPTION + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/" + DELETED_VAULT
                + ClusterArm.VAULT_API;
        ClusterArm.Reply recovered = arm.call("PUT", path, "{\"location\":\"westeurope\",\"properties\":{\"tenantId\":\"" + TENANT
                + "\",\"sku\":{\"family\":\"A\",\"name\":\"premium\"},\"createMode\":\"recover\"}}");
        assertThat(recovered.status()).as(recovered.text()).isIn(200, 404);
        arm.putVault(SUBSCRIPTION, DELETED_VAULT, "westeurope", true);
        arm.grant(SUBSCRIPTION, DELETED_VAULT, identity.objectId(), "get", "wrapKey", "unwrapKey");
        String name = ClusterArm.name("k");
        String version = arm.createKey(DELETED_VAULT, name, 2048);
        String uri = arm.host.vaultUri(DELETED_VAULT).toString();
        Key k = new Key(name, version, uri + "keys/" + name + "/" + version,
                done(port.wrapKey(uri + "keys/" + name + "/" + version, identity, new byte[32])));
        ClusterArm.Reply gone = arm.call("DELETE", path, null);
        assertThat(gone.status()).as(gone.text()).isEqualTo(200);

        assertThat(status(port.vault(uri, identity))).isEqualTo(404);
        assertThat(status(port.unwrapKey(k.kid(), identity, k.wrapped()))).isEqualTo(404)
                .isEqualTo(wire("POST", k.kid() + "/unwrapkey", identity, "{\"alg\":\"RSA-OAEP\",\"value\":\""
                        + B64URL.encodeToString(k.wrapped()) + "\"}"));
        String unknown = arm.host.vaultUri("kwnosuchvault" + UUID.randomUUID().toString().substring(0, 8)).toString();
        assertThat(status(port.vault(unknown, identity))).isEqualTo(404);
        assertThat(status(port.key(unknown, name, "", identity))).isEqualTo(404);
    }

    @Test
    void aGrantedVaultShowsItsFactsToTheCore() {
        CustomerKeyPort.VaultFacts facts = done(port.vault(vault(), identity));
        assertThat(facts.tenantId()).isEqualTo(TENANT);
        assertThat(facts.location()).isEqualTo("westeurope");
        assertThat(facts.granted()).extracting(Enum::name).containsExactlyInAnyOrder("GET", "WRAP_KEY", "UNWRAP_KEY");
    }
}
