package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.keyward.app.arm.OperationRunner;
import io.keyward.app.base.SqlTransactions;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's lifecycle, the same for every surface: a resource whose key-update step keeps failing (its database
 * write refused by a trigger: a real PostgreSQL failure, not a mock) ends its operation Failed, shows a state that is not
 * busy, and takes the next key update and a delete; and more key binds at once than the database has connections all
 * complete, because no bind holds a connection while it calls the vault.
 */
class KeyedResourceLifecycleTest {

    private static final String TENANT = UUID.randomUUID().toString();
    private static final String LA_API = "?api-version=2022-10-01";
    private static final String KUSTO_API = "?api-version=2024-04-13";
    private static final String HPC_API = "?api-version=2023-05-01";
    private static ClusterArm arm;

    @BeforeAll
    static void client() {
        arm = new ClusterArm(TENANT, "lifecycle-test");
    }

    @Test
    void aLogAnalyticsClusterWhoseKeyUpdateKeepsFailingEndsFailedThenTakesTheNextUpdateAndADelete() throws Exception {
        String sub = ClusterArm.sub();
        String vault = vault(sub, "westeurope");
        String key = ClusterArm.name("k");
        arm.createKeyWithoutDns(vault, key);
        String path = ClusterArm.cluster(sub, "rg1", ClusterArm.name("cl")) + LA_API;
        ClusterArm.Reply created = arm.call("PUT", path, ClusterArm.body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        arm.grant(sub, vault, principal(created), "get", "wrapKey", "unwrapKey");
        String update = ClusterArm.keyPatch(vaultUri(vault), key, "");

        abandonedThenRecovered(path, (String) created.properties().get("clusterId"), update, "provisioningState", "Failed");

        ClusterArm.Reply keyed = arm.call("GET", path, null);
        assertThat(keyed.properties()).containsEntry("provisioningState", "Succeeded");
        assertThat(keyed.properties().get("keyVaultProperties")).asString().contains(key);
        assertThat(arm.call("DELETE", path, null).status()).isEqualTo(200);
    }

    @Test
    void aDataExplorerClusterWhoseKeyUpdateKeepsFailingEndsFailedThenTakesTheNextUpdateAndADelete() throws Exception {
        String sub = ClusterArm.sub();
        String vault = vault(sub, "westeurope");
        String key = ClusterArm.name("k");
        arm.createKeyWithoutDns(vault, key);
        String path = KustoClustersTest.path(sub, ClusterArm.name("kc")) + KUSTO_API;
        ClusterArm.Reply created = arm.call("PUT", path, "{\"location\":\"westeurope\",\"identity\":{\"type\":\"SystemAssigned\"},"
                + "\"sku\":{\"name\":\"Standard_E8ads_v5\",\"tier\":\"Standard\",\"capacity\":2}}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        arm.grant(sub, vault, principal(created), "get", "wrapKey", "unwrapKey", "recover");
        String update = "{\"properties\":" + KustoClustersTest.keyProperties(vaultUri(vault), key, "") + "}";

        ClusterArm.Reply failed = abandonedThenRecovered(path, uuidOf(path), update, "provisioningState", "Failed");
        assertThat(failed.properties()).containsEntry("state", "Running");

        assertThat(arm.call("GET", path, null).properties()).containsEntry("provisioningState", "Succeeded").containsEntry("state", "Running");
        ClusterArm.Reply deleting = arm.call("DELETE", path, null);
        assertThat(deleting.status()).as(deleting.text()).isEqualTo(202);
        assertThat(awaitOperation(deleting).json()).containsEntry("status", "Succeeded");
        assertThat(arm.call("GET", path, null).status()).isEqualTo(404);
    }

    @Test
    void anHpcCacheWhoseKeyUpdateKeepsFailingEndsFailedThenTakesTheNextUpdateAndADelete() throws Exception {
        String sub = ClusterArm.sub();
        String vault = vault(sub, "eastus");
        String first = ClusterArm.name("k");
        String firstVersion = arm.createKeyWithoutDns(vault, first);
        String path = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.StorageCache/caches/" + ClusterArm.name("hpc") + HPC_API;
        ClusterArm.Reply created = arm.call("PUT", path, cacheBody(sub, vault, first, firstVersion, true));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        ClusterArm.Reply authorized = arm.call("POST", path.replace(HPC_API, "/authorizeKeyVault" + HPC_API), null);
        assertThat(authorized.properties()).as(authorized.text()).containsEntry("provisioningState", "Succeeded");
        String second = ClusterArm.name("k");
        String secondVersion = arm.createKeyWithoutDns(vault, second);
        String update = cacheBody(sub, vault, second, secondVersion, false);

        ClusterArm.Reply failed = abandonedThenRecovered(path, uuidOf(path), update, "provisioningState", "Failed");
        assertThat(failed.properties().get("encryptionSettings")).asString().contains(first).doesNotContain(second);

        assertThat(arm.call("GET", path, null).properties().get("encryptionSettings")).asString().contains(second);
        ClusterArm.Reply deleting = arm.call("DELETE", path, null);
        assertThat(deleting.status()).as(deleting.text()).isEqualTo(202);
        assertThat(awaitOperation(deleting).json()).containsEntry("status", "Succeeded");
    }

    /**
     * More key updates at once than the pool has connections, each step run by its own runner thread at the same moment:
     * all of them bind and commit. A step that held a connection while it called the vault would leave none for the
     * vault's own reads, and they would time out.
     */
    @Test
    void moreConcurrentKeyBindsThanDatabaseConnectionsAllComplete() throws Exception {
        int pool = ((HikariDataSource) SqlTransactions.plain(arm.host.bean(DataSource.class))).getMaximumPoolSize();
        int n = 2 * pool + 4;
        String sub = ClusterArm.sub();
        String vault = vault(sub, "westeurope");
        String key = ClusterArm.name("k");
        arm.createKeyWithoutDns(vault, key);
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String path = KustoClustersTest.path(sub, ClusterArm.name("kc")) + KUSTO_API;
            ClusterArm.Reply created = arm.call("PUT", path, "{\"location\":\"westeurope\",\"identity\":{\"type\":\"SystemAssigned\"},"
                    + "\"sku\":{\"name\":\"Standard_E8ads_v5\",\"tier\":\"Standard\",\"capacity\":2}}");
            assertThat(created.status()).as(created.text()).isEqualTo(201);
            arm.grant(sub, vault, principal(created), "get", "wrapKey", "unwrapKey", "recover");
            paths.add(path);
        }
        String update = "{\"properties\":" + KustoClustersTest.keyProperties(vaultUri(vault), key, "") + "}";
        List<ClusterArm.Reply> started = new ArrayList<>();
        for (String path : paths) {
            ClusterArm.Reply r = arm.call("PATCH", path, update);
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            started.add(r);
        }
        OperationRunner runner = arm.host.bean(OperationRunner.class);
        ExecutorService threads = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> runs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                runs.add(threads.submit(() -> {
                    go.await();
                    return runner.runDue();
                }));
            }
            go.countDown();
            for (Future<Integer> run : runs) {
                run.get(120, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        for (ClusterArm.Reply r : started) {
            ClusterArm.Reply status = awaitOperation(r);
            assertThat(status.json()).as(status.text()).containsEntry("status", "Succeeded");
        }
        for (String path : paths) {
            assertThat(arm.query("SELECT count(*) FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuidOf(path), Long.class)).isEqualTo(1L);
        }
    }

    /**
     * Starts a key update whose write of the wrapped AEK PostgreSQL refuses for this resource (a trigger), waits until the runner
     * gives up, and checks the resource is not left busy; then lets the write through and runs the same update again.
     * Returns the resource as GET showed it after the failed update.
     */
    private static ClusterArm.Reply abandonedThenRecovered(String path, String uuid, String update, String stateProperty, String failedState)
            throws Exception {
        String trigger = "fail_" + uuid.replace("-", "");
        exec("CREATE OR REPLACE FUNCTION keyward_test_refuse_aek() RETURNS trigger LANGUAGE plpgsql AS"
                + " $$ BEGIN RAISE EXCEPTION 'test: this write is refused'; END $$");
        exec("CREATE TRIGGER " + trigger + " BEFORE INSERT OR UPDATE OF wrapped_aek ON cmk_aeks FOR EACH ROW WHEN (NEW.resource_uuid = '" + uuid
                + "'::uuid) EXECUTE FUNCTION keyward_test_refuse_aek()");
        String keyBefore = arm.query("SELECT key_id FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuid, String.class);
        ClusterArm.Reply failed;
        try {
            ClusterArm.Reply started = arm.call("PATCH", path, update);
            assertThat(started.status()).as(started.text()).isEqualTo(200);
            ClusterArm.Reply status = awaitOperation(started);
            assertThat(status.json()).as(status.text()).containsEntry("status", "Failed");
            assertThat(status.map("error")).containsEntry("code", "InternalServerError");
            assertThat(status.text()).doesNotContain("test: this write is refused").doesNotContain("SQL");
            failed = arm.call("GET", path, null);
            assertThat(failed.properties()).as(failed.text()).containsEntry(stateProperty, failedState);
            // the resource keeps the key it had (none, or its first one)
            assertThat(arm.query("SELECT key_id FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuid, String.class)).isEqualTo(keyBefore);
        } finally {
            exec("DROP TRIGGER IF EXISTS " + trigger + " ON cmk_aeks");
        }
        // not busy: the next update is accepted and completes
        ClusterArm.Reply again = arm.call("PATCH", path, update);
        assertThat(again.status()).as(again.text()).isEqualTo(200);
        assertThat(awaitOperation(again).json()).containsEntry("status", "Succeeded");
        return failed;
    }

    /** Follows the operation, firing the operations timer so that retries after backoff run as soon as they are due. */
    private static ClusterArm.Reply awaitOperation(ClusterArm.Reply started) throws Exception {
        String url = started.headers().firstValue("Azure-AsyncOperation").orElseThrow();
        return Conditions.until(Duration.ofSeconds(90), Duration.ofMillis(100), () -> {
            arm.host.host().fireTimer("Operations_Run");
            return arm.call("GET", URI.create(url), arm.armToken(), null);
        }, status -> List.of("Succeeded", "Failed", "Canceled").contains(status.json().get("status")), "operation " + url + " ended");
    }

    private static String vault(String sub, String location) throws Exception {
        String vault = ClusterArm.name("kwle");
        arm.putVault(sub, vault, location, true);
        return vault;
    }

    private static URI vaultUri(String vault) {
        return arm.host.vaultUri(vault);
    }

    private static String principal(ClusterArm.Reply created) {
        return (String) created.map("identity").get("principalId");
    }

    private static String cacheBody(String sub, String vault, String key, String version, boolean create) {
        String encryption = "\"encryptionSettings\":{\"keyEncryptionKey\":{\"keyUrl\":\"" + vaultUri(vault) + "keys/" + key + "/" + version
                + "\",\"sourceVault\":{\"id\":\"/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/"
                + vault + "\"}},\"rotationToLatestKeyVersionEnabled\":false}";
        if (!create) {
            return "{\"properties\":{" + encryption + "}}";
        }
        return "{\"location\":\"eastus\",\"identity\":{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"Standard_2G\"},"
                + "\"properties\":{\"cacheSizeGB\":3072,\"subnet\":\"/subscriptions/" + UUID.randomUUID() + "/resourceGroups/net/providers"
                + "/Microsoft.Network/virtualNetworks/vnet/subnets/cache\"," + encryption + "}}";
    }

    private static String uuidOf(String path) throws Exception {
        String name = path.substring(path.lastIndexOf('/') + 1, path.indexOf('?'));
        return arm.query("SELECT resource_uuid::text FROM cmk_resources WHERE name = ?", name, String.class);
    }

    private static void exec(String sql) throws Exception {
        var db = arm.host.host().database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
