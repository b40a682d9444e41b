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
 * CacheHealth, CacheIdentity, CacheSku, and the settings at the values every Keyward cache has); a request's members are
 * checked against {@link #CACHE_REQUEST} and refused where Keyward cannot honour them (HpcCaches).
 */
final class CacheWire {

    static final String TYPE = HpcCache.TYPE;

    private CacheWire() {
    }

    // --- inbound (read-only members are ignored)

    /** CacheUsernameDownloadSettings: every member (usernameDownloaded is read-only). */
    private static final Map<String, Object> USERNAME_DOWNLOAD = Map.ofEntries(Map.entry("extendedGroups", VALUE),
            Map.entry("usernameSource", VALUE), Map.entry("groupFileURI", VALUE), Map.entry("userFileURI", VALUE), Map.entry("ldapServer", VALUE),
            Map.entry("ldapBaseDN", VALUE), Map.entry("encryptLdapConnection", VALUE), Map.entry("requireValidCertificate", VALUE),
            Map.entry("autoDownloadCertificate", VALUE), Map.entry("caCertificateURI", VALUE), Map.entry("usernameDownloaded", VALUE),
            Map.entry("credentials", ANY));

    /**
     * Every member of Cache (2023-05-01, unchanged in 2024-03-01 and 2025-07-01) a request may carry, down to the settings'
     * own members; read-only ones are ignored, settings are applied or refused where Keyward cannot honour them (HpcCaches).
     */
    static final Map<String, Object> CACHE_REQUEST = Map.of("id", VALUE, "name", VALUE, "type", VALUE, "location", VALUE, "tags", ANY,
            "identity", ANY, "sku", ANY, "systemData", ANY, "zones", VALUE, "properties", Map.ofEntries(
                    Map.entry("cacheSizeGB", VALUE), Map.entry("subnet", VALUE), Map.entry("encryptionSettings", ANY),
                    Map.entry("securitySettings", Map.of("accessPolicies", VALUE)),
                    Map.entry("networkSettings", Map.of("mtu", VALUE, "utilityAddresses", VALUE, "dnsServers", VALUE, "dnsSearchDomain", VALUE,
                            "ntpServer", VALUE)),
                    Map.entry("directoryServicesSettings", Map.of("activeDirectory", ANY, "usernameDownload", USERNAME_DOWNLOAD)),
                    Map.entry("upgradeSettings", Map.of("upgradeScheduleEnabled", VALUE, "scheduledTime", VALUE)),
                    Map.entry("zones", VALUE),
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

    /**
     * CacheProperties as Keyward answers them: besides size, subnet, health and key, the settings every Keyward cache has,
     * which are the spec's defaults and the only values a request may give (HpcCaches refuses others): no NFS access policy,
     * MTU 1500 and NTP server time.windows.com with no DNS servers or search domain of its own, no scheduled upgrade, no
     * directory (usernameSource None, nothing downloaded), no priming jobs, no storage targets to share space, no zones.
     * A Keyward cache has no firmware either, so upgradeStatus says only that no update is available.
     */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PropertiesOut(int cacheSizeGB, String subnet, String provisioningState, Health health,
                         @Nullable EncryptionSettings encryptionSettings, List<String> mountAddresses, UpgradeStatus upgradeStatus,
                         UpgradeSettings upgradeSettings, NetworkSettings networkSettings, SecuritySettings securitySettings,
                         DirectorySettings directoryServicesSettings, List<Object> primingJobs, List<Object> spaceAllocation,
                         List<String> zones) {
    }

    /** CacheUpgradeStatus (read-only): the version and deadline members exist only for a cache with firmware and an update. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record UpgradeStatus(String firmwareUpdateStatus) {
    }

    /** CacheUpgradeSettings: scheduledTime exists only when upgradeScheduleEnabled. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record UpgradeSettings(boolean upgradeScheduleEnabled) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record NetworkSettings(int mtu, List<String> utilityAddresses, List<String> dnsServers, String dnsSearchDomain, String ntpServer) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SecuritySettings(List<Object> accessPolicies) {
    }

    /** CacheDirectorySettings: no activeDirectory (the cache joins no domain), and the username download at its defaults. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DirectorySettings(UsernameDownload usernameDownload) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record UsernameDownload(boolean extendedGroups, String usernameSource, boolean encryptLdapConnection, boolean requireValidCertificate,
                            boolean autoDownloadCertificate, String usernameDownloaded) {
    }

    /** The spec's defaults for the cache's network: what every Keyward cache has. */
    static final int MTU = 1500;
    static final String NTP_SERVER = "time.windows.com";
    private static final NetworkSettings NETWORK = new NetworkSettings(MTU, List.of(), List.of(), "", NTP_SERVER);
    private static final DirectorySettings NO_DIRECTORY = new DirectorySettings(new UsernameDownload(false, "None", false, false, false, "No"));

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
                        p.statusDescription(), conditions), encryption, List.of(), new UpgradeStatus("unavailable"),
                        new UpgradeSettings(false), NETWORK, new SecuritySettings(List.of()), NO_DIRECTORY, List.of(), List.of(), List.of()));
    }
}
