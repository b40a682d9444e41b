package io.keyward.local;

import static io.keyward.local.ClusterArm.API;
import static io.keyward.local.ClusterArm.body;
import static io.keyward.local.ClusterArm.cluster;
import static io.keyward.local.ClusterArm.keyPatch;
import static io.keyward.local.ClusterArm.name;
import static io.keyward.local.ClusterArm.sub;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The async key update of a cluster against real vaults of the host: the cluster's identity is checked by the vault
 * itself (its access policies), the vault's purge protection by the key's recoveryLevel. Vault names are fixed (they
 * must be in src/test/resources/hosts), so their tenant and subscription are too; clusters are new each run.
 */
class ClusterKeyTest {

    private static final String TENANT = "e0000000-0000-4000-8000-00000000e001";
    private static final String VAULT_SUBSCRIPTION = "e0000000-0000-4000-8000-0000000005e1";
    /** soft delete and purge protection */
    private static final String PROTECTED_VAULT = "kwcl1";
    /** soft delete only */
    private static final String PLAIN_VAULT = "kwcl2";
    /** soft delete and purge protection; NOT in the hosts file */
    private static final String NO_DNS_VAULT = "kwclnodns";

    private static ClusterArm arm;

    @BeforeAll
    static void vaults() throws Exception {
        arm = new ClusterArm(TENANT, "cluster-key-test").owning(VAULT_SUBSCRIPTION);
        arm.putVault(VAULT_SUBSCRIPTION, PROTECTED_VAULT, "westeurope", true);
        arm.putVault(VAULT_SUBSCRIPTION, PLAIN_VAULT, "westeurope", false);
    }

    @Test
    void anIdentityWithoutUnwrapKeyFailsValidationUntilGranted() throws Exception {
        String keyName = name("k");
        String version = arm.createKey(PROTECTED_VAULT, keyName, 2048);
        String sub = sub();
        String name = name("cl");
        ClusterArm.Reply created = arm.call("PUT", cluster(sub, "rg1", name) + API, body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String principal = (String) created.map("identity").get("principalId");
        arm.grant(VAULT_SUBSCRIPTION, PROTECTED_VAULT, principal, "get", "wrapKey");

        ClusterArm.Reply started = arm.call("PATCH", cluster(sub, "rg1", name) + API, keyPatch(arm.host.vaultUri(PROTECTED_VAULT), keyName, ""));
        assertThat(started.status()).as(started.text()).isEqualTo(200);
        assertThat(started.properties()).containsEntry("provisioningState", "Updating");
        assertThat(started.headers().firstValue("Azure-AsyncOperation")).isPresent();
        ClusterArm.Reply failed = arm.awaitOperation(started);
        assertThat(failed.json()).as(failed.text()).containsEntry("status", "Failed");
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) failed.json().get("error");
        assertThat((String) error.get("message")).startsWith(
                "Failed to validate key in Key Vault. Could be due to lack of permissions or when key doesn't exist.")
                .contains("unwrapKey");
        ClusterArm.Reply after = arm.call("GET", cluster(sub, "rg1", name) + API, null);
        assertThat(after.properties()).containsEntry("provisioningState", "Succeeded").doesNotContainKey("keyVaultProperties");
        assertThat(arm.query("SELECT count(*) FROM cmk_aeks a JOIN cmk_resources c USING (resource_uuid) WHERE c.name = ?", name, Long.class))
                .isZero();

        arm.grant(VAULT_SUBSCRIPTION, PROTECTED_VAULT, principal, "unwrapKey");
        ClusterArm.Reply retried = arm.call("PATCH", cluster(sub, "rg1", name) + API, keyPatch(arm.host.vaultUri(PROTECTED_VAULT), keyName, ""));
        assertThat(retried.status()).as(retried.text()).isEqualTo(200);
        ClusterArm.Reply done = arm.awaitOperation(retried);
        assertThat(done.json()).as(done.text()).containsEntry("status", "Succeeded");
        ClusterArm.Reply bound = arm.call("GET", cluster(sub, "rg1", name) + API, null);
        assertThat(bound.properties()).containsEntry("provisioningState", "Succeeded");
        assertThat(bound.properties().get("keyVaultProperties")).isEqualTo(Map.of("keyVaultUri", arm.host.vaultUri(PROTECTED_VAULT).toString(),
                "keyName", keyName, "keyVersion", ""));
        // empty keyVersion: the latest version was resolved and is the one stored with the wrapped AEK
        assertThat(arm.query("SELECT a.key_version FROM cmk_aeks a JOIN cmk_resources c USING (resource_uuid) WHERE c.name = ?", name, String.class))
                .isEqualTo(version);
        byte[] wrapped = arm.query("SELECT a.wrapped_aek FROM cmk_aeks a JOIN cmk_resources c USING (resource_uuid) WHERE c.name = ?", name,
                byte[].class);
        assertThat(wrapped).hasSize(256);

        // a key rotation re-wraps the same AEK under the new version
        String newer = arm.createKey(PROTECTED_VAULT, keyName, 3072);
        ClusterArm.Reply rotated = arm.awaitOperation(arm.call("PATCH", cluster(sub, "rg1", name) + API,
                keyPatch(arm.host.vaultUri(PROTECTED_VAULT), keyName, newer)));
        assertThat(rotated.json()).as(rotated.text()).containsEntry("status", "Succeeded");
        assertThat(arm.query("SELECT a.key_version FROM cmk_aeks a JOIN cmk_resources c USING (resource_uuid) WHERE c.name = ?", name, String.class))
                .isEqualTo(newer);
        assertThat(arm.query("SELECT a.wrapped_aek FROM cmk_aeks a JOIN cmk_resources c USING (resource_uuid) WHERE c.name = ?", name,
                byte[].class)).hasSize(384);
    }

    /**
     * The vault's name resolves nowhere (it is deliberately not in src/test/resources/hosts): the key update still works,
     * because Keyward's own vaults are called in process, by name, with no DNS look-up and no network call.
     */
    @Test
    void aVaultNameWithoutDnsIsServedInProcess() throws Exception {
        arm.putVault(VAULT_SUBSCRIPTION, NO_DNS_VAULT, "westeurope", true);
        String keyName = name("k");
        String version = arm.createKeyWithoutDns(NO_DNS_VAULT, keyName);
        String sub = sub();
        String name = name("cl");
        ClusterArm.Reply created = arm.call("PUT", cluster(sub, "rg1", name) + API, body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        arm.grant(VAULT_SUBSCRIPTION, NO_DNS_VAULT, (String) created.map("identity").get("principalId"), "get", "wrapKey", "unwrapKey");

        ClusterArm.Reply done = arm.awaitOperation(arm.call("PATCH", cluster(sub, "rg1", name) + API,
                keyPatch(arm.host.vaultUri(NO_DNS_VAULT), keyName, "")));
        assertThat(done.json()).as(done.text()).containsEntry("status", "Succeeded");
        assertThat(arm.query("SELECT a.key_version FROM cmk_aeks a JOIN cmk_resources c USING (resource_uuid) WHERE c.name = ?", name, String.class))
                .isEqualTo(version);
    }

    @Test
    void aVaultWithoutPurgeProtectionIsRefused() throws Exception {
        String keyName = name("k");
        arm.createKey(PLAIN_VAULT, keyName, 2048);
        String sub = sub();
        String name = name("cl");
        ClusterArm.Reply created = arm.call("PUT", cluster(sub, "rg1", name) + API, body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        arm.grant(VAULT_SUBSCRIPTION, PLAIN_VAULT, (String) created.map("identity").get("principalId"), "get", "wrapKey", "unwrapKey");

        ClusterArm.Reply failed = arm.awaitOperation(arm.call("PATCH", cluster(sub, "rg1", name) + API,
                keyPatch(arm.host.vaultUri(PLAIN_VAULT), keyName, "")));
        assertThat(failed.json()).as(failed.text()).containsEntry("status", "Failed");
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) failed.json().get("error");
        assertThat((String) error.get("message")).startsWith(
                "Key is not recoverable. Key Vault must be set to Soft-delete and Purge-protection.");
    }

    @Test
    void aMissingKeyAndAVaultInAnotherRegionAreRefused() throws Exception {
        String sub = sub();
        String name = name("cl");
        ClusterArm.Reply created = arm.call("PUT", cluster(sub, "rg1", name) + API, body("northeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String keyName = name("k");
        arm.createKey(PROTECTED_VAULT, keyName, 2048);
        arm.grant(VAULT_SUBSCRIPTION, PROTECTED_VAULT, (String) created.map("identity").get("principalId"), "get", "wrapKey", "unwrapKey");

        ClusterArm.Reply started = arm.call("PATCH", cluster(sub, "rg1", name) + API, keyPatch(arm.host.vaultUri(PROTECTED_VAULT), keyName, ""));
        ClusterArm.Reply region = arm.awaitOperation(started);
        assertThat(region.json()).as(region.text()).containsEntry("status", "Failed");
        assertThat(region.text()).contains("Failed to validate key in Key Vault").contains("same region");

        String sub2 = sub();
        String name2 = name("cl");
        ClusterArm.Reply second = arm.call("PUT", cluster(sub2, "rg1", name2) + API, body("westeurope", 1000, ""));
        arm.grant(VAULT_SUBSCRIPTION, PROTECTED_VAULT, (String) second.map("identity").get("principalId"), "get", "wrapKey", "unwrapKey");
        ClusterArm.Reply missing = arm.awaitOperation(arm.call("PATCH", cluster(sub2, "rg1", name2) + API,
                keyPatch(arm.host.vaultUri(PROTECTED_VAULT), "nosuchkey", "")));
        assertThat(missing.json()).as(missing.text()).containsEntry("status", "Failed");
        assertThat(missing.text()).contains("Failed to validate key in Key Vault").contains("not found");
    }
}
