package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.cmk.CustomerKeyPort;
import io.keyward.app.cmk.VaultReply;
import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 item 6: a vault's {@code networkAcls} and {@code publicNetworkAccess} are stored, echoed and enforced on its
 * keys data plane by the caller's address (403 Forbidden with Key Vault's inner codes); what cannot be enforced
 * (virtual network rules) is refused naming the property. The in-process CMK adapter is a trusted service: it passes
 * the rules when they say {@code bypass: AzureServices}, and is refused when they say {@code None}.
 */
class VaultFirewallTest {

    private static final String TENANT = UUID.randomUUID().toString();
    private static final String WRAP_BODY = "{\"alg\":\"RSA-OAEP\",\"value\":\""
            + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]) + "\"}";
    private static ClusterArm arm;
    private static String sub;
    private static String vault;
    private static String version;
    private static String token;
    private static Principal identity;

    @BeforeAll
    static void start() throws Exception {
        arm = new ClusterArm(TENANT, "firewall");
        sub = ClusterArm.sub();
        vault = ClusterArm.name("kwfw");
        arm.putVault(sub, vault, "eastus", false);
        version = arm.createKeyWithoutDns(vault, "fk");
        token = arm.host.token(arm.client, Audiences.KEY_VAULT);
        identity = arm.host.bean(IdentityService.class).createPrincipal(TENANT, PrincipalType.MANAGED_IDENTITY, "a cluster's identity");
        arm.grant(sub, vault, identity.objectId(), "get", "wrapKey", "unwrapKey");
    }

    @Test
    void denyByDefaultAdmitsOnlyTheAddressesOfItsIpRules() throws Exception {
        ClusterArm.Reply put = patch("{\"properties\":{\"networkAcls\":{\"defaultAction\":\"Deny\",\"bypass\":\"AzureServices\","
                + "\"ipRules\":[{\"value\":\"203.0.113.0/24\"}]}}}");
        assertThat(put.status()).as(put.text()).isEqualTo(200);
        assertThat(put.properties()).containsEntry("publicNetworkAccess", "Enabled");
        assertThat(put.properties().get("networkAcls")).isEqualTo(Map.of("bypass", "AzureServices", "defaultAction", "Deny",
                "ipRules", List.of(Map.of("value", "203.0.113.0/24")), "virtualNetworkRules", List.of()));
        assertThat(get().properties().get("networkAcls")).isEqualTo(put.properties().get("networkAcls"));

        ClusterArm.Reply refused = wrap();
        ClusterArm.assertError(refused, 403, "Forbidden", "Client address is not authorized and caller is not a trusted service.");
        assertThat(refused.error().get("innererror")).isEqualTo(Map.of("code", "ForbiddenByFirewall"));
        assertThat((String) refused.error().get("message")).contains("Client address: 127.0.0.1").contains("Vault: " + vault);
        ClusterArm.Reply list = arm.vaultCall(vault, "GET", "/keys?api-version=7.4", token, null);
        assertThat(list.status()).as("every key operation, reads too").isEqualTo(403);

        // the caller's address admitted, as one address and as a range
        for (String rule : new String[] {"127.0.0.1", "127.0.0.0/8"}) {
            assertThat(patch("{\"properties\":{\"networkAcls\":{\"defaultAction\":\"Deny\",\"ipRules\":[{\"value\":\"" + rule + "\"}]}}}")
                    .status()).isEqualTo(200);
            assertThat(wrap().status()).as(rule).isEqualTo(200);
        }
        // the trusted service passes Deny whatever the IP rules say, with bypass AzureServices (the default)
        assertThat(patch("{\"properties\":{\"networkAcls\":{\"defaultAction\":\"Deny\",\"ipRules\":[]}}}").status()).isEqualTo(200);
        assertThat(wrap().status()).isEqualTo(403);
        assertThat(hostedWrap()).isInstanceOf(VaultReply.Done.class);

        // bypass None: the trusted service is refused too (the resource's key becomes unreachable, as in Azure)
        assertThat(patch("{\"properties\":{\"networkAcls\":{\"defaultAction\":\"Deny\",\"bypass\":\"None\"}}}").status()).isEqualTo(200);
        VaultReply<byte[]> hosted = hostedWrap();
        assertThat(hosted).isInstanceOf(VaultReply.Refused.class);
        assertThat(((VaultReply.Refused<byte[]>) hosted).status()).isEqualTo(403);

        // Allow again: open to everyone; a PATCH without networkAcls keeps them, a PUT without them opens the vault
        assertThat(patch("{\"properties\":{\"networkAcls\":{\"defaultAction\":\"Allow\",\"bypass\":\"None\"}}}").status()).isEqualTo(200);
        assertThat(wrap().status()).isEqualTo(200);
        assertThat(hostedWrap()).isInstanceOf(VaultReply.Done.class);
        assertThat(patch("{\"properties\":{\"networkAcls\":{\"defaultAction\":\"Deny\"}}}").status()).isEqualTo(200);
        assertThat(patch("{\"tags\":{\"a\":\"b\"}}").properties().get("networkAcls")).isNotNull();
        assertThat(wrap().status()).isEqualTo(403);
        arm.putVault(sub, vault, "eastus", false);
        assertThat(get().properties()).doesNotContainKey("networkAcls");
        assertThat(wrap().status()).isEqualTo(200);
        arm.grant(sub, vault, identity.objectId(), "get", "wrapKey", "unwrapKey");
    }

    @Test
    void publicNetworkAccessDisabledRefusesEveryPublicCaller() throws Exception {
        String other = ClusterArm.name("kwfw");
        String path = "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/" + other + ClusterArm.VAULT_API;
        ClusterArm.Reply created = arm.call("PUT", path, "{\"location\":\"eastus\",\"properties\":{\"tenantId\":\"" + TENANT + "\","
                + "\"sku\":{\"family\":\"A\",\"name\":\"standard\"},\"accessPolicies\":[{\"tenantId\":\"" + TENANT + "\",\"objectId\":\""
                + arm.client.principal().objectId() + "\",\"permissions\":{\"keys\":[\"all\"]}}],\"publicNetworkAccess\":\"Disabled\","
                + "\"networkAcls\":{\"defaultAction\":\"Allow\",\"ipRules\":[{\"value\":\"127.0.0.1\"}]}}}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.properties()).containsEntry("publicNetworkAccess", "Disabled");
        ClusterArm.Reply refused = arm.vaultCall(other, "POST", "/keys/k/create?api-version=7.4", token, "{\"kty\":\"RSA\",\"key_size\":2048}");
        ClusterArm.assertError(refused, 403, "Forbidden", "Public network access is disabled");
        assertThat(refused.error().get("innererror")).isEqualTo(Map.of("code", "ForbiddenByConnection"));
        ClusterArm.Reply enabled = arm.call("PATCH", path, "{\"properties\":{\"publicNetworkAccess\":\"Enabled\"}}");
        assertThat(enabled.properties()).containsEntry("publicNetworkAccess", "Enabled");
        assertThat(arm.vaultCall(other, "POST", "/keys/k/create?api-version=7.4", token, "{\"kty\":\"RSA\",\"key_size\":2048}").status())
                .isEqualTo(200);
    }

    @Test
    void whatCannotBeEnforcedIsRefusedNamingTheProperty() throws Exception {
        String vnet = "/subscriptions/" + sub + "/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s";
        assertRefused("{\"properties\":{\"networkAcls\":{\"defaultAction\":\"Deny\",\"virtualNetworkRules\":[{\"id\":\"" + vnet + "\"}]}}}",
                "BadRequest", "properties.networkAcls.virtualNetworkRules");
        assertRefused("{\"properties\":{\"networkAcls\":{\"defaultAction\":\"Block\"}}}", "InvalidParameter", "properties.networkAcls.defaultAction");
        assertRefused("{\"properties\":{\"networkAcls\":{\"bypass\":\"Everyone\"}}}", "InvalidParameter", "properties.networkAcls.bypass");
        assertRefused("{\"properties\":{\"networkAcls\":{\"ipRules\":[{\"value\":\"127.0.0.1\"},{\"value\":\"2001:db8::/32\"}]}}}",
                "InvalidParameter", "properties.networkAcls.ipRules[1].value");
        assertRefused("{\"properties\":{\"networkAcls\":{\"ipRules\":[{\"value\":\"10.0.0.0/33\"}]}}}", "InvalidParameter",
                "properties.networkAcls.ipRules[0].value");
        assertRefused("{\"properties\":{\"publicNetworkAccess\":\"Sometimes\"}}", "InvalidParameter", "properties.publicNetworkAccess");
        assertThat(get().properties()).as("nothing refused was stored").doesNotContainKey("networkAcls")
                .containsEntry("publicNetworkAccess", "Enabled");
    }

    private static void assertRefused(String body, String code, String target) throws Exception {
        ClusterArm.Reply r = patch(body);
        ClusterArm.assertError(r, 400, code, null);
        assertThat(r.error()).as(r.text()).containsEntry("target", target);
    }

    private static ClusterArm.Reply patch(String body) throws Exception {
        return arm.call("PATCH", "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/" + vault
                + ClusterArm.VAULT_API, body);
    }

    private static ClusterArm.Reply get() throws Exception {
        ClusterArm.Reply r = arm.call("GET", "/subscriptions/" + sub + "/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/"
                + vault + ClusterArm.VAULT_API, null);
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return r;
    }

    private static ClusterArm.Reply wrap() throws Exception {
        return arm.vaultCall(vault, "POST", "/keys/fk/" + version + "/wrapkey?api-version=7.4", token, WRAP_BODY);
    }

    /** The in-process adapter, as a keyed resource's identity reaches its customer key (no HTTP, no address). */
    private static VaultReply<byte[]> hostedWrap() {
        return arm.host.bean(CustomerKeyPort.class).wrapKey(arm.host.vaultUri(vault) + "keys/fk/" + version, identity, new byte[32]);
    }
}
