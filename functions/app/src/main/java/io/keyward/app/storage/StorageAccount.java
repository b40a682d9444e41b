package io.keyward.app.storage;

import io.keyward.app.engine.Resource;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;

/**
 * What a storage account keeps beyond the engine's columns: its sku, kind, and when its customer-managed key was last
 * bound (the spec's {@code lastKeyRotationTimestamp}). Whether it uses a customer key is the engine's key column.
 */
@Serdeable
record StorageAccount(String skuName, String kind, @Nullable Instant keyBoundAt) {

    static final String TYPE = "Microsoft.Storage/storageAccounts";
    static final String MICROSOFT_STORAGE = "Microsoft.Storage";
    static final String MICROSOFT_KEYVAULT = "Microsoft.Keyvault";

    StorageAccount keyBound(Instant at) {
        return new StorageAccount(skuName, kind, at);
    }

    StorageAccount with(String newSku, String newKind) {
        return new StorageAccount(newSku, newKind, keyBoundAt);
    }

    static String keySource(Resource<StorageAccount> a) {
        return a.key() == null ? MICROSOFT_STORAGE : MICROSOFT_KEYVAULT;
    }

    /** ProvisioningState of the spec: Succeeded, or the engine's phase while an operation runs on the account. */
    static String provisioningState(Resource<StorageAccount> a) {
        return switch (a.phase()) {
            case Creating -> "Creating";
            case Updating -> "Updating";
            case Deleting -> "Deleting";
            case Failed -> "Failed";
            case Succeeded -> "Succeeded";
        };
    }
}
