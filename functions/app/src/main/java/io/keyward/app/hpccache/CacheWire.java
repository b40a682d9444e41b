package io.keyward.app.hpccache;

import static io.keyward.app.arm.KnownMembers.ANY;
import static io.keyward.app.arm.KnownMembers.VALUE;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.engine.ArmSku;
import io.keyward.app.engine.ManagedIdentity;
import io.keyward.app.engine.Resource;
import io.keyward.app.engine.TrackedResource;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of ARM {@code Microsoft.StorageCache/caches} (azure-rest-api-specs, storagecache resource-manager,
 * stable 2023-05-01 {@code storagecache.json}: Cache, CacheProperties, CacheEncryptionSettings, KeyVaultKeyReference,
 * CacheHealth, CacheIdentity, CacheSku), only the members Keyward acts on; a request's other members are checked against
 * {@link #CACHE_REQUEST} and refused where Keyward cannot honour them (HpcCaches).
 */
final class CacheWire {

    static final String TYPE = HpcCache.TYPE;

    private CacheWire() {
    }

    // --- inbound (read-only members are ignored)

    /** Every member of Cache (2023-05-01) a request may carry; read-only ones are ignored. */
    static final Map<String, Object> CACHE_REQUEST = Map.of("id", VALUE, "name", VALUE, "type", VALUE, "location", VALUE, "tags", ANY,
            "identity", ANY, "sku", ANY, "systemData", ANY, "zones", VALUE, "properties", Map.ofEntries(
                    Map.entry("cacheSizeGB", VALUE), Map.entry("subnet", VALUE), Map.entry("encryptionSettings", ANY),
                    Map.entry("securitySettings", ANY), Map.entry("networkSettings", ANY), Map.entry("directoryServicesSettings", ANY),
                    Map.entry("upgradeSettings", ANY),
                    // read-only
                    Map.entry("health", ANY), Map.entry("mountAddresses", VALUE), Map.entry("provisioningState", VALUE),
                    Map.entry("upgradeStatus", ANY), Map.entry("primingJobs", VALUE), Map.entry("spaceAllocation", VALUE)));

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CacheBody(@Nullable String location, @Nullable Map<String, String> tags, @Nullable ManagedIdentity identity, @Nullable ArmSku sku,
                     @Nullable PropertiesIn properties) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PropertiesIn(@Nullable Integer cacheSizeGB, @Nullable String subnet, @Nullable EncryptionSettings encryptionSettings) {
    }

    // --- both ways

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record EncryptionSettings(@Nullable KeyVaultKeyReference keyEncryptionKey, @Nullable Boolean rotationToLatestKeyVersionEnabled) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record KeyVaultKeyReference(@Nullable String keyUrl, @Nullable SourceVault sourceVault) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SourceVault(@Nullable String id) {
    }

    // --- outbound

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PropertiesOut(int cacheSizeGB, String subnet, String provisioningState, Health health,
                         @Nullable EncryptionSettings encryptionSettings, List<String> mountAddresses) {
    }

    /** CacheHealth: state, statusDescription and conditions (each a timestamp and a message). */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Health(String state, String statusDescription, List<Condition> conditions) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Condition(@Nullable String timestamp, String message) {
    }

    static TrackedResource<PropertiesOut> out(Resource<HpcCache> c, List<Condition> conditions) {
        HpcCache p = c.properties();
        EncryptionSettings encryption = p.customerKey()
                ? new EncryptionSettings(new KeyVaultKeyReference(p.keyUrl(), new SourceVault(p.sourceVaultId())), p.rotationToLatest())
                : null;
        return TrackedResource.of(c, TYPE, new ArmSku(p.skuName(), null, null),
                new PropertiesOut(p.cacheSizeGb(), p.subnet(), HpcCache.provisioningState(c), new Health(p.healthState(),
                        p.statusDescription(), conditions), encryption, List.of()));
    }
}
