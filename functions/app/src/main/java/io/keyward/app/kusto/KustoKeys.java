package io.keyward.app.kusto;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.StepResult;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.CustomerKey;

/**
 * Data Explorer's side of customer-managed keys: the wire format of {@code keyVaultProperties} and the error codes and
 * messages of its docs ("Common customer-managed keys errors" in customer-managed-keys-resource-manager.md), each
 * exactly as documented. Every check of the key itself is the CMK core's; this only names its refusals.
 */
final class KustoKeys {

    static final String INVALID = "The provided KeyVaultProperties are invalid.";
    static final String ON_CREATE = "Cannot provide KeyVaultProperties during cluster creation.";
    static final String SYSTEM_ASSIGNED_ONLY = "KeyVaultProperties can be provided only for resources with SystemAssigned Identity.";
    /** The CMK docs' note; Data Explorer documents no error code for it. */
    static final String LEADER_FOLLOWER = "Data encryption using customer managed keys is not supported on leader and follower clusters.";

    private KustoKeys() {
    }

    static String vaultNotFound(String vaultUri) {
        return "KeyVault '" + vaultUri + "' was not found";
    }

    static String keyNotFound(String keyName, String vaultUri) {
        return "Key '" + keyName + "' was not found in KeyVault '" + vaultUri + "'";
    }

    static String noAccess(String vaultUri) {
        return "Cluster identity does not have access to KeyVault '" + vaultUri + "'";
    }

    static String notPurgeProtected(String vaultUri) {
        return "KeyVault '" + vaultUri + "' is not Purge Protected";
    }

    static String notSoftDeleteEnabled(String vaultUri) {
        return "KeyVault '" + vaultUri + "' is not Soft-Delete enabled";
    }

    /** The wire values as a key the vault could answer for ({@link CustomerKey#parse}), or {@code InvalidKeyVaultProperties}. */
    static CustomerKey parse(KustoWire.KeyVault k) {
        return CustomerKey.parse(k.keyVaultUri(), k.keyName(), k.keyVersion()).orElseThrow(KustoKeys::invalid);
    }

    /** keyVaultProperties.userIdentity names a user-assigned identity, which Keyward's clusters do not have. */
    static boolean namesUserIdentity(KustoWire.KeyVault k) {
        return k.userIdentity() != null && !k.userIdentity().isBlank();
    }

    private static ArmException invalid() {
        return new ArmException(ArmErrorCode.InvalidKeyVaultProperties, INVALID, "properties.keyVaultProperties");
    }

    /**
     * The failed key update for a refusal of the core. Refusals Data Explorer documents get its code and message
     * exactly; the others (key type, size, disabled, region, an unusable current key) get the nearest documented code
     * with the documented message followed by the core's sentence saying what to fix.
     */
    static StepResult.Failed failure(Binding.Refused r, CustomerKey key) {
        String uri = key.vaultUri();
        return switch (r.reason()) {
            case VAULT_NOT_FOUND -> new StepResult.Failed(ArmErrorCode.KeyVaultNotFound, vaultNotFound(uri));
            case KEY_NOT_FOUND -> new StepResult.Failed(ArmErrorCode.KeyNotFound, keyNotFound(key.keyName(), uri));
            case ACCESS_DENIED, OTHER_TENANT -> new StepResult.Failed(ArmErrorCode.IdentityDoesNotHaveAccessToKeyVault, noAccess(uri));
            case NO_PURGE_PROTECTION -> new StepResult.Failed(ArmErrorCode.KeyVaultNotPurgeProtected, notPurgeProtected(uri));
            case NO_SOFT_DELETE -> new StepResult.Failed(ArmErrorCode.KeyVaultNotSoftDeleteEnabled, notSoftDeleteEnabled(uri));
            case NOT_RSA, RSA_SIZE, KEY_DISABLED, OTHER_REGION, VAULT_REFUSED ->
                    new StepResult.Failed(ArmErrorCode.InvalidKeyVaultProperties, INVALID + " " + r.detail());
            case CURRENT_KEY_UNUSABLE -> new StepResult.Failed(ArmErrorCode.CustomerManagedKeyInaccessible, r.detail());
        };
    }
}
