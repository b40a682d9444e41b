package io.keyward.local;

import static io.keyward.local.ClusterArm.name;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.dataplane.SecondInstance;
import io.keyward.app.identity.Audiences;
import io.keyward.hsm.Hsm;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Revocation at once (issue 11): once any check sees the vault refuse a cluster's key (a KeyHealth_Poll fired on demand,
 * or a data-plane unwrap), the very next query is refused, on this host and on a second instance over the same database
 * whose data plane holds the cluster's AEK in its cache, for each way a customer revokes: the identity's access policy
 * removed, the key disabled, deleted, or past its {@code exp}. Restoring access resumes both within one poll.
 *
 * <p>The second instance is a second application context of the app in this JVM ({@link SecondInstance}), sharing the
 * host's database and its {@link Hsm} object (one PKCS#11 binding per JVM).
 */
class RevocationTest {

    private static final String TENANT = "e0000000-0000-4000-8000-00000000d201";
    private static final String VAULT_SUBSCRIPTION = "e0000000-0000-4000-8000-0000000005d3";
    /** soft delete and purge protection; in src/test/resources/hosts */
    private static final String VAULT = "kwrevoke1";
    private static final String TABLE = "Revoke_CL";

    private static ClusterArm arm;
    private static Logs logs;
    private static SecondInstance second;

    @BeforeAll
    static void setUp() throws Exception {
        arm = new ClusterArm(TENANT, "revocation-test").owning(VAULT_SUBSCRIPTION);
        arm.putVault(VAULT_SUBSCRIPTION, VAULT, "westeurope", true);
        logs = new Logs(arm);
        second = SecondInstance.start(arm.host.host().database(), arm.host.bean(Hsm.class));
    }

    @AfterAll
    static void tearDown() {
        if (second != null) {
            second.close();
        }
    }

    /** A cluster bound to a fixed version of its own key, a linked workspace with two records, both instances serving. */
    private record Setup(String clusterUuid, String principalId, String keyName, String version, Logs.Workspace ws) {
    }

    private static Setup servedByBothInstances() throws Exception {
        String keyName = name("k");
        String version = arm.createKey(VAULT, keyName, 2048);
        Logs.KeyedCluster c = logs.keyedCluster(VAULT_SUBSCRIPTION, VAULT, keyName, version, TABLE, "kept");
        Setup s = new Setup(c.clusterUuid(), c.principalId(), keyName, version, c.ws());
        assertThat(arm.pollKeyState(s.clusterUuid(), "Accessible")).isEqualTo("Accessible");
        assertServed(s);
        return s;
    }

    /** Both instances answer the query (each from the AEK in its own cache, once it unwrapped it). */
    private static void assertServed(Setup s) throws Exception {
        assertThat(logs.messages(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H")).containsExactly("kept-1", "kept-0");
        assertThat(second.query(TENANT, arm.client.principal().objectId(), s.ws().customerId(), TABLE)).containsExactly("kept-1", "kept-0");
    }

    private static void assertRefused(Setup s) throws Exception {
        ClusterArm.assertError(logs.query(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H"), 403, "CustomerManagedKeyInaccessible",
                "cannot be read");
        assertThatThrownBy(() -> second.query(TENANT, arm.client.principal().objectId(), s.ws().customerId(), TABLE)).isInstanceOfSatisfying(ArmException.class,
                e -> assertThat(e.code()).isEqualTo(ArmErrorCode.CustomerManagedKeyInaccessible));
    }

    /**
     * {@code revoke}, then the first check after it is a KeyHealth_Poll fired on demand (as the host's admin API does):
     * until then both instances serve from their caches; the first query after it is refused on both; {@code restore}
     * and one more poll serve again.
     */
    private static void revokedAtOnce(Setup s, Change revoke, Change restore) throws Exception {
        revoke.apply(s);
        // nothing has checked the key since: the cached AEKs still serve (this is what the check must end)
        assertServed(s);
        assertThat(arm.pollKeyState(s.clusterUuid(), "Revoked")).isEqualTo("Revoked");
        assertRefused(s);
        restore.apply(s);
        assertThat(arm.pollKeyState(s.clusterUuid(), "Accessible")).isEqualTo("Accessible");
        assertServed(s);
    }

    @FunctionalInterface
    private interface Change {
        void apply(Setup s) throws Exception;
    }

    @Test
    void removingTheAccessPolicyIsHonouredByTheFirstQueryAfterThePollOnBothInstances() throws Exception {
        Setup s = servedByBothInstances();
        revokedAtOnce(s, x -> arm.revoke(VAULT_SUBSCRIPTION, VAULT, x.principalId(), "get", "wrapKey", "unwrapKey"),
                x -> arm.grant(VAULT_SUBSCRIPTION, VAULT, x.principalId(), "get", "wrapKey", "unwrapKey"));
    }

    @Test
    void disablingTheKeyIsHonouredByTheFirstQueryAfterThePollOnBothInstances() throws Exception {
        Setup s = servedByBothInstances();
        revokedAtOnce(s, x -> arm.setKeyEnabled(VAULT, x.keyName(), x.version(), false),
                x -> arm.setKeyEnabled(VAULT, x.keyName(), x.version(), true));
    }

    @Test
    void deletingTheKeyIsHonouredByTheFirstQueryAfterThePollOnBothInstances() throws Exception {
        Setup s = servedByBothInstances();
        revokedAtOnce(s, x -> assertThat(keys("DELETE", "keys/" + x.keyName(), null).status()).isEqualTo(200),
                x -> assertThat(keys("POST", "deletedkeys/" + x.keyName() + "/recover", null).status()).isEqualTo(200));
    }

    @Test
    void aKeyPastItsExpiryIsHonouredByTheFirstQueryAfterThePollOnBothInstances() throws Exception {
        Setup s = servedByBothInstances();
        revokedAtOnce(s, x -> setExpiry(x, Instant.now().minusSeconds(60)), x -> setExpiry(x, Instant.now().plus(Duration.ofDays(30))));
    }

    @Test
    void aRefusalSeenByOneInstancesUnwrapIsHonouredByTheOthersNextQuery() throws Exception {
        Setup s = servedByBothInstances();
        // a third context stands for an instance that never unwrapped this cluster's AEK: its first query must unwrap
        try (SecondInstance cold = SecondInstance.start(arm.host.host().database(), arm.host.bean(Hsm.class))) {
            arm.setKeyEnabled(VAULT, s.keyName(), s.version(), false);
            assertThatThrownBy(() -> cold.query(TENANT, arm.client.principal().objectId(), s.ws().customerId(), TABLE)).isInstanceOfSatisfying(ArmException.class,
                    e -> assertThat(e.code()).isEqualTo(ArmErrorCode.CustomerManagedKeyInaccessible));
        }
        // no poll in between: the host and the second instance still hold the AEK in their caches, and refuse
        assertThat(arm.query("SELECT key_state FROM cmk_key_health WHERE resource_uuid = ?::uuid", s.clusterUuid(), String.class))
                .isEqualTo("Revoked");
        assertRefused(s);
        arm.setKeyEnabled(VAULT, s.keyName(), s.version(), true);
        assertThat(arm.pollKeyState(s.clusterUuid(), "Accessible")).isEqualTo("Accessible");
        assertServed(s);
    }

    @Test
    void theHostsHsmStillWorksAfterASecondInstanceClosed() throws Exception {
        SecondInstance.start(arm.host.host().database(), arm.host.bean(Hsm.class)).close();
        // a key generated in the token through the host's vault: the host's PKCS#11 binding is intact
        assertThat(arm.createKey(VAULT, name("k"), 2048)).isNotBlank();
    }

    private static void setExpiry(Setup s, Instant exp) throws Exception {
        ClusterArm.Reply r = keys("PATCH", "keys/" + s.keyName() + "/" + s.version(), "{\"attributes\":{\"exp\":" + exp.getEpochSecond() + "}}");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
    }

    private static ClusterArm.Reply keys(String method, String path, String body) throws Exception {
        return arm.call(method, URI.create(arm.host.vaultUri(VAULT) + path + "?api-version=7.4"),
                arm.host.token(arm.client, Audiences.KEY_VAULT), body);
    }
}
