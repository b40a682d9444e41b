package io.keyward.app.storage;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.CustomerKey;

/**
 * The storage account's words for the CMK core's refusals. Azure Storage documents no error code per refusal, so the
 * codes are those the other keyed resources answer with (all 400), each message saying what to fix.
 */
final class StorageKeys {

    private StorageKeys() {
    }

    static ArmException refusal(Binding.Refused r, CustomerKey key) {
        String uri = key.vaultUri();
        String target = "properties.encryption.keyvaultproperties";
        return switch (r.reason()) {
            case VAULT_NOT_FOUND -> new ArmException(ArmErrorCode.KeyVaultNotFound, "The key vault '" + uri + "' was not found.", target);
            case KEY_NOT_FOUND -> new ArmException(ArmErrorCode.KeyNotFound, "The key '" + key.keyName() + "' was not found in key vault '"
                    + uri + "'.", target);
            case ACCESS_DENIED, OTHER_TENANT -> new ArmException(ArmErrorCode.IdentityDoesNotHaveAccessToKeyVault, "The storage account's"
                    + " identity does not have get, wrapKey and unwrapKey on the key in key vault '" + uri + "'. " + r.detail(), target);
            case NO_PURGE_PROTECTION -> new ArmException(ArmErrorCode.KeyVaultNotPurgeProtected, "The key vault '" + uri + "' must have"
                    + " purge protection enabled.", target);
            case NO_SOFT_DELETE -> new ArmException(ArmErrorCode.KeyVaultNotSoftDeleteEnabled, "The key vault '" + uri + "' must have soft"
                    + " delete enabled.", target);
            case CURRENT_KEY_UNUSABLE -> new ArmException(ArmErrorCode.CustomerManagedKeyInaccessible, r.detail(), target);
            case NOT_RSA, RSA_SIZE, KEY_DISABLED, OTHER_REGION, VAULT_REFUSED -> new ArmException(ArmErrorCode.InvalidKeyVaultProperties,
                    "The key cannot be used for the storage account's encryption: " + r.detail(), target);
        };
    }
}
