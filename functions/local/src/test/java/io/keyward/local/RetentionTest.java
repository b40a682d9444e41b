package io.keyward.local;

import static io.keyward.local.ClusterArm.API;
import static io.keyward.local.ClusterArm.body;
import static io.keyward.local.ClusterArm.cluster;
import static io.keyward.local.ClusterArm.keyPatch;
import static io.keyward.local.ClusterArm.name;
import static io.keyward.local.ClusterArm.sub;
import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.cmk.AekResult;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.identity.Audiences;
import io.keyward.app.retention.RetentionJob;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.WrapAlgorithm;
import io.keyward.hsm.envelope.AekMaterial;
import io.keyward.hsm.envelope.BlockClaims;
import io.keyward.hsm.envelope.BlockRef;
import io.keyward.hsm.envelope.Envelope;
import io.keyward.hsm.envelope.IntegrityException;
import io.keyward.hsm.envelope.KeyAccess;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retention on the local host, fired through the {@code Retention_Purge} timer entry point: blocks past their
 * workspace's retention go whatever key they are under (a revoked one included); a soft-deleted cluster past its purge
 * date is crypto-shredded (AEK first, then blocks, then the row and its name); a soft-deleted workspace likewise with
 * its platform AEK; a purge cut short after the shred is finished by the next run, and a second run changes nothing.
 * Times move on the database clock instead of waiting.
 */
class RetentionTest {

    private static final String TENANT = "e0000000-0000-4000-8000-00000000e001";
    private static final String VAULT_SUBSCRIPTION = "e0000000-0000-4000-8000-0000000005e1";
    /** soft delete and purge protection; in src/test/resources/hosts */
    private static final String VAULT = "kwret1";
    private static final String WS_API = "?api-version=2022-10-01";
    private static final String LINK_API = "?api-version=2020-08-01";

    /** block id -> the prefix of the records the block holds (each ingest here makes one block) */
    private static final Map<String, String> PREFIXES = new ConcurrentHashMap<>();
    private static ClusterArm arm;
    private static JsonMapper JSON;

    @BeforeAll
    static void setUp() throws Exception {
        arm = new ClusterArm(TENANT, "retention-test").owning(VAULT_SUBSCRIPTION);
        arm.putVault(VAULT_SUBSCRIPTION, VAULT, "westeurope", true);
        JSON = arm.host.bean(JsonMapper.class);
    }

    @Test
    void blocksPastTheirWorkspacesRetentionArePurgedWhateverKeyTheyAreUnder() throws Exception {
        String sub = sub();
        Instant recent = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(30));
        // retention 30 days (the default and the minimum)
        Workspace ws30 = workspace(sub, null);
        assertThat(ingest(ws30, "Ret_CL", "expired", recent, 2).status()).isEqualTo(200);
        assertThat(ingest(ws30, "Ret_CL", "straddling", recent, 2).status()).isEqualTo(200);
        assertThat(ingest(ws30, "Ret_CL", "recent", recent, 2).status()).isEqualTo(200);
        age("expired", "30 days 1 minute", "31 days");
        // its oldest record is past the boundary, its newest is not: the block stays until all its records are past it
        age("straddling", "29 days 23 hours", "40 days");
        // retention 60 days: a block 45 days old stays, one 61 days old goes
        Workspace ws60 = workspace(sub, 60);
        assertThat(ingest(ws60, "Ret_CL", "kept45", recent, 1).status()).isEqualTo(200);
        assertThat(ingest(ws60, "Ret_CL", "gone61", recent, 1).status()).isEqualTo(200);
        age("kept45", "45 days", "45 days");
        age("gone61", "61 days", "61 days");

        // a workspace whose cluster key the customer revoked: its data is unreadable, and is purged all the same
        Workspace revokedWs = workspace(sub, null);
        Keyed keyed = keyedCluster(sub, revokedWs);
        assertThat(ingest(revokedWs, "Ret_CL", "revoked-old", recent, 2).json()).containsEntry("key", "cluster");
        assertThat(ingest(revokedWs, "Ret_CL", "revoked-new", recent, 2).json()).containsEntry("key", "cluster");
        assertThat(setKeyEnabled(keyed.keyName, keyed.version, false).status()).isEqualTo(200);
        assertThat(arm.pollKeyState(keyed.clusterUuid, "Revoked")).isEqualTo("Revoked");
        ClusterArm.assertError(query(revokedWs, "Ret_CL"), 403, "CustomerManagedKeyInaccessible", "was revoked");
        age("revoked-old", "31 days", "31 days");

        fireOverHttp();

        assertThat(prefixes(ws30)).containsExactlyInAnyOrder("straddling", "recent");
        assertThat(prefixes(ws60)).containsExactly("kept45");
        assertThat(prefixes(revokedWs)).containsExactly("revoked-new");
        // P45D: the aged block's metadata says its records are 30 to 40 days old (their text was not changed)
        assertThat(rows(query(ws30, "Ret_CL", "P45D"))).extracting(r -> r.get("msg")).containsExactlyInAnyOrder("recent-1", "straddling-1",
                "recent-0", "straddling-0");
        assertThat(rows(query(ws60, "Ret_CL", "P60D"))).extracting(r -> r.get("msg")).containsExactly("kept45-0");
        // the cluster itself is alive: only its data past retention went, its AEK stays
        assertThat(count("SELECT count(*) FROM cmk_aeks WHERE resource_uuid = ?::uuid", keyed.clusterUuid)).isEqualTo(1);

        assertThat(setKeyEnabled(keyed.keyName, keyed.version, true).status()).isEqualTo(200);
        assertThat(arm.pollKeyState(keyed.clusterUuid, "Accessible")).isEqualTo("Accessible");
        assertThat(rows(query(revokedWs, "Ret_CL"))).extracting(r -> r.get("msg")).containsExactly("revoked-new-1", "revoked-new-0");
    }

    @Test
    void aDeletedClusterPastItsPurgeDateIsCryptoShreddedAndItsNameReleased() throws Exception {
        String sub = sub();
        Workspace ws = workspace(sub, null);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(20));
        // platform-key data of the same workspace, written before the link: its platform AEK is one of the keys tried below
        assertThat(ingest(ws, "Shred_CL", "platform", t0, 1).json()).containsEntry("key", "platform");
        Keyed keyed = keyedCluster(sub, ws);
        assertThat(ingest(ws, "Shred_CL", "shred-secret", t0.plusSeconds(300), 3).json()).containsEntry("key", "cluster");
        assertThat(count("SELECT count(*) FROM cluster_infrastructure_aeks WHERE cluster_id = ?::uuid", keyed.clusterUuid)).isEqualTo(1);
        List<Sealed> copied = sealed(SEALED_COLUMNS + " WHERE cluster_id = ?::uuid",
                keyed.clusterUuid);
        assertThat(copied).isNotEmpty();
        // The harness can open these blocks while the AEK exists: a shred that did not happen would be caught below.
        assertThat(openWithAnyKey(copied)).allSatisfy(plain -> assertThat(plain).contains("shred-secret"));
        Sealed platformBlock = sealed(SEALED_COLUMNS + ""
                + " WHERE customer_id = ?::uuid AND key_kind = 'platform'", ws.customerId).get(0);
        assertThat(openWithAnyKey(List.of(platformBlock))).singleElement().asString().contains("platform-0");

        assertThat(arm.call("DELETE", keyed.clusterId + API, null).status()).isEqualTo(200);
        String name = keyed.clusterName;
        ClusterArm.assertError(arm.call("PUT", keyed.clusterId + API, body("westeurope", 1000, "")), 409, "ConflictError", "reserved");
        // 14 days (and the purge grace) later
        arm.sql("UPDATE cmk_resources SET deleted_at = now() - interval '15 days', purge_at = now() - interval '1 day'"
                + " WHERE name = ?", name);

        arm.host.host().fireTimer("Retention_Purge");

        // first what matters: no key Keyward holds opens them any more
        assertThat(openWithAnyKey(copied)).as("copied blocks opened after the shred").hasSize(copied.size()).containsOnlyNulls();
        assertThat(count("SELECT count(*) FROM cmk_aeks WHERE resource_uuid = ?::uuid", keyed.clusterUuid)).isZero();
        assertThat(count("SELECT count(*) FROM cmk_key_bindings WHERE resource_uuid = ?::uuid", keyed.clusterUuid)).isZero();
        // the cluster was double-encrypted (the default): its outer layer's key went too
        assertThat(count("SELECT count(*) FROM cluster_infrastructure_aeks WHERE cluster_id = ?::uuid", keyed.clusterUuid)).isZero();
        assertThat(count("SELECT count(*) FROM cmk_key_health WHERE resource_uuid = ?::uuid", keyed.clusterUuid)).isZero();
        assertThat(count("SELECT count(*) FROM data_blocks WHERE cluster_id = ?::uuid", keyed.clusterUuid)).isZero();
        assertThat(count("SELECT count(*) FROM cmk_resources WHERE resource_uuid = ?::uuid", keyed.clusterUuid)).isZero();
        // the workspace's own platform-key data is not the cluster's: it stays
        assertThat(prefixes(ws)).containsExactly("platform");
        ClusterArm.Reply again = arm.call("PUT", keyed.clusterId + API, body("westeurope", 1000, ""));
        assertThat(again.status()).as(again.text()).isEqualTo(201);
        assertThat(again.properties().get("clusterId")).isNotEqualTo(keyed.clusterUuid);

        // a second run is harmless: the new cluster of that name and the workspace's data are untouched
        arm.host.host().fireTimer("Retention_Purge");
        assertThat(arm.call("GET", keyed.clusterId + API, null).status()).isEqualTo(200);
        assertThat(rows(query(ws, "Shred_CL"))).extracting(r -> r.get("msg")).containsExactly("platform-0");
    }

    @Test
    void aPurgeStoppedAfterTheShredIsFinishedByTheNextRun() throws Exception {
        String sub = sub();
        Workspace ws = workspace(sub, null);
        Keyed keyed = keyedCluster(sub, ws);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(10));
        assertThat(ingest(ws, "Resume_CL", "resume", t0, 2).json()).containsEntry("key", "cluster");
        assertThat(arm.call("DELETE", keyed.clusterId + API, null).status()).isEqualTo(200);
        arm.sql("UPDATE cmk_resources SET deleted_at = now() - interval '15 days', purge_at = now() - interval '1 day'"
                + " WHERE name = ?", keyed.clusterName);

        // step (1) alone, as a crash right after its commit leaves it: the AEK is gone, blocks and row are still there
        assertThat(arm.host.bean(RetentionJob.class).shredExpiredClusters()).contains(UUID.fromString(keyed.clusterUuid));
        assertThat(count("SELECT count(*) FROM cmk_aeks WHERE resource_uuid = ?::uuid", keyed.clusterUuid)).isZero();
        assertThat(count("SELECT count(*) FROM data_blocks WHERE cluster_id = ?::uuid", keyed.clusterUuid)).isPositive();
        assertThat(count("SELECT count(*) FROM cmk_resources WHERE resource_uuid = ?::uuid", keyed.clusterUuid)).isEqualTo(1);

        arm.host.host().fireTimer("Retention_Purge");
        assertThat(count("SELECT count(*) FROM data_blocks WHERE cluster_id = ?::uuid", keyed.clusterUuid)).isZero();
        assertThat(count("SELECT count(*) FROM cmk_resources WHERE resource_uuid = ?::uuid", keyed.clusterUuid)).isZero();

        // idempotent: again, through the job itself, nothing fails and nothing comes back
        arm.host.bean(RetentionJob.class).run();
        arm.host.host().fireTimer("Retention_Purge");
        assertThat(count("SELECT count(*) FROM cmk_resources WHERE resource_uuid = ?::uuid", keyed.clusterUuid)).isZero();
        assertThat(arm.call("PUT", keyed.clusterId + API, body("westeurope", 1000, "")).status()).isEqualTo(201);
    }

    @Test
    void aDeletedWorkspacePastItsFourteenDaysLosesItsPlatformKeyThenItsData() throws Exception {
        String sub = sub();
        Workspace ws = workspace(sub, null);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(10));
        assertThat(ingest(ws, "Gone_CL", "ws-secret", t0, 2).json()).containsEntry("key", "platform");
        List<Sealed> copied = sealed(SEALED_COLUMNS + ""
                + " WHERE customer_id = ?::uuid", ws.customerId);
        assertThat(openWithAnyKey(copied)).singleElement().asString().contains("ws-secret");
        // a workspace deleted for good (force) leaves its platform AEK and blocks behind: retention sweeps them too
        Workspace forced = workspace(sub, null);
        assertThat(ingest(forced, "Gone_CL", "forced", t0, 1).status()).isEqualTo(200);
        assertThat(arm.call("DELETE", forced.id + WS_API + "&force=true", null).status()).isIn(200, 202);

        assertThat(arm.call("DELETE", ws.id + WS_API, null).status()).isIn(200, 202);
        setWorkspaceDeletedAt(ws, "13 days");
        arm.host.host().fireTimer("Retention_Purge");
        // still recoverable within 14 days: nothing is touched
        assertThat(count("SELECT count(*) FROM workspace_platform_aeks WHERE customer_id = ?::uuid", ws.customerId)).isEqualTo(1);
        assertThat(prefixes(ws)).containsExactly("ws-secret");
        assertThat(count("SELECT count(*) FROM data_blocks WHERE customer_id = ?::uuid", forced.customerId)).isZero();
        assertThat(count("SELECT count(*) FROM workspace_platform_aeks WHERE customer_id = ?::uuid", forced.customerId)).isZero();

        setWorkspaceDeletedAt(ws, "15 days");
        arm.host.host().fireTimer("Retention_Purge");
        assertThat(count("SELECT count(*) FROM workspace_platform_aeks WHERE customer_id = ?::uuid", ws.customerId)).isZero();
        assertThat(count("SELECT count(*) FROM data_blocks WHERE customer_id = ?::uuid", ws.customerId)).isZero();
        assertThat(count("SELECT count(*) FROM workspaces WHERE customer_id = ?::uuid", ws.customerId)).isZero();
        assertThat(openWithAnyKey(copied)).as("copied blocks opened after the shred").hasSize(copied.size()).containsOnlyNulls();
        ClusterArm.Reply again = arm.call("PUT", ws.id + WS_API, "{\"location\":\"westeurope\"}");
        assertThat(again.status()).as(again.text()).isEqualTo(201);
        assertThat(again.properties().get("customerId")).isNotEqualTo(ws.customerId);
    }

    @Test
    void twoRunsAtOnceSplitTheWorkAndBothEndCleanly() throws Exception {
        List<Keyed> clusters = new ArrayList<>();
        List<Workspace> workspaces = new ArrayList<>();
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(5));
        for (int i = 0; i < 2; i++) {
            String sub = sub();
            Workspace ws = workspace(sub, null);
            Keyed keyed = keyedCluster(sub, ws);
            assertThat(ingest(ws, "Twice_CL", "twice-cl" + i, t0, 1).json()).containsEntry("key", "cluster");
            assertThat(arm.call("DELETE", keyed.clusterId + API, null).status()).isEqualTo(200);
            arm.sql("UPDATE cmk_resources SET deleted_at = now() - interval '15 days', purge_at = now() - interval '1 day'"
                    + " WHERE name = ?", keyed.clusterName);
            Workspace aged = workspace(sub, null);
            for (int b = 0; b < 5; b++) {
                assertThat(ingest(aged, "Twice_CL", "twice-old" + i + "-" + b, t0, 1).status()).isEqualTo(200);
                age("twice-old" + i + "-" + b, "31 days", "31 days");
            }
            assertThat(ingest(aged, "Twice_CL", "twice-new" + i, t0, 1).status()).isEqualTo(200);
            clusters.add(keyed);
            workspaces.add(aged);
        }
        RetentionJob job = arm.host.bean(RetentionJob.class);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<RetentionJob.Report>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(pool.submit(() -> {
                    start.await();
                    return job.run();
                }));
            }
            start.countDown();
            int purged = 0;
            for (var run : runs) {
                purged += run.get(60, java.util.concurrent.TimeUnit.SECONDS).clustersPurged();
            }
            // each cluster row is removed by exactly one of the two runs (other tests' expired clusters may add to the sum)
            assertThat(purged).isGreaterThanOrEqualTo(2);
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < 2; i++) {
            assertThat(count("SELECT count(*) FROM cmk_resources WHERE resource_uuid = ?::uuid", clusters.get(i).clusterUuid)).isZero();
            assertThat(count("SELECT count(*) FROM cmk_aeks WHERE resource_uuid = ?::uuid", clusters.get(i).clusterUuid)).isZero();
            assertThat(count("SELECT count(*) FROM data_blocks WHERE cluster_id = ?::uuid", clusters.get(i).clusterUuid)).isZero();
            assertThat(prefixes(workspaces.get(i))).containsExactly("twice-new" + i);
        }
    }

    // --- keys: every AEK Keyward still holds

    /** What opening a block needs: its V1 reference and the V2 claims of its row. */
    private static final String SEALED_COLUMNS = "SELECT block_id, workspace_resource_id, table_name, sealed,"
            + " (SELECT lower(tenant_id) FROM workspaces w WHERE w.customer_id = data_blocks.customer_id) || '/' || customer_id, key_kind,"
            + " coalesce(cluster_id, customer_id), coalesce(aek_version, 1), double_encrypted FROM data_blocks";

    private record Sealed(String blockId, String workspaceResourceId, String table, byte[] bytes, String customerId, String keyKind,
                          String keyResource, int aekVersion, boolean doubleEncrypted) {
    }

    /**
     * Tries every AEK Keyward holds on copied blocks: each cmk_aeks row unwrapped through CmkKeys (its customer's vault,
     * as the resource's identity) and each platform AEK unwrapped by the platform KEK in the HSM, as the data plane does.
     * The plaintext of each block if some key opened it, else null; every failure must be the envelope's
     * IntegrityException.
     */
    private static List<String> openWithAnyKey(List<Sealed> blocks) throws Exception {
        List<AekMaterial> keys = new ArrayList<>();
        CmkKeys cmk = arm.host.bean(CmkKeys.class);
        for (String uuid : strings("SELECT resource_uuid::text FROM cmk_aeks")) {
            if (cmk.unwrap(UUID.fromString(uuid)) instanceof AekResult.Unwrapped u) {
                keys.add(u.aek());
            }
        }
        Hsm hsm = arm.host.bean(Hsm.class);
        var db = arm.host.host().database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("SELECT kek_name, kek_version, wrapped_aek FROM workspace_platform_aeks");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                keys.add(AekMaterial.adopt(hsm.unwrap(new KeyVersionRef(rs.getString(1), rs.getString(2)), WrapAlgorithm.RSA_OAEP,
                        rs.getBytes(3))));
            }
        }
        assertThat(keys).as("AEKs Keyward holds").isNotEmpty();
        // the outer layer of double-encrypted clusters' blocks: their infrastructure AEKs, under the platform KEK
        List<AekMaterial> outerKeys = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("SELECT kek_name, kek_version, wrapped_aek FROM cluster_infrastructure_aeks");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                outerKeys.add(AekMaterial.adopt(hsm.unwrap(new KeyVersionRef(rs.getString(1), rs.getString(2)), WrapAlgorithm.RSA_OAEP,
                        rs.getBytes(3))));
            }
        }
        List<String> opened = new ArrayList<>();
        for (Sealed block : blocks) {
            BlockRef ref = new BlockRef(block.workspaceResourceId + "/" + block.table, block.blockId);
            BlockClaims claims = new BlockClaims(block.customerId, block.table, block.blockId,
                    block.doubleEncrypted ? block.keyKind + "+infrastructure" : block.keyKind, block.keyResource, block.aekVersion);
            byte[] inner = block.doubleEncrypted ? null : block.bytes;
            for (AekMaterial aek : block.doubleEncrypted ? outerKeys : List.<AekMaterial>of()) {
                try (Envelope envelope = Envelope.of(1, AekMaterial.adopt(aek.bytes(KeyAccess.plaintext()).clone()))) {
                    inner = envelope.open(new BlockClaims(block.customerId, block.table, block.blockId, "infrastructure", block.keyResource, 1),
                            block.bytes);
                    break;
                } catch (IntegrityException expected) {
                    // not this key
                }
            }
            String plain = null;
            int version = inner == null ? -1 : ByteBuffer.wrap(inner, 1, 4).getInt();
            for (AekMaterial aek : inner == null ? List.<AekMaterial>of() : keys) {
                // Envelope.of takes the material over and destroys it on close: give it a copy
                try (Envelope envelope = Envelope.of(version, AekMaterial.adopt(aek.bytes(KeyAccess.plaintext()).clone()))) {
                    plain = new String(envelope.open(claims, ref, inner), StandardCharsets.UTF_8);
                    break;
                } catch (IntegrityException expected) {
                    // not this key
                }
            }
            opened.add(plain);
        }
        keys.forEach(AekMaterial::destroy);
        outerKeys.forEach(AekMaterial::destroy);
        return opened;
    }

    // --- resources

    private record Workspace(String id, String customerId) {
    }

    private record Keyed(String clusterId, String clusterName, String clusterUuid, String keyName, String version) {
    }

    private static Workspace workspace(String sub, Integer retentionInDays) throws Exception {
        String id = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.OperationalInsights/workspaces/" + name("ws");
        String props = retentionInDays == null ? "" : ",\"properties\":{\"retentionInDays\":" + retentionInDays + "}";
        ClusterArm.Reply put = arm.call("PUT", id + WS_API, "{\"location\":\"westeurope\"" + props + "}");
        assertThat(put.status()).as(put.text()).isEqualTo(201);
        return new Workspace(id, (String) put.properties().get("customerId"));
    }

    /** A cluster with a customer key (following the latest version) and {@code ws} linked to it. */
    private static Keyed keyedCluster(String sub, Workspace ws) throws Exception {
        String clusterName = name("cl");
        String clusterId = cluster(sub, "rg1", clusterName);
        ClusterArm.Reply created = arm.call("PUT", clusterId + API, body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        arm.grant(VAULT_SUBSCRIPTION, VAULT, (String) created.map("identity").get("principalId"), "get", "wrapKey", "unwrapKey");
        String keyName = name("k");
        String version = arm.createKey(VAULT, keyName, 2048);
        ClusterArm.Reply keyed = arm.awaitOperation(arm.call("PATCH", clusterId + API, keyPatch(arm.host.vaultUri(VAULT), keyName, "")));
        assertThat(keyed.json()).as(keyed.text()).containsEntry("status", "Succeeded");
        ClusterArm.Reply linked = arm.awaitOperation(arm.call("PUT", ws.id + "/linkedServices/cluster" + LINK_API,
                "{\"properties\":{\"writeAccessResourceId\":\"" + clusterId + "\"}}"));
        assertThat(linked.json()).as(linked.text()).containsEntry("status", "Succeeded");
        return new Keyed(clusterId, clusterName, (String) created.properties().get("clusterId"), keyName, version);
    }

    private static ClusterArm.Reply setKeyEnabled(String keyName, String version, boolean enabled) throws Exception {
        return arm.call("PATCH", URI.create(arm.host.vaultUri(VAULT) + "keys/" + keyName + "/" + version + "?api-version=7.4"),
                arm.host.token(arm.client, Audiences.KEY_VAULT), "{\"attributes\":{\"enabled\":" + enabled + "}}");
    }


    // --- data plane

    private static String records(String prefix, Instant first, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("{\"ts\":\"" + first.plusSeconds(60L * i) + "\",\"msg\":\"" + prefix + "-" + i + "\"}");
        }
        return "[" + String.join(",", out) + "]";
    }

    /**
     * Ingests {@code n} records {@code prefix-0..} (a minute apart from {@code first}) and remembers the blocks it made
     * as {@code prefix}'s, so that a test can age them and see which ones remain.
     */
    private static ClusterArm.Reply ingest(Workspace ws, String table, String prefix, Instant first, int n) throws Exception {
        List<String> before = strings("SELECT block_id::text FROM data_blocks WHERE customer_id = '" + ws.customerId + "'::uuid");
        HttpRequest request = HttpRequest.newBuilder(arm.host.baseUri().resolve("/api/workspaces/" + ws.customerId + "/logs"))
                .POST(HttpRequest.BodyPublishers.ofString(records(prefix, first, n))).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + arm.armToken()).header("Log-Type", table).header("time-generated-field", "ts")
                .timeout(Duration.ofSeconds(60)).build();
        HttpResponse<String> r = arm.host.http().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        for (String id : strings("SELECT block_id::text FROM data_blocks WHERE customer_id = '" + ws.customerId + "'::uuid")) {
            if (!before.contains(id)) {
                PREFIXES.put(id, prefix);
            }
        }
        return new ClusterArm.Reply(r.statusCode(), r.body(), JSON.readValue(r.body(), Argument.mapOf(String.class, Object.class)),
                r.headers());
    }

    private static ClusterArm.Reply query(Workspace ws, String table) throws Exception {
        return query(ws, table, "P1D");
    }

    private static ClusterArm.Reply query(Workspace ws, String table, String timespan) throws Exception {
        return arm.call("GET", URI.create(arm.host.baseUri() + "/api/workspaces/" + ws.customerId + "/logs?table=" + table
                + "&timespan=" + timespan), arm.armToken(), null);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rows(ClusterArm.Reply q) {
        assertThat(q.status()).as(q.text()).isEqualTo(200);
        return (List<Map<String, Object>>) q.json().get("records");
    }

    /** Moves {@code prefix}'s block back on the database clock: its newest record {@code newest} ago, its oldest {@code oldest}. */
    private static void age(String prefix, String newest, String oldest) throws Exception {
        String blockId = PREFIXES.entrySet().stream().filter(e -> e.getValue().equals(prefix)).map(Map.Entry::getKey).findFirst()
                .orElseThrow(() -> new AssertionError("no block of " + prefix));
        int n = execute("UPDATE data_blocks SET max_time_generated = now() - interval '" + newest + "', min_time_generated = now()"
                + " - interval '" + oldest + "' WHERE block_id = ?::uuid", blockId);
        assertThat(n).isEqualTo(1);
    }

    /** The prefixes of the workspace's remaining blocks. */
    private static List<String> prefixes(Workspace ws) throws Exception {
        List<String> out = new ArrayList<>();
        for (String id : strings("SELECT block_id::text FROM data_blocks WHERE customer_id = '" + ws.customerId + "'::uuid")) {
            out.add(PREFIXES.getOrDefault(id, "?" + id));
        }
        return out;
    }

    // --- database

    private static int count(String sql, String param) throws Exception {
        return ((Number) arm.query(sql, param, Long.class)).intValue();
    }

    private static int execute(String sql, String param) throws Exception {
        var db = arm.host.host().database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            return ps.executeUpdate();
        }
    }

    private static List<String> strings(String sql) throws Exception {
        var db = arm.host.host().database();
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static List<Sealed> sealed(String sql, String param) throws Exception {
        var db = arm.host.host().database();
        List<Sealed> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Sealed(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBytes(4), rs.getString(5), rs.getString(6),
                            rs.getString(7), rs.getInt(8), rs.getBoolean(9)));
                }
            }
        }
        return out;
    }

    private static void setWorkspaceDeletedAt(Workspace ws, String ago) throws Exception {
        assertThat(execute("UPDATE workspaces SET deleted_at = now() - interval '" + ago + "' WHERE customer_id = ?::uuid",
                ws.customerId)).isEqualTo(1);
    }

    private static void fireOverHttp() throws Exception {
        HttpResponse<String> r = arm.host.http().send(HttpRequest.newBuilder(arm.host.baseUri().resolve("/admin/functions/Retention_Purge"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(202);
    }
}
