package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ARM {@code Microsoft.Kusto/clusters} end to end on the local host, over HTTPS with the host's tokens, against real vaults
 * (their access policies decide) and keys in the SoftHSM2 token: each of Data Explorer's documented customer-managed-key
 * errors, code and message; revocation seen by KeyHealth_Poll; leader and follower clusters. Vault names are fixed
 * (src/test/resources/hosts), clusters are new each run.
 */
class KustoClustersTest {

    static final String API = "?api-version=2024-04-13";
    private static final String TENANT = "f0000000-0000-4000-8000-0000000000a1";
    private static final String VAULT_SUBSCRIPTION = "f0000000-0000-4000-8000-0000000005a1";
    /** soft delete and purge protection, westeurope */
    private static final String VAULT = "kwkusto1";
    /** soft delete without purge protection */
    private static final String NO_PURGE_PROTECTION = "kwkusto2";
    /** no soft delete (a vault made before soft delete was mandatory) */
    private static final String NO_SOFT_DELETE = "kwkusto3";

    private static ClusterArm arm;
    private static URI vaultUri;

    @BeforeAll
    static void vaults() throws Exception {
        arm = new ClusterArm(TENANT, "kusto-test").owning(VAULT_SUBSCRIPTION);
        arm.putVault(VAULT_SUBSCRIPTION, VAULT, "westeurope", true);
        arm.putVault(VAULT_SUBSCRIPTION, NO_PURGE_PROTECTION, "westeurope", false);
        ClusterArm.Reply plain = arm.call("PUT", "/subscriptions/" + VAULT_SUBSCRIPTION + "/resourceGroups/rg-vaults/providers/"
                + "Microsoft.KeyVault/vaults/" + NO_SOFT_DELETE + ClusterArm.VAULT_API, "{\"location\":\"westeurope\",\"properties\":"
                + "{\"tenantId\":\"" + TENANT + "\",\"sku\":{\"family\":\"A\",\"name\":\"standard\"},\"enableSoftDelete\":false,"
                + "\"accessPolicies\":[{\"tenantId\":\"" + TENANT + "\",\"objectId\":\"" + arm.client.principal().objectId()
                + "\",\"permissions\":{\"keys\":[\"all\"]}}]}}");
        assertThat(plain.status()).as(plain.text()).isIn(200, 201);
        vaultUri = arm.host.vaultUri(VAULT);
    }

    // --- the documented flow

    @Test
    void aClusterIsCreatedWithASystemAssignedIdentityAndBoundToAKeyByAnUpdate() throws Exception {
        String sub = ClusterArm.sub();
        String name = name();
        ClusterArm.Reply created = arm.call("PUT", path(sub, name) + API, create("westeurope", "\"identity\":{\"type\":\"SystemAssigned\"},"));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.json()).containsEntry("type", "Microsoft.Kusto/Clusters").containsEntry("name", name)
                .containsEntry("location", "westeurope");
        assertThat(created.map("sku")).isEqualTo(Map.of("name", "Standard_E8ads_v5", "tier", "Standard", "capacity", 2));
        assertThat(created.map("identity")).containsEntry("type", "SystemAssigned").containsEntry("tenantId", TENANT)
                .containsKey("principalId").containsEntry("userAssignedIdentities", Map.of());
        assertThat(created.properties()).containsEntry("provisioningState", "Succeeded").containsEntry("state", "Running")
                .doesNotContainKey("keyVaultProperties");
        // what Keyward has none of is answered empty: no allowed IP ranges or FQDNs (non-empty ones are refused), no private endpoints
        assertThat(created.properties()).containsEntry("allowedIpRangeList", List.of()).containsEntry("allowedFqdnList", List.of())
                .containsEntry("privateEndpointConnections", List.of());
        String principal = (String) created.map("identity").get("principalId");
        arm.grant(VAULT_SUBSCRIPTION, VAULT, principal, "get", "wrapKey", "unwrapKey", "recover");
        String keyName = ClusterArm.name("k");
        String version = arm.createKey(VAULT, keyName, 2048);

        // the docs' ARM template: a PUT of the existing cluster naming only sku, location and keyVaultProperties
        ClusterArm.Reply started = arm.call("PUT", path(sub, name) + API, "{\"location\":\"westeurope\",\"sku\":{\"name\":"
                + "\"Standard_E8ads_v5\",\"tier\":\"Standard\",\"capacity\":2},\"properties\":" + keyProperties(vaultUri, keyName, "") + "}");
        assertThat(started.status()).as(started.text()).isEqualTo(200);
        assertThat(started.properties()).containsEntry("provisioningState", "Running").containsEntry("state", "Updating");
        assertThat(started.headers().firstValue("Azure-AsyncOperation").orElseThrow()).contains("/providers/Microsoft.Kusto/locations/westeurope/");
        assertThat(arm.awaitOperation(started).json()).containsEntry("status", "Succeeded");

        ClusterArm.Reply bound = arm.call("GET", path(sub, name) + API, null);
        assertThat(bound.properties()).containsEntry("provisioningState", "Succeeded").containsEntry("state", "Running")
                .doesNotContainKey("stateReason");
        assertThat(bound.properties().get("keyVaultProperties")).isEqualTo(Map.of("keyVaultUri", vaultUri.toString(), "keyName", keyName,
                "keyVersion", ""));
        assertThat(bound.map("identity")).containsEntry("principalId", principal);
        String uuid = uuidOf(name);
        assertThat(arm.query("SELECT key_version FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuid, String.class)).isEqualTo(version);
        assertThat(arm.query("SELECT resource_kind || ' ' || follows_latest FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuid, String.class))
                .isEqualTo("Microsoft.Kusto/clusters true");

        // an explicit version is bound as given (followsLatest false); PATCH works as PUT does
        String second = arm.createKey(VAULT, keyName, 2048);
        ClusterArm.Reply patched = arm.awaitOperation(arm.call("PATCH", path(sub, name) + API,
                "{\"properties\":" + keyProperties(vaultUri, keyName, second) + "}"));
        assertThat(patched.json()).as(patched.text()).containsEntry("status", "Succeeded");
        assertThat(arm.query("SELECT key_version || ' ' || follows_latest FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuid, String.class))
                .isEqualTo(second + " false");

        ClusterArm.Reply listed = arm.call("GET", "/subscriptions/" + sub + "/providers/Microsoft.Kusto/clusters" + API, null);
        assertThat(listed.status()).as(listed.text()).isEqualTo(200);
        assertThat(listed.text()).contains("\"name\":\"" + name + "\"");

        // delete: asynchronous, and the cluster's wrapped AEK is shredded with it
        ClusterArm.Reply deleting = arm.call("DELETE", path(sub, name) + API, null);
        assertThat(deleting.status()).as(deleting.text()).isEqualTo(202);
        assertThat(arm.awaitOperation(deleting).json()).containsEntry("status", "Succeeded");
        ClusterArm.assertError(arm.call("GET", path(sub, name) + API, null), 404, "ResourceNotFound", name);
        assertThat(arm.query("SELECT count(*) FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuid, Long.class)).isZero();
        assertThat(arm.call("DELETE", path(sub, name) + API, null).status()).isEqualTo(204);
    }

    @Test
    void anotherTenantCannotSeeTheCluster() throws Exception {
        String sub = ClusterArm.sub();
        String name = name();
        assertThat(arm.call("PUT", path(sub, name) + API, create("westeurope", "")).status()).isEqualTo(201);
        ClusterArm other = new ClusterArm("f0000000-0000-4000-8000-0000000000a2", "kusto-other");
        ClusterArm.assertError(other.call("GET", path(sub, name) + API, null), 403, "AuthorizationFailed", null);
    }

    // --- errors answered at once (400)

    @Test
    void aCreateNeedsALocationAValidSkuAndAValidName() throws Exception {
        String sub = ClusterArm.sub();
        ClusterArm.assertError(arm.call("PUT", path(sub, name()) + API, "{\"sku\":{\"name\":\"Standard_E8ads_v5\",\"tier\":\"Standard\"}}"),
                400, "InvalidParameter", "'location'");
        ClusterArm.assertError(arm.call("PUT", path(sub, name()) + API, "{\"location\":\"westeurope\"}"), 400, "InvalidParameter", "'sku'");
        ClusterArm.assertError(arm.call("PUT", path(sub, name()) + API, "{\"location\":\"westeurope\",\"sku\":{\"name\":"
                + "\"Standard_E8ads_v5\",\"tier\":\"Premium\"}}"), 400, "InvalidParameter", "Basic or Standard");
        ClusterArm.assertError(arm.call("PUT", path(sub, "Bad_Name") + API, create("westeurope", "")), 400, "InvalidParameter",
                "lowercase letters and digits");
        ClusterArm.Reply nothing = arm.call("GET", "/subscriptions/" + sub + "/providers/Microsoft.Kusto/clusters" + API, null);
        assertThat(nothing.status()).as(nothing.text()).isEqualTo(200);
        assertThat(nothing.text()).isEqualTo("{\"value\":[]}");
    }

    @Test
    void aClusterBusyWithAnOperationOrInAnotherRegionRefusesChanges() throws Exception {
        Cluster cl = newCluster("westeurope");
        ClusterArm.assertError(arm.call("PATCH", cl.path + API, "{\"location\":\"northeurope\"}"), 400, "BadRequest",
                "cannot be changed to 'northeurope'");
        ClusterArm.Reply scaled = arm.call("PATCH", cl.path + API, "{\"sku\":{\"capacity\":5},\"tags\":{\"team\":\"a\"}}");
        assertThat(scaled.status()).as(scaled.text()).isEqualTo(200);
        assertThat(scaled.map("sku")).containsEntry("capacity", 5).containsEntry("name", "Standard_E8ads_v5");
        assertThat(scaled.json()).containsEntry("tags", Map.of("team", "a"));
        // stands in for a key update that is still running
        arm.sql("UPDATE cmk_resources SET phase = 'Updating' WHERE name = ?", cl.name);
        ClusterArm.assertError(arm.call("PATCH", cl.path + API, "{\"properties\":" + keyProperties(vaultUri, "k1", "") + "}"), 409,
                "ConflictError", "in state Updating");
        ClusterArm.assertError(arm.call("DELETE", cl.path + API, null), 409, "ConflictError", "in state Updating");
    }

    @Test
    void keyVaultPropertiesInACreateAreRefused() throws Exception {
        String sub = ClusterArm.sub();
        String name = name();
        ClusterArm.Reply r = arm.call("PUT", path(sub, name) + API, "{\"location\":\"westeurope\",\"identity\":{\"type\":\"SystemAssigned\"},"
                + "\"sku\":{\"name\":\"Standard_E8ads_v5\",\"tier\":\"Standard\"},\"properties\":" + keyProperties(vaultUri, "k1", "") + "}");
        assertExactly(r, 400, "CannotProvideKeyVaultPropertiesDuringCreation", "Cannot provide KeyVaultProperties during cluster creation.");
        assertThat(arm.call("GET", path(sub, name) + API, null).status()).isEqualTo(404);
    }

    @Test
    void keyVaultPropertiesNeedASystemAssignedIdentity() throws Exception {
        String sub = ClusterArm.sub();
        String name = name();
        ClusterArm.Reply created = arm.call("PUT", path(sub, name) + API, create("westeurope", "\"identity\":{\"type\":\"None\"},"));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.map("identity")).isEqualTo(Map.of("type", "None"));
        String message = "KeyVaultProperties can be provided only for resources with SystemAssigned Identity.";
        assertExactly(arm.call("PATCH", path(sub, name) + API, "{\"properties\":" + keyProperties(vaultUri, "k1", "") + "}"),
                400, "KeyVaultPropertiesOnlyForSystemAssignedResources", message);

        // keyVaultProperties.userIdentity must name one of the cluster's user-assigned identities
        ClusterArm.Reply identity = arm.call("PATCH", path(sub, name) + API, "{\"identity\":{\"type\":\"SystemAssigned\"}}");
        assertThat(identity.status()).as(identity.text()).isEqualTo(200);
        assertThat(identity.map("identity")).containsEntry("type", "SystemAssigned").containsKey("principalId");
        ClusterArm.assertError(arm.call("PATCH", path(sub, name) + API, "{\"properties\":{\"keyVaultProperties\":{\"keyVaultUri\":\""
                + vaultUri + "\",\"keyName\":\"k1\",\"userIdentity\":\"/subscriptions/" + sub + "/resourceGroups/rg1/providers/"
                + "Microsoft.ManagedIdentity/userAssignedIdentities/id1\"}}}"), 400, "InvalidKeyVaultProperties",
                "is not one of the cluster's user-assigned identities");

        // and a user-assigned identity that does not exist is refused clearly (UserAssignedIdentityCmkTest: one that does)
        ClusterArm.assertError(arm.call("PUT", path(sub, name()) + API, create("westeurope", "\"identity\":{\"type\":\"UserAssigned\","
                + "\"userAssignedIdentities\":{\"/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/"
                + "userAssignedIdentities/id1\":{}}},")), 400, "InvalidParameter", "was not found");
    }

    @Test
    void malformedKeyVaultPropertiesAreInvalid() throws Exception {
        String sub = ClusterArm.sub();
        String name = name();
        assertThat(arm.call("PUT", path(sub, name) + API, create("westeurope", "\"identity\":{\"type\":\"SystemAssigned\"},")).status())
                .isEqualTo(201);
        String message = "The provided KeyVaultProperties are invalid.";
        for (String bad : new String[] {
                keyProperties(URI.create("http://kwkusto1.vault.localhost/"), "k1", ""),
                keyProperties(URI.create("https://kwkusto1.vault.localhost/keys/k1"), "k1", ""),
                keyProperties(vaultUri, "bad_name!", ""),
                keyProperties(vaultUri, "k1", "not-a-version"),
                "{\"keyVaultProperties\":{\"keyName\":\"k1\"}}"}) {
            ClusterArm.Reply r = arm.call("PATCH", path(sub, name) + API, "{\"properties\":" + bad + "}");
            assertExactly(r, 400, "InvalidKeyVaultProperties", message);
            assertThat(r.headers().firstValue("Azure-AsyncOperation")).isEmpty();
        }
        assertThat(arm.call("GET", path(sub, name) + API, null).properties()).containsEntry("state", "Running");
    }

    // --- errors of the vault, in the failed key update

    @Test
    void aVaultThatDoesNotExistIsNotFound() throws Exception {
        Cluster cl = newCluster("westeurope");
        URI missing = URI.create("https://kwkustonone.vault.localhost:" + arm.host.host().port() + "/");
        assertFailed(cl.updateKey(missing, "k1", ""), "KeyVaultNotFound", "KeyVault '" + missing + "' was not found");
        assertThat(arm.call("GET", cl.path + API, null).properties()).containsEntry("provisioningState", "Succeeded")
                .containsEntry("state", "Running").doesNotContainKey("keyVaultProperties");
    }

    @Test
    void aKeyThatDoesNotExistIsNotFound() throws Exception {
        Cluster cl = newCluster("westeurope");
        arm.grant(VAULT_SUBSCRIPTION, VAULT, cl.principal, "get", "wrapKey", "unwrapKey", "recover");
        assertFailed(cl.updateKey(vaultUri, "nosuchkey", ""), "KeyNotFound",
                "Key 'nosuchkey' was not found in KeyVault '" + vaultUri + "'");
    }

    @Test
    void anIdentityWithoutTheDocumentedPermissionsHasNoAccess() throws Exception {
        Cluster cl = newCluster("westeurope");
        String keyName = ClusterArm.name("k");
        arm.createKey(VAULT, keyName, 2048);
        String message = "Cluster identity does not have access to KeyVault '" + vaultUri + "'";
        // nothing granted: the vault itself refuses get
        assertFailed(cl.updateKey(vaultUri, keyName, ""), "IdentityDoesNotHaveAccessToKeyVault", message);
        // get, wrapKey and unwrapKey but not recover, which Data Explorer's docs grant too
        arm.grant(VAULT_SUBSCRIPTION, VAULT, cl.principal, "get", "wrapKey", "unwrapKey");
        assertFailed(cl.updateKey(vaultUri, keyName, ""), "IdentityDoesNotHaveAccessToKeyVault", message);
        arm.grant(VAULT_SUBSCRIPTION, VAULT, cl.principal, "recover");
        assertThat(arm.awaitOperation(cl.updateKey(vaultUri, keyName, "")).json()).containsEntry("status", "Succeeded");
    }

    @Test
    void aVaultWithoutPurgeProtectionOrSoftDeleteIsRefused() throws Exception {
        Cluster cl = newCluster("westeurope");
        arm.grant(VAULT_SUBSCRIPTION, NO_PURGE_PROTECTION, cl.principal, "get", "wrapKey", "unwrapKey", "recover");
        arm.grant(VAULT_SUBSCRIPTION, NO_SOFT_DELETE, cl.principal, "get", "wrapKey", "unwrapKey", "recover");
        String k1 = ClusterArm.name("k");
        arm.createKey(NO_PURGE_PROTECTION, k1, 2048);
        URI plain = arm.host.vaultUri(NO_PURGE_PROTECTION);
        assertFailed(cl.updateKey(plain, k1, ""), "KeyVaultNotPurgeProtected", "KeyVault '" + plain + "' is not Purge Protected");
        String k2 = ClusterArm.name("k");
        arm.createKey(NO_SOFT_DELETE, k2, 2048);
        URI none = arm.host.vaultUri(NO_SOFT_DELETE);
        assertFailed(cl.updateKey(none, k2, ""), "KeyVaultNotSoftDeleteEnabled", "KeyVault '" + none + "' is not Soft-Delete enabled");
    }

    @Test
    void onlyRsa2048KeysInTheClustersRegionAreAccepted() throws Exception {
        Cluster cl = newCluster("westeurope");
        arm.grant(VAULT_SUBSCRIPTION, VAULT, cl.principal, "get", "wrapKey", "unwrapKey", "recover");
        String big = ClusterArm.name("k");
        arm.createKey(VAULT, big, 3072);
        ClusterArm.Reply rsa = failed(cl.updateKey(vaultUri, big, ""), "InvalidKeyVaultProperties");
        assertThat(message(rsa)).startsWith("The provided KeyVaultProperties are invalid. ").contains("RSA 3072").contains("RSA 2048");

        Cluster north = newCluster("northeurope");
        arm.grant(VAULT_SUBSCRIPTION, VAULT, north.principal, "get", "wrapKey", "unwrapKey", "recover");
        String key = ClusterArm.name("k");
        arm.createKey(VAULT, key, 2048);
        ClusterArm.Reply region = failed(north.updateKey(vaultUri, key, ""), "InvalidKeyVaultProperties");
        assertThat(message(region)).startsWith("The provided KeyVaultProperties are invalid. ").contains("same region");
    }

    // --- revocation

    @Test
    void aDisabledKeyMakesTheClusterUnavailableUntilItIsEnabledAgain() throws Exception {
        Cluster cl = newCluster("westeurope");
        arm.grant(VAULT_SUBSCRIPTION, VAULT, cl.principal, "get", "wrapKey", "unwrapKey", "recover");
        String keyName = ClusterArm.name("k");
        String version = arm.createKey(VAULT, keyName, 2048);
        assertThat(arm.awaitOperation(cl.updateKey(vaultUri, keyName, "")).json()).containsEntry("status", "Succeeded");
        String uuid = uuidOf(cl.name);
        assertThat(arm.pollKeyState(uuid, "Accessible")).isEqualTo("Accessible");
        assertThat(arm.call("GET", cl.path + API, null).properties()).containsEntry("state", "Running").doesNotContainKey("stateReason");

        assertThat(setKeyEnabled(keyName, version, false).status()).isEqualTo(200);
        assertThat(arm.pollKeyState(uuid, "Revoked")).isEqualTo("Revoked");
        Map<String, Object> revoked = arm.call("GET", cl.path + API, null).properties();
        assertThat(revoked).containsEntry("state", "Unavailable").containsEntry("provisioningState", "Succeeded");
        assertThat((String) revoked.get("stateReason")).startsWith("The cluster's customer-managed key is inaccessible: ")
                .contains(keyName).contains("answered 403");
        // moving to another key needs the current one (the cluster's AEK must be unwrapped to be re-wrapped): refused
        String other = ClusterArm.name("k");
        arm.createKey(VAULT, other, 2048);
        ClusterArm.Reply moved = failed(cl.updateKey(vaultUri, other, ""), "CustomerManagedKeyInaccessible");
        assertThat(message(moved)).contains(keyName).contains("403");
        assertThat(arm.query("SELECT key_id FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuid, String.class)).contains("/keys/" + keyName + "/");

        assertThat(setKeyEnabled(keyName, version, true).status()).isEqualTo(200);
        assertThat(arm.pollKeyState(uuid, "Accessible")).isEqualTo("Accessible");
        assertThat(arm.call("GET", cl.path + API, null).properties()).containsEntry("state", "Running").doesNotContainKey("stateReason");
        assertThat(arm.awaitOperation(cl.updateKey(vaultUri, other, "")).json()).containsEntry("status", "Succeeded");
        assertThat(arm.query("SELECT key_id FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuid, String.class)).contains("/keys/" + other + "/");
    }

    @Test
    void aStoppedClusterCannotStartWhileItsKeyIsDisabled() throws Exception {
        Cluster cl = newCluster("westeurope");
        arm.grant(VAULT_SUBSCRIPTION, VAULT, cl.principal, "get", "wrapKey", "unwrapKey", "recover");
        String keyName = ClusterArm.name("k");
        String version = arm.createKey(VAULT, keyName, 2048);
        assertThat(arm.awaitOperation(cl.updateKey(vaultUri, keyName, "")).json()).containsEntry("status", "Succeeded");
        String uuid = uuidOf(cl.name);

        assertThat(arm.call("POST", cl.path + "/stop" + API, null).status()).isEqualTo(200);
        assertThat(arm.call("GET", cl.path + API, null).properties()).containsEntry("state", "Stopped");
        assertThat(arm.query("SELECT active FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuid, Boolean.class)).isFalse();
        assertThat(setKeyEnabled(keyName, version, false).status()).isEqualTo(200);
        ClusterArm.Reply refused = arm.call("POST", cl.path + "/start" + API, null);
        ClusterArm.assertError(refused, 403, "CustomerManagedKeyInaccessible", "cannot start");
        assertThat(arm.call("GET", cl.path + API, null).properties()).containsEntry("state", "Stopped");

        assertThat(setKeyEnabled(keyName, version, true).status()).isEqualTo(200);
        assertThat(arm.call("POST", cl.path + "/start" + API, null).status()).isEqualTo(200);
        assertThat(arm.call("GET", cl.path + API, null).properties()).containsEntry("state", "Running");
        assertThat(arm.query("SELECT active FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuid, Boolean.class)).isTrue();
    }

    // --- leader and follower clusters

    @Test
    void leaderAndFollowerClustersRefuseCustomerManagedKeys() throws Exception {
        Cluster leader = newCluster("westeurope");
        Cluster follower = newCluster("westeurope", leader.sub);
        String config = follower.path + "/attachedDatabaseConfigurations/follow1";
        ClusterArm.Reply attached = arm.call("PUT", config + API, "{\"location\":\"westeurope\",\"properties\":{\"databaseName\":\"db1\","
                + "\"clusterResourceId\":\"" + leader.path + "\",\"defaultPrincipalsModificationKind\":\"Union\"}}");
        assertThat(attached.status()).as(attached.text()).isEqualTo(201);
        assertThat(attached.properties()).containsEntry("clusterResourceId", leader.path).containsEntry("databaseName", "db1")
                .containsEntry("provisioningState", "Succeeded");
        assertThat(arm.call("GET", config + API, null).properties()).containsEntry("clusterResourceId", leader.path)
                .containsEntry("databaseNamePrefix", "");
        // a follower's databases keep their names: an empty prefix is accepted, another refused naming it
        ClusterArm.assertError(arm.call("PUT", config + API, "{\"properties\":{\"databaseName\":\"db1\",\"clusterResourceId\":\""
                + leader.path + "\",\"databaseNamePrefix\":\"p_\"}}"), 400, "InvalidParameter", null);
        assertThat(arm.call("PUT", config + API, "{\"properties\":{\"databaseName\":\"db1\",\"clusterResourceId\":\"" + leader.path
                + "\",\"databaseNamePrefix\":\"\"}}").status()).isBetween(200, 201);

        String message = "Data encryption using customer managed keys is not supported on leader and follower clusters.";
        for (Cluster side : new Cluster[] {follower, leader}) {
            ClusterArm.Reply r = arm.call("PATCH", side.path + API, "{\"properties\":" + keyProperties(vaultUri, "k1", "") + "}");
            ClusterArm.assertError(r, 400, "BadRequest", message);
        }

        assertThat(arm.call("DELETE", config + API, null).status()).isEqualTo(200);
        assertThat(arm.call("GET", config + API, null).status()).isEqualTo(404);
        arm.grant(VAULT_SUBSCRIPTION, VAULT, follower.principal, "get", "wrapKey", "unwrapKey", "recover");
        String keyName = ClusterArm.name("k");
        arm.createKey(VAULT, keyName, 2048);
        assertThat(arm.awaitOperation(follower.updateKey(vaultUri, keyName, "")).json()).containsEntry("status", "Succeeded");
        // and a cluster with a customer key cannot become a follower
        ClusterArm.assertError(arm.call("PUT", config + API, "{\"properties\":{\"databaseName\":\"*\",\"clusterResourceId\":\"" + leader.path
                + "\"}}"), 400, "BadRequest", message);
    }

    // --- helpers

    private record Cluster(String sub, String name, String path, String principal) {
        ClusterArm.Reply updateKey(URI vault, String keyName, String version) throws Exception {
            ClusterArm.Reply r = arm.call("PATCH", path + API, "{\"properties\":" + keyProperties(vault, keyName, version) + "}");
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            return r;
        }
    }

    private static Cluster newCluster(String location) throws Exception {
        return newCluster(location, ClusterArm.sub());
    }

    private static Cluster newCluster(String location, String sub) throws Exception {
        String name = name();
        ClusterArm.Reply created = arm.call("PUT", path(sub, name) + API, create(location, "\"identity\":{\"type\":\"SystemAssigned\"},"));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return new Cluster(sub, name, path(sub, name), (String) created.map("identity").get("principalId"));
    }

    static String path(String sub, String name) {
        return "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.Kusto/clusters/" + name;
    }

    /** Data Explorer cluster names: 4-22 lowercase letters and digits, starting with a letter. */
    private static String name() {
        return ClusterArm.name("kc");
    }

    private static String create(String location, String identity) {
        return "{\"location\":\"" + location + "\"," + identity + "\"sku\":{\"name\":\"Standard_E8ads_v5\",\"tier\":\"Standard\",\"capacity\":2}}";
    }

    static String keyProperties(URI vault, String keyName, String version) {
        return "{\"keyVaultProperties\":{\"keyVaultUri\":\"" + vault + "\",\"keyName\":\"" + keyName + "\",\"keyVersion\":\"" + version + "\"}}";
    }

    private static String uuidOf(String clusterName) throws Exception {
        return arm.query("SELECT resource_uuid::text FROM cmk_resources WHERE name = ?", clusterName, String.class);
    }

    private static void assertExactly(ClusterArm.Reply r, int status, String code, String message) {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(r.error()).as(r.text()).containsEntry("code", code).containsEntry("message", message);
    }

    /** The key update's status resource ends Failed with exactly this code and message. */
    private static void assertFailed(ClusterArm.Reply started, String code, String message) throws Exception {
        assertThat(message(failed(started, code))).isEqualTo(message);
    }

    private static ClusterArm.Reply failed(ClusterArm.Reply started, String code) throws Exception {
        ClusterArm.Reply status = arm.awaitOperation(started);
        assertThat(status.json()).as(status.text()).containsEntry("status", "Failed");
        assertThat(status.error()).as(status.text()).containsEntry("code", code);
        return status;
    }

    private static String message(ClusterArm.Reply status) {
        return (String) status.error().get("message");
    }

    private static ClusterArm.Reply setKeyEnabled(String keyName, String version, boolean enabled) throws Exception {
        return arm.call("PATCH", URI.create(vaultUri + "keys/" + keyName + "/" + version + "?api-version=7.4"),
                arm.host.token(arm.client, Audiences.KEY_VAULT), "{\"attributes\":{\"enabled\":" + enabled + "}}");
    }

}
