package io.keyward.app.storage;

import static io.keyward.app.arm.KnownMembers.ANY;
import static io.keyward.app.arm.KnownMembers.VALUE;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.arm.SystemData;
import io.keyward.app.cmk.CustomerKey;
import io.keyward.app.engine.ManagedIdentity;
import io.keyward.app.engine.Resource;
import io.keyward.app.engine.TrackedResource;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of ARM {@code Microsoft.Storage/storageAccounts} (azure-rest-api-specs, storage resource-manager,
 * stable 2023-05-01: StorageAccountCreateParameters, StorageAccountUpdateParameters, StorageAccount, Encryption,
 * KeyVaultProperties, EncryptionIdentity, EncryptionServices), only what customer-managed keys need, with ARM's read-only
 * {@code systemData} (its writers recorded by the engine). Every member a
 * request sends is either one of these, a read-only member of the answer (ignored, as ARM ignores them), or refused with
 * 400 naming it: nothing is accepted and dropped.
 */
final class StorageWire {

    private StorageWire() {
    }

    private static final Map<String, Object> SERVICE = Map.of("enabled", VALUE, "keyType", VALUE, "lastEnabledTime", VALUE);
    /** What a PUT or PATCH may send; read-only members of the answer are listed so that a GET body sent back is accepted. */
    static final Map<String, Object> REQUEST = Map.of(
            "id", VALUE, "name", VALUE, "type", VALUE, "location", VALUE, "tags", ANY, "kind", VALUE, "systemData", ANY,
            "sku", Map.of("name", VALUE, "tier", VALUE),
            "identity", Map.of("type", VALUE, "principalId", VALUE, "tenantId", VALUE, "userAssignedIdentities", ANY),
            "properties", Map.of(
                    "encryption", Map.of(
                            "keySource", VALUE,
                            "keyvaultproperties", Map.of("keyname", VALUE, "keyversion", VALUE, "keyvaulturi", VALUE,
                                    "currentVersionedKeyIdentifier", VALUE, "lastKeyRotationTimestamp", VALUE,
                                    "currentVersionedKeyExpirationTimestamp", VALUE),
                            "identity", Map.of("userAssignedIdentity", VALUE, "federatedIdentityClientId", VALUE),
                            "services", Map.of("blob", SERVICE, "file", SERVICE, "queue", SERVICE, "table", SERVICE),
                            "requireInfrastructureEncryption", VALUE),
                    "provisioningState", VALUE, "creationTime", VALUE, "primaryLocation", VALUE, "statusOfPrimary", VALUE));

    // --- inbound: StorageAccountCreateParameters (PUT) and StorageAccountUpdateParameters (PATCH) share these members

    @Serdeable
    record AccountBody(@Nullable String location, @Nullable Map<String, String> tags, @Nullable String kind, @Nullable Sku sku,
                       @Nullable ManagedIdentity identity, @Nullable PropertiesIn properties) {
    }

    @Serdeable
    record PropertiesIn(@Nullable EncryptionIn encryption) {
    }

    @Serdeable
    record EncryptionIn(@Nullable String keySource, @Nullable KeyVaultProperties keyvaultproperties, @Nullable EncryptionIdentity identity,
                        @Nullable Map<String, Service> services, @Nullable Boolean requireInfrastructureEncryption) {
    }

    // --- both ways

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Sku(@Nullable String name, @Nullable String tier) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record KeyVaultProperties(@Nullable String keyname, @Nullable String keyversion, @Nullable String keyvaulturi,
                              @Nullable String currentVersionedKeyIdentifier, @Nullable String lastKeyRotationTimestamp) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record EncryptionIdentity(@Nullable String userAssignedIdentity, @Nullable String federatedIdentityClientId) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Service(@Nullable Boolean enabled, @Nullable String keyType) {
    }

    // --- outbound

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AccountOut(String id, String name, String type, String location, Map<String, String> tags, ManagedIdentity identity, Sku sku,
                      String kind, PropertiesOut properties, SystemData systemData) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PropertiesOut(String provisioningState, String creationTime, String primaryLocation, String statusOfPrimary,
                         EncryptionOut encryption) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record EncryptionOut(String keySource, @Nullable KeyVaultProperties keyvaultproperties, Map<String, Service> services,
                         boolean requireInfrastructureEncryption) {
    }

    /** Every service is encrypted, under the account's key (keyType Account): the one configuration Keyward has. */
    static final Map<String, Service> SERVICES = Map.of("blob", new Service(true, "Account"), "file", new Service(true, "Account"),
            "queue", new Service(true, "Account"), "table", new Service(true, "Account"));

    static final List<String> SKUS = List.of("Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Premium_LRS", "Premium_ZRS",
            "Standard_GZRS", "Standard_RAGZRS");
    static final List<String> KINDS = List.of("Storage", "StorageV2", "BlobStorage", "FileStorage", "BlockBlobStorage");

    static String tierOf(String sku) {
        return sku.startsWith("Premium") ? "Premium" : "Standard";
    }

    static AccountOut out(Resource<StorageAccount> a) {
        CustomerKey k = a.key();
        // a key that follows its newest version is shown without one: which version wraps the AEK is the engine's to know
        String boundVersion = k == null || k.followsLatest() ? null : k.keyVersion();
        KeyVaultProperties key = null;
        if (k != null) {
            String uri = k.vaultUri().endsWith("/") ? k.vaultUri().substring(0, k.vaultUri().length() - 1) : k.vaultUri();
            key = new KeyVaultProperties(k.keyName(), k.keyVersion(), uri,
                    boundVersion == null ? null : k.vaultUri() + "keys/" + k.keyName() + "/" + boundVersion,
                    a.properties().keyBoundAt() == null ? null : a.properties().keyBoundAt().toString());
        }
        StorageAccount p = a.properties();
        return new AccountOut(a.id().toString(), a.name(), StorageAccount.TYPE, a.location(), a.tags(), ManagedIdentity.of(a),
                new Sku(p.skuName(), tierOf(p.skuName())), p.kind(), new PropertiesOut(StorageAccount.provisioningState(a),
                a.createdAt().toString(), a.location(), "available", new EncryptionOut(StorageAccount.keySource(a), key, SERVICES, false)),
                TrackedResource.systemData(a));
    }
}
