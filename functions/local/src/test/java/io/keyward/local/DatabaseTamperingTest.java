package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A database-level attacker (issue 11): rows edited with plain SQL on the host's PostgreSQL, as someone with write access
 * to the database but no access to the HSM would. Every case is refused with a documented error (docs/security.md) and
 * none serves the record, to its owner or to anyone else; none answers 5xx.
 */
class DatabaseTamperingTest {

    private static final String TENANT = "e0000000-0000-4000-8000-00000000e101";
    private static final String OTHER_TENANT = "e0000000-0000-4000-8000-00000000e102";
    private static final String VAULT_SUBSCRIPTION = "e0000000-0000-4000-8000-0000000005f7";
    /** soft delete and purge protection; in src/test/resources/hosts */
    private static final String VAULT = "kwtamper1";
    private static final String TABLE = "Tamper_CL";

    private static ClusterArm arm;
    private static Logs logs;
    private static ClusterArm other;
    private static Logs otherLogs;

    @BeforeAll
    static void setUp() throws Exception {
        arm = new ClusterArm(TENANT, "tampering-test").owning(VAULT_SUBSCRIPTION);
        arm.putVault(VAULT_SUBSCRIPTION, VAULT, "westeurope", true);
        logs = new Logs(arm);
        other = new ClusterArm(OTHER_TENANT, "tampering-other");
        otherLogs = new Logs(other);
    }

    /** A keyed cluster with a linked workspace holding two records, prefix-0 and prefix-1, in one block. */
    private static Logs.KeyedCluster keyed(String prefix) throws Exception {
        String keyName = ClusterArm.name("k");
        arm.createKey(VAULT, keyName, 2048);
        return logs.keyedCluster(VAULT_SUBSCRIPTION, VAULT, keyName, "", TABLE, prefix);
    }

    private static void assertRefusedWithout(ClusterArm.Reply q, String secret) {
        ClusterArm.assertError(q, 409, "DataIntegrityFailure", "failed its integrity check");
        assertThat(q.text()).doesNotContain(secret).doesNotContain("Exception");
    }

    @Test
    void aBlockMovedToAnotherWorkspaceOfTheSameClusterIsRefusedThere() throws Exception {
        Logs.KeyedCluster s = keyed("moved-within");
        Logs.Workspace second = logs.workspace(ClusterArm.sub());
        logs.link(second, s.clusterId());
        assertThat(logs.ingest(second.customerId(), TABLE, "ts", Logs.records("second-own", s.t0(), 1)).json())
                .containsEntry("key", "cluster");
        assertThat(logs.messages(second.customerId(), "table=" + TABLE + "&timespan=PT2H")).containsExactly("second-own-0");

        // the first workspace's block now claims to be the second's: the column queries select by (BlockFormat V1 bound
        // only the resource id column, and this move was served), then both columns that name the workspace
        assertThat(update("UPDATE data_blocks SET customer_id = ?::uuid WHERE customer_id = ?::uuid", second.customerId(),
                s.ws().customerId())).isEqualTo(1);
        assertRefusedWithout(logs.query(second.customerId(), "table=" + TABLE + "&timespan=PT2H"), "moved-within");
        assertThat(update("UPDATE data_blocks SET workspace_resource_id = ? WHERE workspace_resource_id = ?", second.id(),
                s.ws().id())).isEqualTo(1);
        assertRefusedWithout(logs.query(second.customerId(), "table=" + TABLE + "&timespan=PT2H"), "moved-within");
    }

    @Test
    void aBlockMovedIntoAnotherTenantsWorkspaceIsRefusedThere() throws Exception {
        Logs.KeyedCluster s = keyed("moved-across");
        Logs.Workspace foreign = otherLogs.workspace(ClusterArm.sub());
        assertThat(otherLogs.ingest(foreign.customerId(), TABLE, "ts", Logs.records("foreign-own", s.t0(), 1)).status()).isEqualTo(200);

        assertThat(update("UPDATE data_blocks SET customer_id = ?::uuid WHERE customer_id = ?::uuid", foreign.customerId(),
                s.ws().customerId())).isEqualTo(1);
        assertRefusedWithout(otherLogs.query(foreign.customerId(), "table=" + TABLE + "&timespan=PT2H"), "moved-across");
    }

    @Test
    void twoBlocksSwappedBetweenTheirRowsAreRefused() throws Exception {
        Logs.KeyedCluster s = keyed("swap-a");
        assertThat(logs.ingest(s.ws().customerId(), TABLE, "ts", Logs.records("swap-b", s.t0().plusSeconds(600), 1)).status())
                .isEqualTo(200);
        List<String> ids = blockIds(s.ws().customerId());
        assertThat(ids).hasSize(2);
        // each row keeps its id, time range and key columns; the sealed bytes trade places
        assertThat(update("UPDATE data_blocks d SET sealed = o.sealed FROM data_blocks o WHERE d.block_id IN (?::uuid, ?::uuid)"
                + " AND o.block_id IN (?::uuid, ?::uuid) AND o.block_id <> d.block_id", ids.get(0), ids.get(1), ids.get(0), ids.get(1)))
                .isEqualTo(2);
        ClusterArm.Reply q = logs.query(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H");
        assertRefusedWithout(q, "swap-");
    }

    @Test
    void aBlockMovedToAnotherTableIsRefusedThere() throws Exception {
        Logs.KeyedCluster s = keyed("moved-table");
        assertThat(update("UPDATE data_blocks SET table_name = 'Other_CL' WHERE customer_id = ?::uuid", s.ws().customerId())).isEqualTo(1);
        assertRefusedWithout(logs.query(s.ws().customerId(), "table=Other_CL&timespan=PT2H"), "moved-table");
    }

    @Test
    void anEditedAekVersionIsRefused() throws Exception {
        Logs.KeyedCluster s = keyed("edited-version");
        assertThat(logs.messages(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H")).containsExactly("edited-version-1",
                "edited-version-0");
        assertThat(update("UPDATE data_blocks SET aek_version = 2 WHERE customer_id = ?::uuid AND aek_version = 1",
                s.ws().customerId())).isEqualTo(1);
        assertRefusedWithout(logs.query(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H"), "edited-version");
        // and back: the block itself was never touched
        assertThat(update("UPDATE data_blocks SET aek_version = 1 WHERE customer_id = ?::uuid", s.ws().customerId())).isEqualTo(1);
        assertThat(logs.messages(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H")).hasSize(2);
    }

    @Test
    void aPlatformKeyBlockRelabelledAsAnotherWorkspacesIsRefused() throws Exception {
        Logs.Workspace a = logs.workspace(ClusterArm.sub());
        Logs.Workspace b = logs.workspace(ClusterArm.sub());
        assertThat(logs.ingest(a.customerId(), TABLE, null, "[{\"msg\":\"platform-secret\"}]").json()).containsEntry("key", "platform");
        assertThat(logs.ingest(b.customerId(), TABLE, null, "[{\"msg\":\"b-own\"}]").status()).isEqualTo(200);
        assertThat(update("UPDATE data_blocks SET customer_id = ?::uuid, workspace_resource_id = ? WHERE customer_id = ?::uuid",
                b.customerId(), b.id(), a.customerId())).isEqualTo(1);
        assertRefusedWithout(logs.query(b.customerId(), "table=" + TABLE), "platform-secret");
    }

    @Test
    void aWorkspaceHandedToAnotherTenantInTheDatabaseServesItNothing() throws Exception {
        Logs.KeyedCluster s = keyed("handed-over");
        Logs.Workspace plain = logs.workspace(ClusterArm.sub());
        assertThat(logs.ingest(plain.customerId(), TABLE, null, "[{\"msg\":\"handed-over-platform\"}]").status()).isEqualTo(200);
        // the other tenant now passes the data plane's authorization (its tenant, and an Owner assignment written in the
        // database too): the blocks name their tenant and do not open for it
        for (Logs.Workspace ws : List.of(s.ws(), plain)) {
            assertThat(update("UPDATE workspaces SET tenant_id = ? WHERE customer_id = ?::uuid", OTHER_TENANT, ws.customerId())).isEqualTo(1);
            arm.host.owner(other.client, ws.id().split("/")[2]);
            assertRefusedWithout(otherLogs.query(ws.customerId(), "table=" + TABLE + "&timespan=PT2H"), "handed-over");
        }
    }

    @Test
    void aWorkspaceLinkEditedToAnotherTenantsClusterStoresNothingUnderItsKey() throws Exception {
        Logs.Workspace ws = logs.workspace(ClusterArm.sub());
        String foreignCluster = ClusterArm.cluster(ClusterArm.sub(), "rg1", ClusterArm.name("cl"));
        ClusterArm.Reply created = other.call("PUT", foreignCluster + ClusterArm.API, ClusterArm.body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(update("UPDATE workspaces SET cluster_resource_id = ? WHERE customer_id = ?::uuid", foreignCluster, ws.customerId()))
                .isEqualTo(1);
        ClusterArm.Reply in = logs.ingest(ws.customerId(), TABLE, null, "[{\"msg\":\"redirected\"}]");
        ClusterArm.assertError(in, 409, "DataIntegrityFailure", "another tenant");
        assertThat(arm.query("SELECT count(*) FROM data_blocks WHERE customer_id = ?::uuid", ws.customerId(), Long.class)).isZero();
    }

    // --- wrapped AEKs: rolled back or edited

    @Test
    void anOlderWrappedAekPutBackAfterARotationIsRefusedOnceTheConfiguredVersionIsDisabled() throws Exception {
        String keyName = ClusterArm.name("k");
        String v1 = arm.createKey(VAULT, keyName, 2048);
        Logs.KeyedCluster s = logs.keyedCluster(VAULT_SUBSCRIPTION, VAULT, keyName, v1, TABLE, "rolled-back");
        String before = "SELECT resource_uuid, key_id, key_version, algorithm, wrapped_aek FROM cmk_aeks WHERE resource_uuid = ?::uuid";
        // the attacker's copy of the row as it was before the rotation (a backup, or read earlier)
        update("CREATE TABLE IF NOT EXISTS tamper_saved_aeks AS " + before.replace("?::uuid", "NULL") + " WITH NO DATA");
        assertThat(update("INSERT INTO tamper_saved_aeks " + before, s.clusterUuid())).isEqualTo(1);

        String v2 = arm.createKey(VAULT, keyName, 2048);
        assertThat(arm.awaitOperation(arm.call("PATCH", s.clusterId() + ClusterArm.API,
                ClusterArm.keyPatch(arm.host.vaultUri(VAULT), keyName, v2))).json()).containsEntry("status", "Succeeded");
        assertThat(logs.messages(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H")).hasSize(2);

        // the older row put back (still unwrappable with v1, which the customer left enabled), then v2 disabled
        assertThat(update("UPDATE cmk_aeks a SET key_id = o.key_id, key_version = o.key_version, algorithm = o.algorithm,"
                + " wrapped_aek = o.wrapped_aek FROM tamper_saved_aeks o WHERE o.resource_uuid = a.resource_uuid"
                + " AND a.resource_uuid = ?::uuid", s.clusterUuid())).isEqualTo(1);
        assertThat(arm.query("SELECT key_version FROM cmk_aeks WHERE resource_uuid = ?::uuid", s.clusterUuid(), String.class))
                .isEqualTo(v1);
        arm.setKeyEnabled(VAULT, keyName, v2, false);

        assertThat(arm.pollKeyState(s.clusterUuid(), "Revoked")).isEqualTo("Revoked");
        assertThat(arm.query("SELECT last_error FROM cmk_key_health WHERE resource_uuid = ?::uuid", s.clusterUuid(), String.class))
                .contains("does not match its binding");
        ClusterArm.Reply q = logs.query(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H");
        ClusterArm.assertError(q, 403, "CustomerManagedKeyInaccessible", null);
        assertThat(q.text()).doesNotContain("rolled-back-");
        // a key update cannot launder the rolled-back row either
        ClusterArm.Reply rebound = arm.awaitOperation(arm.call("PATCH", s.clusterId() + ClusterArm.API,
                ClusterArm.keyPatch(arm.host.vaultUri(VAULT), keyName, v1)));
        assertThat(rebound.json()).as(rebound.text()).containsEntry("status", "Failed");
        assertThat(rebound.text()).contains("does not match its key binding");
    }

    @Test
    void anEditedKeyBindingOrOneDeletedIsRefused() throws Exception {
        Logs.KeyedCluster s = keyed("edited-binding");
        assertThat(arm.pollKeyState(s.clusterUuid(), "Accessible")).isEqualTo("Accessible");
        byte[] mac = arm.query("SELECT mac FROM cmk_key_bindings WHERE resource_uuid = ?::uuid", s.clusterUuid(), byte[].class);
        assertThat(mac).hasSize(16);

        // the binding edited to cover a version the row does not name: one bit of the MAC flipped
        assertThat(update("UPDATE cmk_key_bindings SET mac = set_byte(mac, 0, get_byte(mac, 0) # 1) WHERE resource_uuid = ?::uuid",
                s.clusterUuid())).isEqualTo(1);
        assertThat(arm.pollKeyState(s.clusterUuid(), "Revoked")).isEqualTo("Revoked");
        ClusterArm.Reply q = logs.query(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H");
        ClusterArm.assertError(q, 403, "CustomerManagedKeyInaccessible", null);
        assertThat(q.text()).doesNotContain("edited-binding-");

        // the row's identity edited instead (the binding put back): refused too
        assertThat(update("UPDATE cmk_key_bindings SET mac = ? WHERE resource_uuid = ?::uuid", mac, s.clusterUuid())).isEqualTo(1);
        assertThat(arm.pollKeyState(s.clusterUuid(), "Accessible")).isEqualTo("Accessible");
        assertThat(logs.messages(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H")).hasSize(2);
        String principal = arm.query("SELECT principal_id::text FROM cmk_aeks WHERE resource_uuid = ?::uuid", s.clusterUuid(), String.class);
        assertThat(update("UPDATE cmk_aeks SET principal_id = gen_random_uuid() WHERE resource_uuid = ?::uuid", s.clusterUuid()))
                .isEqualTo(1);
        assertThat(arm.pollKeyState(s.clusterUuid(), "Revoked")).isEqualTo("Revoked");
        assertThat(update("UPDATE cmk_aeks SET principal_id = ?::uuid WHERE resource_uuid = ?::uuid", principal, s.clusterUuid()))
                .isEqualTo(1);

        // and deleted: no binding is no use either
        assertThat(update("DELETE FROM cmk_key_bindings WHERE resource_uuid = ?::uuid", s.clusterUuid())).isEqualTo(1);
        assertThat(arm.pollKeyState(s.clusterUuid(), "Revoked")).isEqualTo("Revoked");
        ClusterArm.assertError(logs.query(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H"), 403, "CustomerManagedKeyInaccessible",
                null);
    }

    // --- plain SQL, as the attacker

    static int update(String sql, Object... params) throws Exception {
        var db = arm.host.host().database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    private static List<String> blockIds(String customerId) throws Exception {
        var db = arm.host.host().database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("SELECT block_id FROM data_blocks WHERE customer_id = ?::uuid ORDER BY block_id")) {
            ps.setString(1, customerId);
            try (var rs = ps.executeQuery()) {
                List<String> out = new java.util.ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        }
    }
}
