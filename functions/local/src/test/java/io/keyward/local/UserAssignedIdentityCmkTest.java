package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each surface's customer-managed key flow with a user-assigned identity, in the requests the Azure SDKs send
 * (identity {@code UserAssigned} with {@code userAssignedIdentities}): a Log Analytics cluster whose key is reached as its
 * user-assigned identity (and the docs' refusal of an identity and a key change in one update), a Data Explorer cluster
 * with {@code keyVaultProperties.userIdentity}, an HPC cache bound at create with no authorize step, and a cluster on a vault
 * in the RBAC permission model whose user-assigned identity holds Crypto Service Encryption User. Deleting an identity
 * in use is a revocation the key-health poller records, and the data plane refuses the data.
 */
class UserAssignedIdentityCmkTest {

    private static final String MSI_API = UserAssignedIdentitiesTest.API;
    private static final String TABLE = "Uami_CL";
    private static final String CRYPTO_OFFICER = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603";
    private static final String CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6";

    private static ClusterArm arm;
    private static Logs logs;

    @BeforeAll
    static void setUp() {
        arm = new ClusterArm(UUID.randomUUID().toString(), "uami-cmk");
        logs = new Logs(arm);
    }

    /** A user-assigned identity in {@code sub}; its resource id and principal id. */
    private static String[] identity(String sub) throws Exception {
        String id = UserAssignedIdentitiesTest.identityId(sub, "rg-ids", ClusterArm.name("uami"));
        ClusterArm.Reply r = arm.call("PUT", id + MSI_API, "{\"location\":\"westeurope\"}");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return new String[] {id, (String) r.properties().get("principalId")};
    }

    private static String vault(String sub, String location) throws Exception {
        String vault = ClusterArm.name("kwua");
        arm.putVault(sub, vault, location, true);
        return vault;
    }

    private static String userAssigned(String id) {
        return "\"identity\":{\"type\":\"UserAssigned\",\"userAssignedIdentities\":{\"" + id + "\":{}}}";
    }

    @Test
    void aLogAnalyticsClusterReachesItsKeyAsItsUserAssignedIdentityUntilTheIdentityIsDeleted() throws Exception {
        String sub = ClusterArm.sub();
        String[] uami = identity(sub);
        String vault = vault(sub, "westeurope");
        String keyName = ClusterArm.name("k");
        arm.createKeyWithoutDns(vault, keyName);
        arm.grant(sub, vault, uami[1], "get", "wrapKey", "unwrapKey");

        String clusterId = ClusterArm.cluster(sub, "rg1", ClusterArm.name("cl"));
        ClusterArm.Reply created = arm.call("PUT", clusterId + ClusterArm.API, "{\"location\":\"westeurope\"," + userAssigned(uami[0])
                + ",\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":1000},\"properties\":{}}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        // no system-assigned principal; tenantId is the resource's tenant (the spec's Identity.tenantId)
        assertThat(created.map("identity")).containsEntry("type", "UserAssigned").doesNotContainKey("principalId")
                .containsEntry("tenantId", arm.tenant);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> listed = (Map<String, Map<String, Object>>) created.map("identity").get("userAssignedIdentities");
        assertThat(listed.get(uami[0])).containsEntry("principalId", uami[1]).containsKey("clientId");
        String clusterUuid = (String) created.properties().get("clusterId");

        // the docs: identity and key in two consecutive updates, not one
        ClusterArm.Reply both = arm.call("PATCH", clusterId + ClusterArm.API, "{\"identity\":{\"type\":\"SystemAssigned\"},"
                + ClusterArm.keyPatch(arm.host.vaultUri(vault), keyName, "").substring(1));
        ClusterArm.assertError(both, 400, "BadRequest", "Cluster update shouldn't include both identity and key identifier details in the"
                + " same operation.");

        ClusterArm.Reply keyed = arm.awaitOperation(arm.call("PATCH", clusterId + ClusterArm.API,
                ClusterArm.keyPatch(arm.host.vaultUri(vault), keyName, "")));
        assertThat(keyed.json()).as(keyed.text()).containsEntry("status", "Succeeded");
        assertThat(arm.query("SELECT principal_id::text FROM cmk_aeks WHERE resource_uuid = ?::uuid", clusterUuid, String.class))
                .as("the AEK is reached as the user-assigned identity").isEqualTo(uami[1]);
        Logs.Workspace ws = logs.workspace(sub);
        logs.link(ws, clusterId);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600);
        assertThat(logs.ingest(ws.customerId(), TABLE, "ts", Logs.records("uami", t0, 2)).json()).containsEntry("key", "cluster");
        assertThat(logs.messages(ws.customerId(), "table=" + TABLE + "&timespan=PT2H")).containsExactly("uami-1", "uami-0");
        assertThat(arm.pollKeyState(clusterUuid, "Accessible")).isEqualTo("Accessible");

        // deleting the identity in use: the vault no longer knows its principal; the poller records the revocation
        assertThat(arm.call("DELETE", uami[0] + MSI_API, null).status()).isEqualTo(200);
        assertThat(arm.pollKeyState(clusterUuid, "Revoked")).isEqualTo("Revoked");
        ClusterArm.assertError(logs.query(ws.customerId(), "table=" + TABLE + "&timespan=PT2H"), 403, "CustomerManagedKeyInaccessible", null);
    }

    @Test
    void onAnRbacVaultTheUserAssignedIdentityNeedsCryptoServiceEncryptionUser() throws Exception {
        String sub = ClusterArm.sub();
        String[] uami = identity(sub);
        String vault = ClusterArm.name("kwuar");
        String vaultId = "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/" + vault;
        ClusterArm.Reply v = arm.call("PUT", vaultId + ClusterArm.VAULT_API, "{\"location\":\"westeurope\",\"properties\":{\"tenantId\":\""
                + arm.client.tenantId() + "\",\"sku\":{\"family\":\"A\",\"name\":\"premium\"},\"enableSoftDelete\":true,"
                + "\"softDeleteRetentionInDays\":7,\"enablePurgeProtection\":true,\"enableRbacAuthorization\":true}}");
        assertThat(v.status()).as(v.text()).isEqualTo(201);
        arm.assign(sub, vaultId, CRYPTO_OFFICER, arm.client.principal().objectId());
        String keyName = ClusterArm.name("k");
        arm.createKeyWithoutDns(vault, keyName);
        String clusterId = ClusterArm.cluster(sub, "rg1", ClusterArm.name("cl"));
        ClusterArm.Reply created = arm.call("PUT", clusterId + ClusterArm.API, "{\"location\":\"westeurope\"," + userAssigned(uami[0])
                + ",\"sku\":{\"name\":\"CapacityReservation\",\"capacity\":1000},\"properties\":{}}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String key = ClusterArm.keyPatch(arm.host.vaultUri(vault), keyName, "");

        ClusterArm.Reply denied = arm.awaitOperation(arm.call("PATCH", clusterId + ClusterArm.API, key));
        assertThat(denied.json()).as(denied.text()).containsEntry("status", "Failed");
        arm.assign(sub, vaultId, CRYPTO_SERVICE_ENCRYPTION_USER, uami[1]);
        ClusterArm.Reply bound = arm.awaitOperation(arm.call("PATCH", clusterId + ClusterArm.API, key));
        assertThat(bound.json()).as(bound.text()).containsEntry("status", "Succeeded");
    }

    @Test
    void aDataExplorerClusterUsesTheUserIdentityItsKeyVaultPropertiesName() throws Exception {
        String sub = ClusterArm.sub();
        String[] uami = identity(sub);
        String vault = vault(sub, "westeurope");
        String keyName = ClusterArm.name("k");
        arm.createKeyWithoutDns(vault, keyName);
        String path = KustoClustersTest.path(sub, "kua" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
        ClusterArm.Reply created = arm.call("PUT", path + KustoClustersTest.API, "{\"location\":\"westeurope\",\"identity\":{\"type\":"
                + "\"SystemAssigned, UserAssigned\",\"userAssignedIdentities\":{\"" + uami[0] + "\":{}}},"
                + "\"sku\":{\"name\":\"Standard_E8ads_v5\",\"tier\":\"Standard\",\"capacity\":2}}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.map("identity")).containsEntry("type", "SystemAssigned, UserAssigned").containsKey("principalId");
        String keyProps = "{\"properties\":{\"keyVaultProperties\":{\"keyVaultUri\":\"" + arm.host.vaultUri(vault) + "\",\"keyName\":\""
                + keyName + "\",\"keyVersion\":\"\",\"userIdentity\":\"" + uami[0] + "\"}}}";

        // the user identity has no access yet: the documented no-access error (the system identity's access is not asked)
        ClusterArm.Reply denied = arm.awaitOperation(arm.call("PATCH", path + KustoClustersTest.API, keyProps));
        assertThat(denied.json()).as(denied.text()).containsEntry("status", "Failed");
        assertThat(denied.error()).containsEntry("code", "IdentityDoesNotHaveAccessToKeyVault");

        arm.grant(sub, vault, uami[1], "get", "wrapKey", "unwrapKey", "recover");
        ClusterArm.Reply bound = arm.awaitOperation(arm.call("PATCH", path + KustoClustersTest.API, keyProps));
        assertThat(bound.json()).as(bound.text()).containsEntry("status", "Succeeded");
        ClusterArm.Reply got = arm.call("GET", path + KustoClustersTest.API, null);
        @SuppressWarnings("unchecked")
        Map<String, Object> kv = (Map<String, Object>) got.properties().get("keyVaultProperties");
        assertThat(kv).containsEntry("userIdentity", uami[0]).containsEntry("keyName", keyName);

        // an identity the cluster does not have is refused
        String[] other = identity(sub);
        ClusterArm.assertError(arm.call("PATCH", path + KustoClustersTest.API, keyProps.replace(uami[0], other[0])), 400,
                "InvalidKeyVaultProperties", "is not one of the cluster's user-assigned identities");
    }

    @Test
    void anHpcCacheWhoseUserAssignedIdentityHasAccessIsBoundAtCreateWithoutTheAuthorizeStep() throws Exception {
        String sub = ClusterArm.sub();
        String[] uami = identity(sub);
        String vault = vault(sub, "eastus");
        String keyName = ClusterArm.name("k");
        String version = arm.createKeyWithoutDns(vault, keyName);
        arm.grant(sub, vault, uami[1], "get", "wrapKey", "unwrapKey");
        String cache = "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.StorageCache/caches/" + ClusterArm.name("hpc");
        String keyUrl = arm.host.vaultUri(vault) + "keys/" + keyName + "/" + version;
        String vaultId = "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/" + vault;
        ClusterArm.Reply created = arm.call("PUT", cache + "?api-version=2023-05-01", "{\"location\":\"East US\"," + userAssigned(uami[0])
                + ",\"sku\":{\"name\":\"Standard_2G\"},\"properties\":{\"cacheSizeGB\":3072,\"subnet\":\"/subscriptions/" + sub
                + "/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/cache\",\"encryptionSettings\":"
                + "{\"keyEncryptionKey\":{\"keyUrl\":\"" + keyUrl + "\",\"sourceVault\":{\"id\":\"" + vaultId + "\"}}}}}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(arm.awaitOperation(created).json()).containsEntry("status", "Succeeded");
        ClusterArm.Reply got = arm.call("GET", cache + "?api-version=2023-05-01", null);
        assertThat(got.properties()).containsEntry("provisioningState", "Succeeded");
        @SuppressWarnings("unchecked")
        Map<String, Object> health = (Map<String, Object>) got.properties().get("health");
        assertThat(health).containsEntry("state", "Healthy");
        assertThat(got.map("identity")).containsEntry("type", "UserAssigned");
        String uuid = arm.query("SELECT resource_uuid::text FROM cmk_resources WHERE resource_type = 'Microsoft.StorageCache/caches'"
                + " AND lower(name) = lower(?)", cache.substring(cache.lastIndexOf('/') + 1), String.class);
        assertThat(arm.query("SELECT principal_id::text FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuid, String.class))
                .isEqualTo(uami[1]);
    }
}
