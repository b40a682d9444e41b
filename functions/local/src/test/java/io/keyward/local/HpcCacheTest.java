package io.keyward.local;

import static io.keyward.local.ClusterArm.assertError;
import static io.keyward.local.ClusterArm.name;
import static io.keyward.local.ClusterArm.sub;
import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Azure HPC Cache ({@code Microsoft.StorageCache/caches}) with customer-managed keys on the local host, end to end over
 * HTTPS: the create that waits for its key, the authorize action (vault access policy, soft delete and purge protection),
 * the encrypted disks (the AEK in the CMK core), the 90-minute rule, revocation and restore through KeyHealth_Poll, and
 * every error the surface answers. Vault names are random and resolve nowhere: the test's own vault calls go over TLS
 * to the host's address with the vault's name as SNI and Host, and Keyward reaches them through its connect address.
 */
class HpcCacheTest {

    private static final String API = "?api-version=2023-05-01";
    private static final String VAULT_API = "?api-version=2023-07-01";
    private static final String TENANT = UUID.randomUUID().toString();
    private static final String REGIONS = "East US, South Central US and West US 2";

    private static ClusterArm arm;
    private static ClusterArm stranger;

    @BeforeAll
    static void clients() {
        arm = new ClusterArm(TENANT, "hpc-cache-test");
        stranger = new ClusterArm(UUID.randomUUID().toString(), "hpc-cache-stranger");
    }

    @Test
    void aCacheWaitsForItsKeyUntilAuthorizedThenItsEncryptedDisksExist() throws Exception {
        String sub = sub();
        String vault = vault(sub, "eastus", false);
        String keyName = name("k");
        String version = createKey(vault, keyName, 2048);
        String cache = cache(sub, "rg1", name("hpc"));

        ClusterArm.Reply created = arm.call("PUT", cache + API, cmkBody("East US", keyUrl(vault, keyName, version), vaultId(sub, vault), false));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.headers().firstValue("Azure-AsyncOperation")).isPresent();
        assertThat(created.properties()).containsEntry("provisioningState", "Creating");
        assertThat(health(created)).containsEntry("state", "WaitingForKey");
        assertThat((String) health(created).get("statusDescription")).contains("authorizeKeyVault").contains(vault);
        String principal = (String) created.map("identity").get("principalId");
        assertThat(created.map("identity")).containsEntry("type", "SystemAssigned").containsEntry("tenantId", TENANT);
        assertThat(arm.call("GET", URI.create(created.headers().firstValue("Azure-AsyncOperation").get()), arm.armToken(), null).json())
                .containsEntry("status", "InProgress");
        assertThat(aeks(principal)).isZero();
        Map<String, Object> before = vaultProperties(sub, vault);
        assertThat(before).containsEntry("enableSoftDelete", false).doesNotContainKey("enablePurgeProtection");
        assertThat(policyOf(before, principal)).isNull();

        ClusterArm.Reply authorized = arm.call("POST", cache + "/authorizeKeyVault" + API, null);
        assertThat(authorized.status()).as(authorized.text()).isEqualTo(200);
        assertThat(authorized.properties()).containsEntry("provisioningState", "Succeeded");
        assertThat(health(authorized)).containsEntry("state", "Healthy");
        // the authorize step turned the vault's protection on and gave the cache's identity the key permissions
        Map<String, Object> after = vaultProperties(sub, vault);
        assertThat(after).containsEntry("enableSoftDelete", true).containsEntry("enablePurgeProtection", true);
        assertThat(policyOf(after, principal)).containsExactlyInAnyOrder("get", "wrapKey", "unwrapKey");
        // the encrypted disks: the cache's AEK, wrapped by exactly the key version given, in the CMK core
        assertThat(aeks(principal)).isEqualTo(1);
        assertThat(arm.query("SELECT key_version || '/' || resource_kind || '/' || follows_latest FROM cmk_aeks WHERE principal_id = ?::uuid",
                principal, String.class)).isEqualTo(version + "/Microsoft.StorageCache/caches/false");
        ClusterArm.Reply done = awaitCreate(created, cache);
        assertThat(done.json()).as(done.text()).containsEntry("status", "Succeeded");

        // authorizing again changes nothing; a PUT of the same cache updates its tags only
        ClusterArm.Reply again = arm.call("POST", cache + "/authorizeKeyVault" + API, null);
        assertThat(again.status()).as(again.text()).isEqualTo(200);
        assertThat(health(again)).containsEntry("state", "Healthy");
        ClusterArm.Reply tagged = arm.call("PUT", cache + API, cmkBody("East US", keyUrl(vault, keyName, version), vaultId(sub, vault), false)
                .replace("\"location\"", "\"tags\":{\"team\":\"hpc\"},\"location\""));
        assertThat(tagged.status()).as(tagged.text()).isEqualTo(200);
        assertThat(tagged.json()).containsEntry("tags", Map.of("team", "hpc"));
        assertThat(tagged.headers().firstValue("Azure-AsyncOperation")).isEmpty();

        // Caches_Update (PATCH): tags alone change at once; a new key version goes through the engine's key update
        ClusterArm.Reply patchedTags = arm.call("PATCH", cache + API, "{\"tags\":{\"team\":\"hpc2\"}}");
        assertThat(patchedTags.status()).as(patchedTags.text()).isEqualTo(200);
        assertThat(patchedTags.json()).containsEntry("tags", Map.of("team", "hpc2"));
        assertThat(patchedTags.headers().firstValue("Azure-AsyncOperation")).isEmpty();
        String rotated = createKey(vault, keyName, 2048);
        ClusterArm.Reply rekeyed = arm.call("PATCH", cache + API, "{\"properties\":{\"encryptionSettings\":{\"keyEncryptionKey\":{"
                + "\"keyUrl\":\"" + keyUrl(vault, keyName, rotated) + "\",\"sourceVault\":{\"id\":\"" + vaultId(sub, vault) + "\"}}}}}");
        assertThat(rekeyed.status()).as(rekeyed.text()).isEqualTo(200);
        assertThat(rekeyed.headers().firstValue("Azure-AsyncOperation")).as(rekeyed.text()).isPresent();
        assertThat(arm.awaitOperation(rekeyed).json()).containsEntry("status", "Succeeded");
        assertThat(arm.query("SELECT key_version FROM cmk_aeks WHERE principal_id = ?::uuid", principal, String.class)).isEqualTo(rotated);
        tagged = arm.call("PATCH", cache + API, "{\"tags\":{\"team\":\"hpc\"}}");
        assertThat(tagged.json()).containsEntry("tags", Map.of("team", "hpc"));
        assertThat(names(arm.call("GET", "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.StorageCache/caches" + API, null)))
                .containsExactly(cache.substring(cache.lastIndexOf('/') + 1));
        assertThat(names(arm.call("GET", "/subscriptions/" + sub + "/providers/Microsoft.StorageCache/caches" + API, null))).hasSize(1);

        // delete: async, and the AEK is shredded with the cache
        ClusterArm.Reply deleting = arm.call("DELETE", cache + API, null);
        assertThat(deleting.status()).as(deleting.text()).isEqualTo(202);
        assertThat(arm.awaitOperation(deleting).json()).containsEntry("status", "Succeeded");
        assertError(arm.call("GET", cache + API, null), 404, "ResourceNotFound", "was not found");
        assertThat(aeks(principal)).isZero();
        assertThat(arm.call("DELETE", cache + API, null).status()).isEqualTo(204);
    }

    @Test
    void aCacheWithMicrosoftManagedKeysIsReadyWithoutAuthorization() throws Exception {
        String cache = cache(sub(), "rg1", name("hpc"));
        ClusterArm.Reply created = arm.call("PUT", cache + API, body("westeurope", ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(health(created)).containsEntry("state", "Transitioning");
        assertThat(created.properties()).doesNotContainKey("encryptionSettings");
        assertThat(arm.awaitOperation(created).json()).containsEntry("status", "Succeeded");
        ClusterArm.Reply got = arm.call("GET", cache + API, null);
        assertThat(got.properties()).containsEntry("provisioningState", "Succeeded");
        assertThat(health(got)).containsEntry("state", "Healthy");
        assertError(arm.call("POST", cache + "/authorizeKeyVault" + API, null), 400, "BadRequest",
                "uses Microsoft-managed keys: it has no key vault access to authorize.");
        assertThat(aeks((String) got.map("identity").get("principalId"))).isZero();
    }

    @Test
    void everyCreateErrorIsClear() throws Exception {
        String sub = sub();
        String vault = vault(sub, "eastus", true);
        String keyName = name("k");
        String version = createKey(vault, keyName, 2048);
        String url = keyUrl(vault, keyName, version);
        String id = vaultId(sub, vault);
        String cache = cache(sub, "rg1", name("hpc"));

        assertError(arm.call("PUT", cache, cmkBody("eastus", url, id, false)), 400, "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required");
        assertError(arm.call("PUT", cache + "?api-version=2019-11-01", cmkBody("eastus", url, id, false)), 400,
                "InvalidApiVersionParameter", "The supported versions are '2023-05-01,2024-03-01,2025-07-01'");
        // a subscription nobody created anything in: no cache, an empty list
        String unused = sub();
        assertError(arm.call("GET", cache(unused, "rg1", "any") + API, null), 404, "ResourceNotFound",
                "The Resource 'Microsoft.StorageCache/caches/any' under resource group 'rg1' was not found.");
        assertThat(names(arm.call("GET", "/subscriptions/" + unused + "/providers/Microsoft.StorageCache/caches" + API, null))).isEmpty();
        assertError(arm.call("PUT", cache(sub, "rg1", "bad.name") + API, body("eastus", "")), 400, "InvalidParameter",
                "The cache name 'bad.name' is invalid");
        assertError(arm.call("PUT", cache + API, ""), 400, "InvalidRequestContent", "a JSON object is required");
        assertError(arm.call("PUT", cache + API, "{\"sku\":{\"name\":\"Standard_2G\"}}"), 400, "InvalidParameter",
                "The 'location' property is required.");
        assertError(arm.call("PUT", cache + API, "{\"location\":\"eastus\",\"properties\":{\"cacheSizeGB\":3072}}"), 400,
                "InvalidParameter", "The 'sku.name' property is required.");
        assertError(arm.call("PUT", cache + API, "{\"location\":\"eastus\",\"sku\":{\"name\":\"Standard_2G\"},\"properties\":{}}"), 400,
                "InvalidParameter", "The 'properties.cacheSizeGB' property is required and must be a positive number.");
        assertError(arm.call("PUT", cache + API, "{\"location\":\"eastus\",\"sku\":{\"name\":\"Standard_2G\"},\"properties\":{\"cacheSizeGB\":3072}}"),
                400, "InvalidParameter", "The 'properties.subnet' property is required.");
        ClusterArm.Reply region = arm.call("PUT", cache + API, cmkBody("westeurope", url, id, false));
        assertError(region, 400, "BadRequest", "Customer-managed key encryption for Azure HPC Cache is available only in " + REGIONS
                + "; the cache's location is 'westeurope'.");
        assertThat(region.error()).containsEntry("target", "location");
        assertError(arm.call("PUT", cache + API, cmkBody("eastus", url, id, false).replace("\"SystemAssigned\"", "\"None\"")), 400, "BadRequest",
                "needs a managed identity: set identity.type to 'SystemAssigned' (then authorize the cache), or 'UserAssigned'");
        assertError(arm.call("PUT", cache + API, cmkBody("eastus", url.replace("https://", "http://"), id, false)), 400, "InvalidParameter",
                "is invalid: it must be https://<vault-name>.vault.localhost/keys/<key-name>/<key-version>.");
        assertError(arm.call("PUT", cache + API, cmkBody("eastus", keyUrl(vault, keyName, ""), id, false)), 400, "InvalidParameter",
                "names no key version: give one, or set rotationToLatestKeyVersionEnabled to true");
        assertError(arm.call("PUT", cache + API, cmkBody("eastus", url, "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers"
                + "/Microsoft.Storage/storageAccounts/" + vault, false)), 400, "InvalidParameter", "is invalid: it must be the resource id of a key vault");
        String otherSub = sub();
        assertError(arm.call("PUT", cache + API, cmkBody("eastus", url, vaultId(otherSub, vault), false)), 400, "BadRequest",
                "The key vault must be in the cache's subscription '" + sub + "'; sourceVault.id names subscription '" + otherSub + "'.");
        assertError(arm.call("PUT", cache + API, cmkBody("eastus", url, vaultId(sub, "othervault"), false)), 400, "BadRequest",
                "The keyUrl names vault '" + vault + "' but sourceVault.id names vault 'othervault'");
        String missing = name("kwhpcmissing");
        assertError(arm.call("PUT", cache + API, cmkBody("eastus", keyUrl(missing, keyName, version), vaultId(sub, missing), false)), 400,
                "BadRequest", "The key vault '" + missing + "' was not found in resource group 'rg-vaults' of subscription '" + sub + "'.");
        String west = vault(sub, "westus2", true);
        assertError(arm.call("PUT", cache + API, cmkBody("eastus", keyUrl(west, keyName, version), vaultId(sub, west), false)), 400,
                "BadRequest", "The key vault '" + west + "' is in 'westus2' and the cache in 'eastus': the key vault must be in the cache's region.");
        assertError(stranger.call("PUT", cache + API, cmkBody("eastus", url, id, false)), 403, "AuthorizationFailed",
                "does not have authorization to perform action 'Microsoft.StorageCache/caches/write'");
        assertThat(arm.call("GET", cache + API, null).status()).isEqualTo(404);

        // an existing cache keeps its key; a cache being deleted takes no PUT and no second DELETE
        ClusterArm.Reply created = arm.call("PUT", cache + API, cmkBody("eastus", url, id, false));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertError(arm.call("PUT", cache + API, cmkBody("eastus", url, id, true)), 400, "BadRequest",
                "The encryptionSettings of cache '" + cache.substring(cache.lastIndexOf('/') + 1) + "' cannot be changed");
        arm.sql("UPDATE cmk_resources SET phase = 'Deleting' WHERE name = ?", cache.substring(cache.lastIndexOf('/') + 1));
        assertError(arm.call("PUT", cache + API, cmkBody("eastus", url, id, false)), 409, "ConflictError", "is being deleted.");
        assertError(arm.call("DELETE", cache + API, null), 409, "ConflictError", "is already being deleted.");
        assertError(arm.call("POST", cache + "/authorizeKeyVault" + API, null), 409, "ConflictError", "is being deleted.");
    }

    @Test
    void authorizeRefusesKeysTheCoreRefusesAndTheCacheKeepsWaiting() throws Exception {
        String sub = sub();
        String vault = vault(sub, "southcentralus", false);
        String id = vaultId(sub, vault);
        assertError(arm.call("POST", cache(sub, "rg1", "nosuchcache") + "/authorizeKeyVault" + API, null), 404, "ResourceNotFound",
                "The Resource 'Microsoft.StorageCache/caches/nosuchcache' under resource group 'rg1' was not found.");

        String big = name("k");
        String bigVersion = createKey(vault, big, 3072);
        String rsa3072 = cache(sub, "rg1", name("hpc"));
        assertThat(arm.call("PUT", rsa3072 + API, cmkBody("South Central US", keyUrl(vault, big, bigVersion), id, false)).status()).isEqualTo(201);
        assertError(stranger.call("POST", rsa3072 + "/authorizeKeyVault" + API, null), 403, "AuthorizationFailed",
                "'Microsoft.StorageCache/caches/write'");
        assertError(arm.call("POST", rsa3072 + "/authorizeKeyVault" + API, null), 400, "BadRequest",
                "could not be created with its key: Azure HPC Cache requires an RSA 2048 key. The key '" + big + "' is RSA 3072; RSA 2048 is required.");
        assertThat(health(arm.call("GET", rsa3072 + API, null))).containsEntry("state", "WaitingForKey");

        String absent = cache(sub, "rg1", name("hpc"));
        assertThat(arm.call("PUT", absent + API, cmkBody("South Central US", keyUrl(vault, "nosuchkey", ""), id, true)).status()).isEqualTo(201);
        assertError(arm.call("POST", absent + "/authorizeKeyVault" + API, null), 400, "BadRequest",
                "The key does not exist in the key vault. The key 'nosuchkey' was not found in the vault.");

        // the vault is gone (without soft delete, a delete purges it) before the cache was authorized
        String gone = vault(sub, "southcentralus", false);
        String orphan = cache(sub, "rg1", name("hpc"));
        assertThat(arm.call("PUT", orphan + API, cmkBody("South Central US", keyUrl(gone, "k1", ""), vaultId(sub, gone), true)).status())
                .isEqualTo(201);
        assertThat(arm.call("DELETE", vaultId(sub, gone) + VAULT_API, null).status()).isEqualTo(200);
        assertError(arm.call("POST", orphan + "/authorizeKeyVault" + API, null), 404, "ResourceNotFound", "The vault '" + gone + "' was not found.");

        String keyName = name("k");
        String version = createKey(vault, keyName, 2048);
        assertThat(vaultCall(vault, "PATCH", "/keys/" + keyName + "/" + version + "?api-version=7.4", "{\"attributes\":{\"enabled\":false}}")
                .status()).isEqualTo(200);
        String disabled = cache(sub, "rg1", name("hpc"));
        ClusterArm.Reply created = arm.call("PUT", disabled + API, cmkBody("South Central US", keyUrl(vault, keyName, version), id, false));
        assertThat(created.status()).isEqualTo(201);
        assertError(arm.call("POST", disabled + "/authorizeKeyVault" + API, null), 400, "BadRequest",
                "The key is disabled. The key '" + keyName + "' is disabled.");
        ClusterArm.Reply waiting = arm.call("GET", disabled + API, null);
        assertThat(waiting.properties()).containsEntry("provisioningState", "Creating");
        assertThat(health(waiting)).containsEntry("state", "WaitingForKey");
        assertThat(aeks((String) created.map("identity").get("principalId"))).isZero();

        // fixed in the vault within the window: authorizing again creates the encrypted disks
        assertThat(vaultCall(vault, "PATCH", "/keys/" + keyName + "/" + version + "?api-version=7.4", "{\"attributes\":{\"enabled\":true}}")
                .status()).isEqualTo(200);
        ClusterArm.Reply healthy = arm.call("POST", disabled + "/authorizeKeyVault" + API, null);
        assertThat(healthy.status()).as(healthy.text()).isEqualTo(200);
        assertThat(health(healthy)).containsEntry("state", "Healthy");
        assertThat(aeks((String) created.map("identity").get("principalId"))).isEqualTo(1);
    }

    @Test
    void aCacheNotAuthorizedWithin90MinutesFails() throws Exception {
        String sub = sub();
        String vault = vault(sub, "westus2", false);
        String keyName = name("k");
        String version = createKey(vault, keyName, 2048);
        String cacheName = name("hpc");
        String cache = cache(sub, "rg1", cacheName);
        ClusterArm.Reply created = arm.call("PUT", cache + API, cmkBody("westus2", keyUrl(vault, keyName, version), vaultId(sub, vault), false));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        arm.sql("UPDATE cmk_resources SET created_at = created_at - interval '89 minutes' WHERE name = ?", cacheName);
        assertThat(health(arm.call("GET", cache + API, null))).containsEntry("state", "WaitingForKey");

        arm.sql("UPDATE cmk_resources SET created_at = created_at - interval '2 minutes' WHERE name = ?", cacheName);
        String timedOut = "The cache's access to its key vault was not authorized within 90 minutes of its creation, so the cache failed."
                + " Delete the cache and create it again.";
        // shown on read at once, written by the timer
        ClusterArm.Reply read = arm.call("GET", cache + API, null);
        assertThat(read.properties()).containsEntry("provisioningState", "Failed");
        assertThat(health(read)).containsEntry("state", "StartFailed").containsEntry("statusDescription", timedOut);
        arm.host.host().fireTimer("Caches_FailUnauthorized");
        assertThat(arm.query("SELECT phase || '/' || (properties->>'healthState') FROM cmk_resources WHERE name = ?", cacheName, String.class))
                .isEqualTo("Failed/StartFailed");
        ClusterArm.Reply failed = awaitCreate(created, cache);
        assertThat(failed.json()).as(failed.text()).containsEntry("status", "Failed");
        assertThat(failed.text()).contains("not authorized within 90 minutes");

        assertError(arm.call("POST", cache + "/authorizeKeyVault" + API, null), 409, "ConflictError", timedOut);
        assertThat(policyOf(vaultProperties(sub, vault), (String) created.map("identity").get("principalId"))).isNull();
        assertThat(vaultProperties(sub, vault)).containsEntry("enableSoftDelete", false);
        // a failed cache can only be deleted
        ClusterArm.Reply deleting = arm.call("DELETE", cache + API, null);
        assertThat(deleting.status()).as(deleting.text()).isEqualTo(202);
        assertThat(arm.awaitOperation(deleting).json()).containsEntry("status", "Succeeded");
        assertThat(arm.call("GET", cache + API, null).status()).isEqualTo(404);
    }

    @Test
    void aDisabledKeyTakesTheCacheDownUntilTheKeyHealthPollSeesItAgain() throws Exception {
        String sub = sub();
        String vault = vault(sub, "eastus", true);
        String keyName = name("k");
        String version = createKey(vault, keyName, 2048);
        String cache = cache(sub, "rg1", name("hpc"));
        ClusterArm.Reply created = arm.call("PUT", cache + API, cmkBody("eastus", keyUrl(vault, keyName, ""), vaultId(sub, vault), true));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.properties().get("encryptionSettings")).isEqualTo(Map.of("keyEncryptionKey", Map.of("keyUrl",
                keyUrl(vault, keyName, ""), "sourceVault", Map.of("id", vaultId(sub, vault))), "rotationToLatestKeyVersionEnabled", true));
        assertThat(health(arm.call("POST", cache + "/authorizeKeyVault" + API, null))).containsEntry("state", "Healthy");
        String principal = (String) created.map("identity").get("principalId");
        // no version in keyUrl, rotation on: the latest version wraps the AEK; the core's row follows the latest
        assertThat(arm.query("SELECT key_version || '/' || follows_latest FROM cmk_aeks WHERE principal_id = ?::uuid", principal,
                String.class)).isEqualTo(version + "/true");
        String uuid = arm.query("SELECT resource_uuid::text FROM cmk_aeks WHERE principal_id = ?::uuid", principal, String.class);
        assertThat(arm.pollKeyState(uuid, "Accessible")).isEqualTo("Accessible");
        assertThat(health(arm.call("GET", cache + API, null))).containsEntry("state", "Healthy");

        assertThat(vaultCall(vault, "PATCH", "/keys/" + keyName + "/" + version + "?api-version=7.4", "{\"attributes\":{\"enabled\":false}}")
                .status()).isEqualTo(200);
        assertThat(arm.pollKeyState(uuid, "Revoked")).isEqualTo("Revoked");
        ClusterArm.Reply down = arm.call("GET", cache + API, null);
        assertThat(down.properties()).containsEntry("provisioningState", "Succeeded");
        assertThat(health(down)).containsEntry("state", "Down");
        assertThat((String) health(down).get("statusDescription")).startsWith("The cache cannot use its customer-managed key, so its"
                + " encrypted disks cannot be read");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> conditions = (List<Map<String, Object>>) health(down).get("conditions");
        assertThat(conditions).hasSize(1);
        assertThat((String) conditions.get(0).get("message")).contains("answered 403");

        assertThat(vaultCall(vault, "PATCH", "/keys/" + keyName + "/" + version + "?api-version=7.4", "{\"attributes\":{\"enabled\":true}}")
                .status()).isEqualTo(200);
        assertThat(arm.pollKeyState(uuid, "Accessible")).isEqualTo("Accessible");
        ClusterArm.Reply restored = arm.call("GET", cache + API, null);
        assertThat(health(restored)).containsEntry("state", "Healthy").containsEntry("conditions", List.of());
    }

    // --- helpers

    @Test
    void onAVaultInTheRbacModelAuthorizeAssignsCryptoServiceEncryptionUserInsteadOfAnAccessPolicy() throws Exception {
        String sub = sub();
        String vault = vault(sub, "eastus", true, true);
        // the vault's creator (Owner of the subscription) has no data actions: it needs a key role to create the key
        assign(sub, vaultId(sub, vault), "14b46e9e-c2b7-41b4-b07b-48a6ebf60603", arm.client.principal().objectId());
        String keyName = name("k");
        String version = createKey(vault, keyName, 2048);
        String cache = cache(sub, "rg1", name("hpc"));
        ClusterArm.Reply created = arm.call("PUT", cache + API, cmkBody("East US", keyUrl(vault, keyName, version), vaultId(sub, vault), false));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String principal = (String) created.map("identity").get("principalId");

        // Key Vault Contributor on the vault and Contributor on the cache may authorize an access-policy vault, but
        // granting a role takes the right to assign roles
        ClusterArm kvContributor = new ClusterArm(TENANT, "hpc-kv-contributor");
        assign(sub, vaultId(sub, vault), "f25e0fa2-a7c8-4377-a976-54943a77a395", kvContributor.client.principal().objectId());
        assign(sub, cache, "b24988ac-6180-42a0-ab88-20f7382dd24c", kvContributor.client.principal().objectId());
        assertError(kvContributor.call("POST", cache + "/authorizeKeyVault" + API, null), 403, "AuthorizationFailed",
                "Microsoft.Authorization/roleAssignments/write");
        assertThat(aeks(principal)).isZero();

        ClusterArm.Reply authorized = arm.call("POST", cache + "/authorizeKeyVault" + API, null);
        assertThat(authorized.status()).as(authorized.text()).isEqualTo(200);
        assertThat(health(authorized)).containsEntry("state", "Healthy");
        assertThat(policyOf(vaultProperties(sub, vault), principal)).isNull();
        ClusterArm.Reply roles = arm.call("GET", vaultId(sub, vault) + "/providers/Microsoft.Authorization/roleAssignments"
                + "?api-version=2022-04-01&$filter=" + java.net.URLEncoder.encode("principalId eq '" + principal + "'",
                java.nio.charset.StandardCharsets.UTF_8), null);
        assertThat(roles.status()).as(roles.text()).isEqualTo(200);
        assertThat(roles.text()).contains("/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6").contains("\"scope\":\"" + vaultId(sub, vault));
        assertThat(aeks(principal)).isEqualTo(1);
    }

    private static void assign(String sub, String scope, String roleId, String principalId) throws Exception {
        arm.assign(sub, scope, roleId, principalId);
    }

    private static String cache(String sub, String group, String name) {
        return "/subscriptions/" + sub + "/resourceGroups/" + group + "/providers/Microsoft.StorageCache/caches/" + name;
    }

    private static String body(String location, String properties) {
        return "{\"location\":\"" + location + "\",\"identity\":{\"type\":\"SystemAssigned\"},\"sku\":{\"name\":\"Standard_2G\"},"
                + "\"properties\":{\"cacheSizeGB\":3072,\"subnet\":\"/subscriptions/" + UUID.randomUUID() + "/resourceGroups/net/providers"
                + "/Microsoft.Network/virtualNetworks/vnet/subnets/cache\"" + properties + "}}";
    }

    private static String cmkBody(String location, String keyUrl, String vaultId, boolean rotation) {
        return body(location, ",\"encryptionSettings\":{\"keyEncryptionKey\":{\"keyUrl\":\"" + keyUrl + "\",\"sourceVault\":{\"id\":\""
                + vaultId + "\"}},\"rotationToLatestKeyVersionEnabled\":" + rotation + "}");
    }

    private static String keyUrl(String vault, String keyName, String version) {
        return arm.host.vaultUri(vault) + "keys/" + keyName + (version.isEmpty() ? "" : "/" + version);
    }

    private static String vaultId(String sub, String vault) {
        return "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/" + vault;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> health(ClusterArm.Reply r) {
        return (Map<String, Object>) r.properties().get("health");
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(ClusterArm.Reply list) {
        assertThat(list.status()).as(list.text()).isEqualTo(200);
        return ((List<Map<String, Object>>) list.json().get("value")).stream().map(m -> (String) m.get("name")).toList();
    }

    private static long aeks(String principalId) throws Exception {
        return arm.query("SELECT count(*) FROM cmk_aeks WHERE principal_id = ?::uuid", principalId, Long.class);
    }

    /** A new vault in {@code sub} (group rg-vaults) with this client's full access; with or without soft delete and purge protection. */
    private static String vault(String sub, String location, boolean protection) throws Exception {
        return vault(sub, location, protection, false);
    }

    private static String vault(String sub, String location, boolean protection, boolean rbac) throws Exception {
        String vault = name("kwhpc");
        String body = "{\"location\":\"" + location + "\",\"properties\":{\"tenantId\":\"" + TENANT + "\",\"sku\":{\"family\":\"A\","
                + "\"name\":\"premium\"},\"accessPolicies\":[{\"tenantId\":\"" + TENANT + "\",\"objectId\":\"" + arm.client.principal().objectId()
                + "\",\"permissions\":{\"keys\":[\"all\"]}}],\"enableSoftDelete\":" + protection + ",\"softDeleteRetentionInDays\":7"
                + (protection ? ",\"enablePurgeProtection\":true" : "") + (rbac ? ",\"enableRbacAuthorization\":true" : "") + "}}";
        ClusterArm.Reply r = arm.call("PUT", vaultId(sub, vault) + VAULT_API, body);
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return vault;
    }

    private static Map<String, Object> vaultProperties(String sub, String vault) throws Exception {
        ClusterArm.Reply r = arm.call("GET", vaultId(sub, vault) + VAULT_API, null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r.properties();
    }

    /** The key permissions of {@code objectId}'s access policy, or null when it has none. */
    @SuppressWarnings("unchecked")
    private static List<String> policyOf(Map<String, Object> vaultProperties, String objectId) {
        for (Map<String, Object> p : (List<Map<String, Object>>) vaultProperties.get("accessPolicies")) {
            if (objectId.equalsIgnoreCase((String) p.get("objectId"))) {
                return (List<String>) ((Map<String, Object>) p.get("permissions")).get("keys");
            }
        }
        return null;
    }

    private static String createKey(String vault, String keyName, int size) throws Exception {
        VaultReply r = vaultCall(vault, "POST", "/keys/" + keyName + "/create?api-version=7.4", "{\"kty\":\"RSA\",\"key_size\":" + size + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        Matcher kid = Pattern.compile("\"kid\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
        assertThat(kid.find()).as(r.body()).isTrue();
        return kid.group(1).substring(kid.group(1).lastIndexOf('/') + 1);
    }

    private record VaultReply(int status, String body) {
    }

    /**
     * One Key Vault request to a vault whose name resolves nowhere: HTTP/1.1 over TLS to the host's own address with the
     * vault's name as SNI and Host (java.net.http cannot send those without DNS).
     */
    private static VaultReply vaultCall(String vault, String method, String pathAndQuery, String body) throws Exception {
        String hostName = vault + ".vault.localhost";
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        String request = method + " " + pathAndQuery + " HTTP/1.1\r\nHost: " + hostName + ":" + arm.host.host().port()
                + "\r\nAuthorization: Bearer " + arm.host.token(arm.client, Audiences.KEY_VAULT) + "\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + content.length + "\r\nConnection: close\r\n\r\n";
        try (SSLSocket socket = (SSLSocket) arm.host.ssl().getSocketFactory().createSocket("127.0.0.1", arm.host.host().port())) {
            SSLParameters params = socket.getSSLParameters();
            params.setServerNames(List.of(new SNIHostName(hostName)));
            socket.setSSLParameters(params);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().write(content);
            socket.getOutputStream().flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(response.substring(9, 12));
            int split = response.indexOf("\r\n\r\n");
            return new VaultReply(status, split < 0 ? "" : response.substring(split + 4));
        }
    }

    /**
     * The PUT's operation waits for the key by looking every few seconds: make it due and run the operations timer, then
     * follow Azure-AsyncOperation to its end.
     */
    private static ClusterArm.Reply awaitCreate(ClusterArm.Reply created, String cacheId) throws Exception {
        arm.query("UPDATE async_operations SET not_before = clock_timestamp() WHERE lower(resource_id) = lower(?) AND end_time IS NULL"
                + " RETURNING 1", cacheId, Integer.class);
        arm.host.host().fireTimer("Operations_Run");
        return arm.awaitOperation(created);
    }

}
