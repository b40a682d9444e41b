package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.identity.Audiences;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 item 1: access policies that grant no key permission (secrets, certificates or storage only, {@code
 * permissions: {}}, {@code keys: null}) are stored and answered as such, and leave the vault readable and usable: its
 * GET, its repair by PUT and PATCH, and its keys data plane.
 */
class AccessPolicyKindsTest {

    private static final String TENANT = UUID.randomUUID().toString();
    private static ClusterArm arm;

    @BeforeAll
    static void start() {
        arm = new ClusterArm(TENANT, "policy-kinds");
    }

    @Test
    @SuppressWarnings("unchecked")
    void policiesWithoutKeyPermissionsAreStoredEchoedAndLeaveTheVaultUsable() throws Exception {
        String sub = ClusterArm.sub();
        String vault = ClusterArm.name("kwpk");
        arm.putVault(sub, vault, "eastus", false);
        String path = vaultPath(sub, vault);
        String secretsOnly = UUID.randomUUID().toString();
        String empty = UUID.randomUUID().toString();
        String nullKeys = UUID.randomUUID().toString();
        String everyKind = UUID.randomUUID().toString();
        ClusterArm.Reply add = arm.call("PUT", path + "/accessPolicies/add" + ClusterArm.VAULT_API, "{\"properties\":{\"accessPolicies\":["
                + policy(secretsOnly, "{\"secrets\":[\"get\"]}") + "," + policy(empty, "{}") + ","
                + policy(nullKeys, "{\"keys\":null,\"certificates\":[\"Get\",\"ListIssuers\"]}") + ","
                + policy(everyKind, "{\"keys\":[\"get\"],\"secrets\":[\"all\"],\"certificates\":[\"list\"],\"storage\":[\"getsas\"]}") + "]}}");
        assertThat(add.status()).as(add.text()).isEqualTo(200);

        ClusterArm.Reply get = arm.call("GET", path + ClusterArm.VAULT_API, null);
        assertThat(get.status()).as(get.text()).isEqualTo(200);
        assertThat(permissions(get, secretsOnly)).containsEntry("keys", List.of()).containsEntry("secrets", List.of("get"))
                .containsEntry("certificates", List.of()).containsEntry("storage", List.of());
        assertThat(permissions(get, empty)).containsEntry("keys", List.of()).containsEntry("secrets", List.of());
        assertThat(permissions(get, nullKeys)).containsEntry("keys", List.of()).containsEntry("certificates", List.of("get", "listissuers"));
        assertThat(permissions(get, everyKind)).containsEntry("keys", List.of("get")).containsEntry("storage", List.of("getsas"))
                .containsEntry("certificates", List.of("list"));
        assertThat((List<Object>) permissions(get, everyKind).get("secrets")).hasSize(8).contains("get", "set", "purge");

        // the vault's keys still answer, and the vault can still be changed
        usable(vault);
        ClusterArm.Reply patch = arm.call("PATCH", path + ClusterArm.VAULT_API, "{\"tags\":{\"repaired\":\"yes\"}}");
        assertThat(patch.status()).as(patch.text()).isEqualTo(200);
        assertThat(permissions(patch, secretsOnly)).containsEntry("secrets", List.of("get"));

        // remove takes away what is listed; a policy left with nothing of any kind goes
        ClusterArm.Reply remove = arm.call("PUT", path + "/accessPolicies/remove" + ClusterArm.VAULT_API, "{\"properties\":{\"accessPolicies\":["
                + policy(secretsOnly, "{\"secrets\":[\"get\"]}") + "," + policy(everyKind, "{\"keys\":[\"get\"],\"secrets\":[\"all\"]}") + "]}}");
        assertThat(remove.status()).as(remove.text()).isEqualTo(200);
        get = arm.call("GET", path + ClusterArm.VAULT_API, null);
        assertThat(get.status()).as(get.text()).isEqualTo(200);
        assertThat(policyOf(get, secretsOnly)).isNull();
        assertThat(permissions(get, everyKind)).containsEntry("keys", List.of()).containsEntry("secrets", List.of())
                .containsEntry("storage", List.of("getsas"));
        usable(vault);
    }

    @Test
    void anUnknownPermissionOfAnyKindIsA400NamingIt() throws Exception {
        String sub = ClusterArm.sub();
        String vault = ClusterArm.name("kwpk");
        arm.putVault(sub, vault, "eastus", false);
        for (String[] c : new String[][] {{"secrets", "wrapKey"}, {"certificates", "fly"}, {"storage", "get sas"}}) {
            ClusterArm.Reply r = arm.call("PUT", vaultPath(sub, vault) + "/accessPolicies/add" + ClusterArm.VAULT_API,
                    "{\"properties\":{\"accessPolicies\":[" + policy(UUID.randomUUID().toString(), "{\"" + c[0] + "\":[\"" + c[1] + "\"]}") + "]}}");
            ClusterArm.assertError(r, 400, "InvalidParameter", c[1]);
            assertThat(r.error()).containsEntry("target", "properties.accessPolicies[0].permissions." + c[0]);
        }
        ClusterArm.Reply nullName = arm.call("PUT", vaultPath(sub, vault) + "/accessPolicies/add" + ClusterArm.VAULT_API,
                "{\"properties\":{\"accessPolicies\":[" + policy(UUID.randomUUID().toString(), "{\"secrets\":[null]}") + "]}}");
        ClusterArm.assertError(nullName, 400, "InvalidParameter", null);
        usable(vault);
    }

    /** Rows written before empty lists were stored (a policy without its {@code keys} member) read as no key permission. */
    @Test
    void aStoredPolicyMissingItsKeyListReadsAsEmpty() throws Exception {
        String sub = ClusterArm.sub();
        String vault = ClusterArm.name("kwpk");
        arm.putVault(sub, vault, "eastus", false);
        String legacy = UUID.randomUUID().toString();
        var db = arm.host.host().database();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("UPDATE vaults SET access_policies = access_policies || ?::jsonb WHERE name = ?")) {
            ps.setString(1, "[{\"tenantId\":\"" + TENANT + "\",\"objectId\":\"" + legacy + "\"}]");
            ps.setString(2, vault);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        ClusterArm.Reply get = arm.call("GET", vaultPath(sub, vault) + ClusterArm.VAULT_API, null);
        assertThat(get.status()).as(get.text()).isEqualTo(200);
        assertThat(permissions(get, legacy)).containsEntry("keys", List.of());
        usable(vault);
    }

    /** A key can be created in the vault and wraps: its data plane reads the stored policies. */
    private static void usable(String vault) throws Exception {
        String token = arm.host.token(arm.client, Audiences.KEY_VAULT);
        String name = "k" + UUID.randomUUID().toString().substring(0, 8);
        String version = arm.createKeyWithoutDns(vault, name);
        ClusterArm.Reply list = arm.vaultCall(vault, "GET", "/keys?api-version=7.4", token, null);
        assertThat(list.status()).as(list.text()).isEqualTo(200);
        ClusterArm.Reply wrap = arm.vaultCall(vault, "POST", "/keys/" + name + "/" + version + "/wrapkey?api-version=7.4", token,
                "{\"alg\":\"RSA-OAEP\",\"value\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]) + "\"}");
        assertThat(wrap.status()).as(wrap.text()).isEqualTo(200);
    }

    private static String vaultPath(String sub, String vault) {
        return "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/" + vault;
    }

    private static String policy(String objectId, String permissions) {
        return "{\"tenantId\":\"" + TENANT + "\",\"objectId\":\"" + objectId + "\",\"permissions\":" + permissions + "}";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> policyOf(ClusterArm.Reply r, String objectId) {
        for (Object p : (List<Object>) r.properties().get("accessPolicies")) {
            Map<String, Object> m = (Map<String, Object>) p;
            if (objectId.equals(m.get("objectId"))) {
                return m;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> permissions(ClusterArm.Reply r, String objectId) {
        Map<String, Object> p = policyOf(r, objectId);
        assertThat(p).as(objectId + " in " + r.text()).isNotNull();
        return (Map<String, Object>) p.get("permissions");
    }
}
