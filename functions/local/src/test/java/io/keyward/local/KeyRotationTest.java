package io.keyward.local;

import static io.keyward.local.ClusterArm.API;
import static io.keyward.local.ClusterArm.keyPatch;
import static io.keyward.local.ClusterArm.name;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The customer's key over its life, on the local host with the real vault, token and database: rotation by a key
 * update, rotation followed on its own (empty keyVersion), access policies removed and restored, and a key update
 * clearing a recorded revocation. Old data stays readable through every rotation, and no block is re-encrypted.
 */
class KeyRotationTest {

    private static final String TENANT = "e0000000-0000-4000-8000-00000000d101";
    private static final String VAULT_SUBSCRIPTION = "e0000000-0000-4000-8000-0000000005d2";
    /** soft delete and purge protection; in src/test/resources/hosts */
    private static final String VAULT = "kwrot1";

    private static ClusterArm arm;
    private static Logs logs;

    @BeforeAll
    static void setUp() throws Exception {
        arm = new ClusterArm(TENANT, "key-rotation-test").owning(VAULT_SUBSCRIPTION);
        arm.putVault(VAULT_SUBSCRIPTION, VAULT, "westeurope", true);
        logs = new Logs(arm);
    }

    /** A cluster bound to {@code keyName} at {@code keyVersion} ("" = latest), a linked workspace, and two records in it. */
    private static Logs.KeyedCluster clusterWithData(String keyName, String keyVersion) throws Exception {
        return logs.keyedCluster(VAULT_SUBSCRIPTION, VAULT, keyName, keyVersion, "Rot_CL", "old");
    }

    private static ClusterArm.Reply update(String clusterId, String keyName, String keyVersion) throws Exception {
        return arm.awaitOperation(arm.call("PATCH", clusterId + API, keyPatch(arm.host.vaultUri(VAULT), keyName, keyVersion)));
    }

    private static String storedVersion(Logs.KeyedCluster s) throws Exception {
        return arm.query("SELECT key_version FROM cmk_aeks WHERE resource_uuid = ?::uuid", s.clusterUuid(), String.class);
    }

    private static String sealedDigest(Logs.KeyedCluster s) throws Exception {
        return arm.query("SELECT md5(string_agg(encode(sealed, 'hex'), '' ORDER BY block_id)) FROM data_blocks"
                + " WHERE customer_id = ?::uuid", s.ws().customerId(), String.class);
    }

    @Test
    void aKeyUpdateToANewVersionRewrapsTheAekAndOldDataStaysReadable() throws Exception {
        String keyName = name("k");
        String v1 = arm.createKey(VAULT, keyName, 2048);
        Logs.KeyedCluster s = clusterWithData(keyName, v1);
        byte[] wrappedBefore = arm.query("SELECT wrapped_aek FROM cmk_aeks WHERE resource_uuid = ?::uuid", s.clusterUuid(), byte[].class);
        String blocksBefore = sealedDigest(s);

        String v2 = arm.createKey(VAULT, keyName, 2048);
        assertThat(update(s.clusterId(), keyName, v2).json()).containsEntry("status", "Succeeded");
        assertThat(storedVersion(s)).isEqualTo(v2);
        assertThat(arm.query("SELECT wrapped_aek FROM cmk_aeks WHERE resource_uuid = ?::uuid", s.clusterUuid(), byte[].class))
                .isNotEqualTo(wrappedBefore);
        assertThat(sealedDigest(s)).as("no block is re-encrypted by a rotation").isEqualTo(blocksBefore);

        // the old version may go now: the AEK is under v2 only
        arm.setKeyEnabled(VAULT, keyName, v1, false);
        assertThat(arm.pollKeyState(s.clusterUuid(), "Accessible")).isEqualTo("Accessible");
        assertThat(logs.messages(s.ws().customerId(), "table=Rot_CL&timespan=PT2H")).containsExactly("old-1", "old-0");
        assertThat(logs.ingest(s.ws().customerId(), "Rot_CL", "ts", Logs.records("new", s.t0().plusSeconds(600), 1)).status())
                .isEqualTo(200);
        assertThat(logs.messages(s.ws().customerId(), "table=Rot_CL&timespan=PT2H")).containsExactly("new-0", "old-1", "old-0");
    }

    @Test
    void disablingTheOldVersionBeforeTheUpdateIsARevocation() throws Exception {
        String keyName = name("k");
        String v1 = arm.createKey(VAULT, keyName, 2048);
        Logs.KeyedCluster s = clusterWithData(keyName, v1);
        String v2 = arm.createKey(VAULT, keyName, 2048);
        arm.setKeyEnabled(VAULT, keyName, v1, false);
        assertThat(arm.pollKeyState(s.clusterUuid(), "Revoked")).isEqualTo("Revoked");
        ClusterArm.assertError(logs.query(s.ws().customerId(), "table=Rot_CL&timespan=PT2H"), 403, "CustomerManagedKeyInaccessible", null);

        // the update cannot carry the AEK over: v1 no longer unwraps it, so the data would be lost
        ClusterArm.Reply refused = update(s.clusterId(), keyName, v2);
        assertThat(refused.json()).containsEntry("status", "Failed");
        assertThat((String) refused.map("error").get("message")).contains("could not unwrap").contains(v1);
        assertThat(storedVersion(s)).isEqualTo(v1);

        // enabled again, the update works, and the key update itself clears the recorded revocation (no poll needed)
        arm.setKeyEnabled(VAULT, keyName, v1, true);
        assertThat(update(s.clusterId(), keyName, v2).json()).containsEntry("status", "Succeeded");
        assertThat(arm.call("GET", s.clusterId() + API, null).properties().get("keyState")).isNotEqualTo("Revoked");
        assertThat(logs.messages(s.ws().customerId(), "table=Rot_CL&timespan=PT2H")).containsExactly("old-1", "old-0");
        assertThat(arm.pollKeyState(s.clusterUuid(), "Accessible")).isEqualTo("Accessible");
        assertThat(storedVersion(s)).isEqualTo(v2);
    }

    @Test
    void anEmptyKeyVersionFollowsTheNewestVersionOnItsOwn() throws Exception {
        String keyName = name("k");
        String v1 = arm.createKey(VAULT, keyName, 2048);
        Logs.KeyedCluster s = clusterWithData(keyName, "");
        assertThat(storedVersion(s)).isEqualTo(v1);
        String blocksBefore = sealedDigest(s);

        String v2 = arm.createKey(VAULT, keyName, 2048);
        assertThat(arm.pollKeyState(s.clusterUuid(), "Accessible")).isEqualTo("Accessible");
        assertThat(storedVersion(s)).as("the poller re-wrapped the AEK under the newest version").isEqualTo(v2);
        assertThat(sealedDigest(s)).isEqualTo(blocksBefore);
        assertThat(arm.call("GET", s.clusterId() + API, null).properties().get("keyVaultProperties"))
                .asString().contains("keyVersion=}").doesNotContain(v2);

        arm.setKeyEnabled(VAULT, keyName, v1, false);
        assertThat(arm.pollKeyState(s.clusterUuid(), "Accessible")).isEqualTo("Accessible");
        assertThat(logs.messages(s.ws().customerId(), "table=Rot_CL&timespan=PT2H")).containsExactly("old-1", "old-0");

        // a newer version that is disabled is not taken: the AEK stays under v2
        String v3 = arm.createKey(VAULT, keyName, 2048);
        arm.setKeyEnabled(VAULT, keyName, v3, false);
        assertThat(arm.pollKeyState(s.clusterUuid(), "Accessible")).isEqualTo("Accessible");
        assertThat(storedVersion(s)).isEqualTo(v2);
    }

    @Test
    void aPinnedKeyVersionIsNotRotatedByThePoller() throws Exception {
        String keyName = name("k");
        String v1 = arm.createKey(VAULT, keyName, 2048);
        Logs.KeyedCluster s = clusterWithData(keyName, v1);
        arm.createKey(VAULT, keyName, 2048);
        assertThat(arm.pollKeyState(s.clusterUuid(), "Accessible")).isEqualTo("Accessible");
        assertThat(storedVersion(s)).isEqualTo(v1);
    }

    @Test
    void removingTheAccessPolicyRevokesAndRestoringItResumes() throws Exception {
        String keyName = name("k");
        arm.createKey(VAULT, keyName, 2048);
        Logs.KeyedCluster s = clusterWithData(keyName, "");
        assertThat(arm.pollKeyState(s.clusterUuid(), "Accessible")).isEqualTo("Accessible");

        arm.revoke(VAULT_SUBSCRIPTION, VAULT, s.principalId(), "get", "wrapKey", "unwrapKey");
        assertThat(arm.pollKeyState(s.clusterUuid(), "Revoked")).isEqualTo("Revoked");
        assertThat((String) arm.call("GET", s.clusterId() + API, null).properties().get("lastKeyError")).contains("answered 403");
        ClusterArm.assertError(logs.query(s.ws().customerId(), "table=Rot_CL&timespan=PT2H"), 403, "CustomerManagedKeyInaccessible",
                "was revoked");
        ClusterArm.assertError(logs.ingest(s.ws().customerId(), "Rot_CL", "ts", Logs.records("lost", s.t0(), 2)), 403,
                "CustomerManagedKeyInaccessible", "records were dropped");

        arm.grant(VAULT_SUBSCRIPTION, VAULT, s.principalId(), "get", "wrapKey", "unwrapKey");
        assertThat(arm.pollKeyState(s.clusterUuid(), "Accessible")).isEqualTo("Accessible");
        assertThat(logs.messages(s.ws().customerId(), "table=Rot_CL&timespan=PT2H")).containsExactly("old-1", "old-0");
    }
}
