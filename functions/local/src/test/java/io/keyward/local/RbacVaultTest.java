package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.loganalytics.LogAnalyticsManager;
import com.azure.resourcemanager.loganalytics.models.BillingType;
import com.azure.resourcemanager.loganalytics.models.Capacity;
import com.azure.resourcemanager.loganalytics.models.Cluster;
import com.azure.resourcemanager.loganalytics.models.ClusterEntityStatus;
import com.azure.resourcemanager.loganalytics.models.ClusterSku;
import com.azure.resourcemanager.loganalytics.models.ClusterSkuNameEnum;
import com.azure.resourcemanager.loganalytics.models.KeyVaultProperties;
import com.azure.resourcemanager.loganalytics.models.ManagedServiceIdentity;
import com.azure.resourcemanager.loganalytics.models.ManagedServiceIdentityType;
import io.keyward.app.identity.Audiences;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import reactor.core.publisher.Mono;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Key Vault's RBAC permission model ({@code enableRbacAuthorization: true}) on the wire and in the CMK flows: the
 * vault ignores its access policies and asks for data actions from role assignments at the vault or key scope, and
 * the in-process adapter decides alike, so a Data Explorer cluster whose identity holds Key Vault Crypto Service
 * Encryption User binds its key, one without it fails with the documented error, and removing the assignment is a
 * revocation the key-health poller records.
 */
class RbacVaultTest {

    private static final String API = KustoClustersTest.API;
    private static final String AUTH_API = "?api-version=2022-04-01";
    private static final String VAULT = "kwrbac2";
    private static final String CRYPTO_OFFICER = "14b46e9e-c2b7-41b4-b07b-48a6ebf60603";
    private static final String CRYPTO_SERVICE_ENCRYPTION_USER = "e147488a-f6f5-4113-8e2d-b22465e65bf6";
    /** fixed, as the vault's name is: the database outlives a run, and the vault with it */
    private static final String TENANT = "e0000000-0000-4000-8000-00000000e0b1";
    private static final String SUBSCRIPTION = "e0000000-0000-4000-8000-0000000005b9";
    private static ClusterArm arm;
    private static String sub;
    private static String vaultId;
    private static URI vaultUri;

    @BeforeAll
    static void vault() throws Exception {
        arm = new ClusterArm(TENANT, "rbac-vault-test").owning(SUBSCRIPTION);
        sub = SUBSCRIPTION;
        vaultId = "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/" + VAULT;
        // an access policy granting the creator everything, which the RBAC model ignores
        ClusterArm.Reply put = arm.call("PUT", vaultId + ClusterArm.VAULT_API, "{\"location\":\"westeurope\",\"properties\":{\"tenantId\":\""
                + arm.tenant + "\",\"sku\":{\"family\":\"A\",\"name\":\"premium\"},\"enableRbacAuthorization\":true,\"enableSoftDelete\":true,"
                + "\"softDeleteRetentionInDays\":7,\"enablePurgeProtection\":true,\"accessPolicies\":[{\"tenantId\":\"" + arm.tenant
                + "\",\"objectId\":\"" + arm.client.principal().objectId() + "\",\"permissions\":{\"keys\":[\"all\"]}}]}}");
        assertThat(put.status()).as(put.text()).isIn(200, 201);
        assertThat(put.properties()).containsEntry("enableRbacAuthorization", true);
        vaultUri = arm.host.vaultUri(VAULT);
    }

    @Test
    void theVaultIgnoresItsAccessPoliciesAndAsksForDataActions() throws Exception {
        String keyName = ClusterArm.name("k");
        // Owner of the subscription has no data actions: creating a key is refused despite the access policy
        ClusterArm.Reply refused = createKey(keyName);
        assertThat(refused.status()).as(refused.text()).isEqualTo(403);
        assertThat(refused.error()).containsEntry("code", "Forbidden");
        assertThat((String) refused.error().get("message")).contains("Caller is not authorized to perform action on resource")
                .contains("Microsoft.KeyVault/vaults/keys/create/action");
        String officer = assign(vaultId, CRYPTO_OFFICER, arm.client.principal().objectId());
        assertThat(createKey(keyName).status()).isEqualTo(200);
        // an assignment at the key's scope does not reach other keys
        ClusterArm.Reply removed = arm.call("DELETE", officer + AUTH_API, null);
        assertThat(removed.status()).as(removed.text()).isEqualTo(200);
        assign(vaultId + "/keys/" + keyName, CRYPTO_OFFICER, arm.client.principal().objectId());
        assertThat(getKey(keyName).status()).isEqualTo(200);
        assertThat(createKey(ClusterArm.name("other")).status()).isEqualTo(403);
    }

    @Test
    void aClusterWithCryptoServiceEncryptionUserBindsItsKeyAndLosesItWhenTheAssignmentGoes() throws Exception {
        String keyName = ClusterArm.name("k");
        assign(vaultId + "/keys/" + keyName, CRYPTO_OFFICER, arm.client.principal().objectId());
        assertThat(createKey(keyName).status()).isEqualTo(200);
        String clusterSub = ClusterArm.sub();
        String name = ClusterArm.name("kc");
        String path = KustoClustersTest.path(clusterSub, name);
        ClusterArm.Reply created = arm.call("PUT", path + API, "{\"location\":\"westeurope\",\"identity\":{\"type\":\"SystemAssigned\"},"
                + "\"sku\":{\"name\":\"Standard_E8ads_v5\",\"tier\":\"Standard\",\"capacity\":2}}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String principal = (String) created.map("identity").get("principalId");

        // without a role: the documented no-access error
        ClusterArm.Reply denied = arm.awaitOperation(updateKey(path, keyName));
        assertThat(denied.json()).as(denied.text()).containsEntry("status", "Failed");
        assertThat(denied.error()).containsEntry("code", "IdentityDoesNotHaveAccessToKeyVault");

        // Key Vault Crypto Service Encryption User at the vault: bound (no access policy, no 'recover')
        String role = assign(vaultId, CRYPTO_SERVICE_ENCRYPTION_USER, principal);
        ClusterArm.Reply bound = arm.awaitOperation(updateKey(path, keyName));
        assertThat(bound.json()).as(bound.text()).containsEntry("status", "Succeeded");
        String uuid = arm.query("SELECT resource_uuid::text FROM cmk_resources WHERE name = ?", name, String.class);
        assertThat(arm.pollKeyState(uuid, "Accessible")).isEqualTo("Accessible");

        // the assignment removed: the poller records the revocation, as for a removed access policy
        assertThat(arm.call("DELETE", role + AUTH_API, null).status()).isEqualTo(200);
        assertThat(arm.pollKeyState(uuid, "Revoked")).isEqualTo("Revoked");
        assertThat(arm.call("GET", path + API, null).properties()).containsEntry("state", "Unavailable");

        // granted again at the key's scope: accessible again
        assign(vaultId + "/keys/" + keyName, CRYPTO_SERVICE_ENCRYPTION_USER, principal);
        assertThat(arm.pollKeyState(uuid, "Accessible")).isEqualTo("Accessible");
    }

    /** Log Analytics through the official SDK client: the key update fails without the role and succeeds with it. */
    @Test
    void aLogAnalyticsClusterBindsItsKeyWithCryptoServiceEncryptionUserThroughTheSdk() throws Exception {
        String keyName = ClusterArm.name("k");
        assign(vaultId + "/keys/" + keyName, CRYPTO_OFFICER, arm.client.principal().objectId());
        assertThat(createKey(keyName).status()).isEqualTo(200);
        String base = arm.host.baseUri() + "/";
        AzureEnvironment environment = new AzureEnvironment(Map.of("resourceManagerEndpointUrl", base, "activeDirectoryEndpointUrl", base,
                "managementEndpointUrl", base));
        HttpClient http = new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(arm.host.ssl())).build();
        TokenCredential credential = request -> Mono.fromCallable(() -> new AccessToken(arm.host.token(arm.client, Audiences.ARM),
                OffsetDateTime.now().plusMinutes(30)));
        LogAnalyticsManager manager = LogAnalyticsManager.configure().withHttpClient(http).withDefaultPollInterval(Duration.ofMillis(200))
                .authenticate(credential, new AzureProfile(arm.tenant, ClusterArm.sub(), environment));
        Cluster cluster = manager.clusters().define(ClusterArm.name("sdk")).withRegion("westeurope").withExistingResourceGroup("rg-sdk")
                .withIdentity(new ManagedServiceIdentity().withType(ManagedServiceIdentityType.SYSTEM_ASSIGNED))
                .withSku(new ClusterSku().withName(ClusterSkuNameEnum.CAPACITY_RESERVATION).withCapacity(Capacity.ONE_ZERO_ZERO_ZERO))
                .withBillingType(BillingType.CLUSTER).create();
        KeyVaultProperties key = new KeyVaultProperties().withKeyVaultUri(vaultUri.toString()).withKeyName(keyName).withKeyVersion("");
        assertThatThrownBy(() -> cluster.update().withKeyVaultProperties(key).apply()).isInstanceOf(ManagementException.class);

        assign(vaultId, CRYPTO_SERVICE_ENCRYPTION_USER, cluster.identity().principalId().toString());
        Cluster updated = manager.clusters().getById(cluster.id()).update().withKeyVaultProperties(key).apply();
        assertThat(updated.provisioningState()).isEqualTo(ClusterEntityStatus.SUCCEEDED);
        assertThat(updated.keyVaultProperties().keyName()).isEqualTo(keyName);
    }

    @Test
    void switchingThePermissionModelNeedsTheRightToGrantAccess() throws Exception {
        ClusterArm contributor = new ClusterArm(arm.tenant, "rbac-vault-contributor");
        assign("/subscriptions/" + sub, "b24988ac-6180-42a0-ab88-20f7382dd24c", contributor.client.principal().objectId());
        ClusterArm.Reply tags = contributor.call("PATCH", vaultId + ClusterArm.VAULT_API, "{\"tags\":{\"a\":\"b\"}}");
        assertThat(tags.status()).as(tags.text()).isEqualTo(200);
        ClusterArm.Reply flip = contributor.call("PATCH", vaultId + ClusterArm.VAULT_API, "{\"properties\":{\"enableRbacAuthorization\":false}}");
        ClusterArm.assertError(flip, 403, "AuthorizationFailed", "Microsoft.Authorization/roleAssignments/write");
        assertThat(arm.call("GET", vaultId + ClusterArm.VAULT_API, null).properties()).containsEntry("enableRbacAuthorization", true);
    }

    private static ClusterArm.Reply updateKey(String path, String keyName) throws Exception {
        ClusterArm.Reply r = arm.call("PATCH", path + API, "{\"properties\":" + KustoClustersTest.keyProperties(vaultUri, keyName, "") + "}");
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r;
    }

    private static ClusterArm.Reply createKey(String keyName) throws Exception {
        return arm.call("POST", URI.create(vaultUri + "keys/" + keyName + "/create?api-version=7.4"), arm.host.token(arm.client,
                Audiences.KEY_VAULT), "{\"kty\":\"RSA\",\"key_size\":2048}");
    }

    private static ClusterArm.Reply getKey(String keyName) throws Exception {
        return arm.call("GET", URI.create(vaultUri + "keys/" + keyName + "?api-version=7.4"), arm.host.token(arm.client, Audiences.KEY_VAULT),
                null);
    }

    private static String assign(String scope, String roleId, String principalId) throws Exception {
        return arm.assign(sub, scope, roleId, principalId);
    }

}
