package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ARM {@code Microsoft.Storage/storageAccounts} on the local host, over HTTPS with the host's tokens, against a real vault
 * and keys in the SoftHSM2 token: an account is created with Microsoft-managed keys and a system-assigned identity,
 * updated to its customer's key (bound at once, as StorageAccounts_Update answers), refused a key its identity may not
 * use, never switched back; a member it does not support is refused naming it; a delete shreds its AEK.
 */
class StorageAccountsTest {

    static final String API = "?api-version=2023-05-01";
    private static final String TENANT = "f0000000-0000-4000-8000-0000000000b1";
    private static final String VAULT_SUBSCRIPTION = "f0000000-0000-4000-8000-0000000005b1";
    /** soft delete and purge protection, westeurope; in src/test/resources/hosts */
    private static final String VAULT = "kwstore1";

    private static ClusterArm arm;
    private static URI vaultUri;

    @BeforeAll
    static void vault() throws Exception {
        arm = new ClusterArm(TENANT, "storage-test").owning(VAULT_SUBSCRIPTION);
        arm.putVault(VAULT_SUBSCRIPTION, VAULT, "westeurope", true);
        vaultUri = arm.host.vaultUri(VAULT);
    }

    static String path(String sub, String name) {
        return "/subscriptions/" + sub + "/resourceGroups/rg1/providers/Microsoft.Storage/storageAccounts/" + name;
    }

    static String name() {
        return ClusterArm.name("st");
    }

    static String create(String location) {
        return "{\"location\":\"" + location + "\",\"kind\":\"StorageV2\",\"sku\":{\"name\":\"Standard_LRS\"},"
                + "\"identity\":{\"type\":\"SystemAssigned\"}}";
    }

    static String keyBody(URI vaultUri, String keyName, String version) {
        String uri = vaultUri.toString().replaceAll("/$", "");
        return "{\"properties\":{\"encryption\":{\"keySource\":\"Microsoft.Keyvault\",\"keyvaultproperties\":{\"keyname\":\"" + keyName
                + "\",\"keyvaulturi\":\"" + uri + "\",\"keyversion\":\"" + version + "\"},\"services\":{\"blob\":{\"enabled\":true,"
                + "\"keyType\":\"Account\"},\"file\":{\"enabled\":true,\"keyType\":\"Account\"}}}}}";
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> encryption(ClusterArm.Reply r) {
        return (Map<String, Object>) r.properties().get("encryption");
    }

    @Test
    @SuppressWarnings("unchecked")
    void anAccountIsCreatedWithMicrosoftKeysAndMovedToTheCustomersKeyByAnUpdate() throws Exception {
        String sub = ClusterArm.sub();
        String name = name();
        ClusterArm.Reply created = arm.call("PUT", path(sub, name) + API, create("westeurope"));
        assertThat(created.status()).as(created.text()).isEqualTo(200);
        assertThat(created.json()).containsEntry("type", "Microsoft.Storage/storageAccounts").containsEntry("kind", "StorageV2")
                .containsEntry("name", name);
        assertThat(created.map("sku")).isEqualTo(Map.of("name", "Standard_LRS", "tier", "Standard"));
        assertThat(created.properties()).containsEntry("provisioningState", "Succeeded");
        assertThat(encryption(created)).containsEntry("keySource", "Microsoft.Storage").doesNotContainKey("keyvaultproperties");
        String principal = (String) created.map("identity").get("principalId");
        assertThat(created.map("identity")).containsEntry("type", "SystemAssigned").containsEntry("tenantId", TENANT);
        // systemData: the creator is the first writer too
        String me = arm.client.principal().objectId();
        assertThat(created.map("systemData")).containsEntry("createdBy", me).containsEntry("createdByType", "Application")
                .containsEntry("lastModifiedBy", me).containsEntry("lastModifiedByType", "Application")
                .containsKeys("createdAt", "lastModifiedAt");

        String keyName = ClusterArm.name("k");
        String version = arm.createKey(VAULT, keyName, 3072);
        // the identity has no access yet: refused at once, and nothing changes
        ClusterArm.assertError(arm.call("PATCH", path(sub, name) + API, keyBody(vaultUri, keyName, "")), 400,
                "IdentityDoesNotHaveAccessToKeyVault", "get, wrapKey and unwrapKey");
        assertThat(encryption(arm.call("GET", path(sub, name) + API, null))).containsEntry("keySource", "Microsoft.Storage");

        arm.grant(VAULT_SUBSCRIPTION, VAULT, principal, "get", "wrapKey", "unwrapKey");
        ClusterArm.Reply bound = arm.call("PATCH", path(sub, name) + API, keyBody(vaultUri, keyName, ""));
        assertThat(bound.status()).as(bound.text()).isEqualTo(200);
        assertThat(encryption(bound)).containsEntry("keySource", "Microsoft.Keyvault");
        assertThat((Map<String, Object>) encryption(bound).get("keyvaultproperties")).containsEntry("keyname", keyName)
                .containsEntry("keyversion", "").containsEntry("keyvaulturi", vaultUri.toString().replaceAll("/$", ""))
                .containsKey("lastKeyRotationTimestamp");
        String uuid = arm.query("SELECT resource_uuid::text FROM cmk_resources WHERE name = ?", name, String.class);
        assertThat(arm.query("SELECT key_version || ' ' || resource_kind FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuid, String.class))
                .isEqualTo(version + " Microsoft.Storage/storageAccounts");

        // the engine polls its key like every keyed resource's
        assertThat(arm.pollKeyState(uuid, "Accessible")).isEqualTo("Accessible");

        // no way back to Microsoft-managed keys, and the identity cannot go while the key needs it
        ClusterArm.assertError(arm.call("PATCH", path(sub, name) + API, "{\"properties\":{\"encryption\":{\"keySource\":"
                + "\"Microsoft.Storage\"}}}"), 400, "BadRequest", "does not switch an account back");
        ClusterArm.assertError(arm.call("PATCH", path(sub, name) + API, "{\"identity\":{\"type\":\"None\"}}"), 400, "BadRequest",
                "cannot be removed");

        // another principal of the tenant, given a role on the subscription, changes the tags: the last writer moves, the creator stays
        ClusterArm other = new ClusterArm(TENANT, "storage-accounts-other").owning(sub);
        ClusterArm.Reply tagged = other.call("PATCH", path(sub, name) + API, "{\"tags\":{\"t\":\"1\"}}");
        assertThat(tagged.status()).as(tagged.text()).isEqualTo(200);
        assertThat(arm.call("GET", path(sub, name) + API, null).map("systemData")).containsEntry("createdBy", me)
                .containsEntry("lastModifiedBy", other.client.principal().objectId()).containsEntry("createdAt", created.map("systemData")
                        .get("createdAt"));

        ClusterArm.Reply listed = arm.call("GET", "/subscriptions/" + sub + "/providers/Microsoft.Storage/storageAccounts" + API, null);
        assertThat(listed.status()).as(listed.text()).isEqualTo(200);
        assertThat(listed.text()).contains("\"name\":\"" + name + "\"").contains("\"lastModifiedBy\":\"" + other.client.principal().objectId());

        // delete: 200, and the account's wrapped AEK is shredded
        assertThat(arm.call("DELETE", path(sub, name) + API, null).status()).isEqualTo(200);
        Conditions.await(Duration.ofSeconds(30), () -> count("SELECT count(*) FROM cmk_aeks WHERE resource_uuid = ?::uuid", uuid) == 0
                && count("SELECT count(*) FROM cmk_resources WHERE resource_uuid = ?::uuid", uuid) == 0, "the account and its AEK gone");
        ClusterArm.assertError(arm.call("GET", path(sub, name) + API, null), 404, "ResourceNotFound", name);
        assertThat(arm.call("DELETE", path(sub, name) + API, null).status()).isEqualTo(204);
    }

    @Test
    void whatAnAccountDoesNotSupportIsRefusedNamingIt() throws Exception {
        String sub = ClusterArm.sub();
        String name = name();
        ClusterArm.assertError(arm.call("PUT", path(sub, name) + API, "{\"location\":\"westeurope\",\"kind\":\"StorageV2\",\"sku\":"
                + "{\"name\":\"Standard_LRS\"},\"properties\":{\"minimumTlsVersion\":\"TLS1_2\"}}"), 400, "InvalidParameter",
                "'properties.minimumTlsVersion'");
        ClusterArm.assertError(arm.call("PUT", path(sub, name) + API, "{\"location\":\"westeurope\",\"kind\":\"StorageV2\",\"sku\":"
                + "{\"name\":\"Standard_LRS\"},\"extendedLocation\":{\"name\":\"x\"}}"), 400, "InvalidParameter", "'extendedLocation'");
        ClusterArm.assertError(arm.call("PUT", path(sub, name) + API, "{\"location\":\"westeurope\",\"kind\":\"StorageV2\",\"sku\":"
                + "{\"name\":\"Standard_LRS\"},\"properties\":{\"encryption\":{\"requireInfrastructureEncryption\":true}}}"), 400,
                "InvalidParameter", "Infrastructure encryption");
        ClusterArm.assertError(arm.call("PUT", path(sub, name) + API, "{\"location\":\"westeurope\",\"kind\":\"StorageV2\",\"sku\":"
                + "{\"name\":\"Standard_LRS\"},\"properties\":{\"encryption\":{\"services\":{\"queue\":{\"keyType\":\"Service\"}}}}}"),
                400, "InvalidParameter", "keyType must be 'Account'");
        ClusterArm.assertError(arm.call("PUT", path(sub, name) + API, "{\"location\":\"westeurope\",\"kind\":\"StorageV2\",\"sku\":"
                + "{\"name\":\"Standard_LRS\"},\"identity\":{\"type\":\"UserAssigned\",\"userAssignedIdentities\":{}}}"), 400,
                "InvalidParameter", "SystemAssigned identity only");
        // a customer key on create: the identity cannot have access before it exists
        ClusterArm.Reply onCreate = arm.call("PUT", path(sub, name) + API, "{\"location\":\"westeurope\",\"kind\":\"StorageV2\",\"sku\":"
                + "{\"name\":\"Standard_LRS\"},\"identity\":{\"type\":\"SystemAssigned\"}," + keyBody(vaultUri, "k1", "").substring(1));
        ClusterArm.assertError(onCreate, 400, "InvalidParameter", "created with Microsoft-managed keys");
        ClusterArm.assertError(arm.call("PUT", path(sub, "Bad_Name") + API, create("westeurope")), 400, "InvalidParameter",
                "lowercase letters and digits");
        ClusterArm.assertError(arm.call("PUT", path(sub, name) + API, "{\"location\":\"westeurope\",\"sku\":{\"name\":\"Standard_LRS\"}}"),
                400, "InvalidParameter", "'kind'");
        // none of these created anything
        assertThat(arm.call("GET", path(sub, name) + API, null).status()).isEqualTo(404);
        // a GET body sent back as it is (read-only members included) is accepted
        ClusterArm.Reply created = arm.call("PUT", path(sub, name) + API, create("westeurope"));
        assertThat(created.status()).as(created.text()).isEqualTo(200);
        ClusterArm.Reply again = arm.call("PUT", path(sub, name) + API, created.text());
        assertThat(again.status()).as(again.text()).isEqualTo(200);
        assertThat(again.map("identity")).isEqualTo(created.map("identity"));
    }

    @Test
    void aKeyNeedsTheIdentityFirst() throws Exception {
        String sub = ClusterArm.sub();
        String name = name();
        ClusterArm.Reply created = arm.call("PUT", path(sub, name) + API, "{\"location\":\"westeurope\",\"kind\":\"StorageV2\","
                + "\"sku\":{\"name\":\"Standard_LRS\"}}");
        assertThat(created.status()).as(created.text()).isEqualTo(200);
        assertThat(created.map("identity")).containsEntry("type", "None");
        String keyName = ClusterArm.name("k");
        arm.createKey(VAULT, keyName, 2048);
        // the identity and the key in one request: the new identity could not have access yet; refused, and no identity is made
        String both = keyBody(vaultUri, keyName, "").replaceFirst("^\\{", "{\"identity\":{\"type\":\"SystemAssigned\"},");
        ClusterArm.assertError(arm.call("PATCH", path(sub, name) + API, both), 400, "BadRequest", "assign the identity");
        assertThat(arm.call("GET", path(sub, name) + API, null).map("identity")).containsEntry("type", "None");
        assertThat(arm.query("SELECT count(*) FROM identity_principals WHERE display_name = ?", name, Long.class)).isZero();
        // the control: the identity alone is made (under the account's name)
        assertThat(arm.call("PATCH", path(sub, name) + API, "{\"identity\":{\"type\":\"SystemAssigned\"}}").map("identity"))
                .containsEntry("type", "SystemAssigned");
        assertThat(arm.query("SELECT count(*) FROM identity_principals WHERE display_name = ?", name, Long.class)).isEqualTo(1);
    }

    @Test
    void anotherTenantCannotSeeTheAccount() throws Exception {
        String sub = ClusterArm.sub();
        String name = name();
        assertThat(arm.call("PUT", path(sub, name) + API, create("westeurope")).status()).isEqualTo(200);
        ClusterArm other = new ClusterArm("f0000000-0000-4000-8000-0000000000b2", "storage-other");
        ClusterArm.assertError(other.call("GET", path(sub, name) + API, null), 403, "AuthorizationFailed", null);
    }

    private static long count(String sql, String uuid) {
        try {
            return arm.query(sql, uuid, Long.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
