package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.WrapAlgorithm;
import io.keyward.hsm.envelope.AekMaterial;
import io.keyward.hsm.envelope.BlockClaims;
import io.keyward.hsm.envelope.Envelope;
import io.keyward.hsm.envelope.IntegrityException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Log Analytics clusters' double encryption and availability zones (issue 15): both set at creation (double encryption by
 * default, as Azure's docs say for new clusters) and never changed afterwards; the blocks of a double-encrypted cluster carry
 * an outer layer under the cluster's infrastructure AEK (wrapped by the platform KEK in the HSM) around the customer-key
 * layer, and open only with both.
 */
class DoubleEncryptionTest {

    private static final String TENANT = "e0000000-0000-4000-8000-00000000e201";
    private static final String VAULT_SUBSCRIPTION = "e0000000-0000-4000-8000-0000000005f8";
    /** soft delete and purge protection; in src/test/resources/hosts */
    private static final String VAULT = "kwdouble1";
    private static final String TABLE = "Double_CL";

    private static ClusterArm arm;
    private static Logs logs;

    @BeforeAll
    static void setUp() throws Exception {
        arm = new ClusterArm(TENANT, "double-encryption-test");
        arm.putVault(VAULT_SUBSCRIPTION, VAULT, "westeurope", true);
        logs = new Logs(arm);
    }

    @Test
    void theFlagsAreSetAtCreationDoubleEncryptionByDefaultAndCannotChangeAfterwards() throws Exception {
        String sub = ClusterArm.sub();
        String plain = ClusterArm.cluster(sub, "rg1", ClusterArm.name("cl"));
        ClusterArm.Reply created = arm.call("PUT", plain + ClusterArm.API, ClusterArm.body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.properties()).containsEntry("isDoubleEncryptionEnabled", true).containsEntry("isAvailabilityZonesEnabled", false);

        String chosen = ClusterArm.cluster(sub, "rg1", ClusterArm.name("cl"));
        // availability zones: none in this deployment, so true is refused, not accepted and dropped
        ClusterArm.Reply zoned = arm.call("PUT", chosen + ClusterArm.API, ClusterArm.body("westeurope", 1000,
                "\"isAvailabilityZonesEnabled\":true"));
        ClusterArm.assertError(zoned, 400, "BadRequest", "isAvailabilityZonesEnabled");
        assertThat(zoned.error()).containsEntry("target", "properties.isAvailabilityZonesEnabled");
        ClusterArm.Reply other = arm.call("PUT", chosen + ClusterArm.API, ClusterArm.body("westeurope", 1000,
                "\"isDoubleEncryptionEnabled\":false,\"isAvailabilityZonesEnabled\":false"));
        assertThat(other.status()).as(other.text()).isEqualTo(201);
        assertThat(arm.call("GET", chosen + ClusterArm.API, null).properties()).containsEntry("isDoubleEncryptionEnabled", false)
                .containsEntry("isAvailabilityZonesEnabled", false);

        for (String property : new String[] {"isDoubleEncryptionEnabled", "isAvailabilityZonesEnabled"}) {
            boolean current = property.equals("isDoubleEncryptionEnabled");
            ClusterArm.Reply patch = arm.call("PATCH", plain + ClusterArm.API, "{\"properties\":{\"" + property + "\":" + !current + "}}");
            ClusterArm.assertError(patch, 400, "BadRequest", property);
            assertThat(patch.error()).containsEntry("target", "properties." + property);
        }
        ClusterArm.Reply put = arm.call("PUT", chosen + ClusterArm.API, ClusterArm.body("westeurope", 1000,
                "\"isDoubleEncryptionEnabled\":true"));
        ClusterArm.assertError(put, 400, "BadRequest", "isDoubleEncryptionEnabled");
        // the value it has is no change
        ClusterArm.Reply same = arm.call("PATCH", plain + ClusterArm.API,
                "{\"properties\":{\"isDoubleEncryptionEnabled\":true,\"isAvailabilityZonesEnabled\":false}}");
        assertThat(same.status()).as(same.text()).isEqualTo(200);
        assertThat(arm.call("GET", plain + ClusterArm.API, null).properties()).containsEntry("isDoubleEncryptionEnabled", true)
                .containsEntry("isAvailabilityZonesEnabled", false);
    }

    @Test
    void aDoubleEncryptedClustersBlockCarriesBothLayersAndOpensOnlyWithBoth() throws Exception {
        String keyName = ClusterArm.name("k");
        arm.createKey(VAULT, keyName, 2048);
        Logs.KeyedCluster s = logs.keyedCluster(VAULT_SUBSCRIPTION, VAULT, keyName, "", TABLE, "double-secret");
        String where = " FROM data_blocks WHERE customer_id = ?::uuid";
        assertThat(arm.query("SELECT bool_and(double_encrypted)" + where, s.ws().customerId(), Boolean.class)).isTrue();
        assertThat(logs.messages(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H"))
                .containsExactly("double-secret-1", "double-secret-0");

        // the stored bytes: the outer layer, which the infrastructure key alone opens to the inner layer, still sealed
        byte[] stored = arm.query("SELECT sealed" + where, s.ws().customerId(), byte[].class);
        String blockId = arm.query("SELECT block_id::text" + where, s.ws().customerId(), String.class);
        BlockClaims outerClaims = new BlockClaims(TENANT + "/" + s.ws().customerId(), TABLE, blockId, "infrastructure", s.clusterUuid(),
                1);
        byte[] inner;
        try (Envelope outer = Envelope.of(1, infrastructureAek(s.clusterUuid()))) {
            inner = outer.open(outerClaims, stored);
        }
        assertThat(stored).hasSize(inner.length + 33);
        assertThat(inner[0]).as("the inner layer is a V2 block itself").isEqualTo((byte) 2);
        for (byte[] layer : new byte[][] {stored, inner}) {
            assertThat(new String(layer, StandardCharsets.ISO_8859_1)).doesNotContain("double-secret").doesNotContain("TimeGenerated");
        }
        // the infrastructure key does not open the inner layer as a block of its own either
        try (Envelope outer = Envelope.of(1, infrastructureAek(s.clusterUuid()))) {
            assertThatThrownBy(() -> outer.open(new BlockClaims(TENANT + "/" + s.ws().customerId(), TABLE, blockId, "cluster+infrastructure",
                    s.clusterUuid(), 1), inner)).isInstanceOf(IntegrityException.class);
        }

        // with the customer's key only: the row says one layer, the stored bytes do not open under the cluster's AEK
        assertThat(update("UPDATE data_blocks SET double_encrypted = false WHERE customer_id = ?::uuid",
                s.ws().customerId())).isEqualTo(1);
        assertRefused(s);
        // the outer layer stripped (as only the platform could): the inner layer names the outer one, and does not open alone
        assertThat(update("UPDATE data_blocks SET sealed = ? WHERE customer_id = ?::uuid", inner,
                s.ws().customerId())).isEqualTo(1);
        assertRefused(s);
        assertThat(update("UPDATE data_blocks SET double_encrypted = true WHERE customer_id = ?::uuid",
                s.ws().customerId())).isEqualTo(1);
        assertRefused(s);
        // both layers back: readable again
        assertThat(update("UPDATE data_blocks SET sealed = ? WHERE customer_id = ?::uuid", stored,
                s.ws().customerId())).isEqualTo(1);
        assertThat(logs.messages(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H")).hasSize(2);
    }

    @Test
    void aClusterCreatedWithoutDoubleEncryptionSealsOneLayer() throws Exception {
        String keyName = ClusterArm.name("k");
        arm.createKey(VAULT, keyName, 2048);
        Logs.KeyedCluster s = logs.keyedCluster(VAULT_SUBSCRIPTION, VAULT, keyName, "", TABLE, "single", "\"isDoubleEncryptionEnabled\":false");
        assertThat(arm.query("SELECT bool_or(double_encrypted) FROM data_blocks WHERE customer_id = ?::uuid", s.ws().customerId(),
                Boolean.class)).isFalse();
        assertThat(arm.query("SELECT count(*) FROM cluster_infrastructure_aeks WHERE cluster_id = ?::uuid", s.clusterUuid(), Long.class))
                .isZero();
        assertThat(logs.messages(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H")).containsExactly("single-1", "single-0");
    }

    private static void assertRefused(Logs.KeyedCluster s) throws Exception {
        ClusterArm.Reply q = logs.query(s.ws().customerId(), "table=" + TABLE + "&timespan=PT2H");
        ClusterArm.assertError(q, 409, "DataIntegrityFailure", "failed its integrity check");
        assertThat(q.text()).doesNotContain("double-secret");
    }

    private static int update(String sql, Object... params) throws Exception {
        var db = arm.host.host().database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    /** The cluster's infrastructure AEK, unwrapped by the platform KEK in the HSM as the data plane does. */
    private static AekMaterial infrastructureAek(String clusterUuid) throws Exception {
        var db = arm.host.host().database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("SELECT kek_name, kek_version, wrapped_aek FROM cluster_infrastructure_aeks"
                     + " WHERE cluster_id = ?::uuid")) {
            ps.setString(1, clusterUuid);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("the cluster has an infrastructure AEK").isTrue();
                return AekMaterial.adopt(arm.host.bean(Hsm.class).unwrap(new KeyVersionRef(rs.getString(1), rs.getString(2)),
                        WrapAlgorithm.RSA_OAEP, rs.getBytes(3)));
            }
        }
    }
}
