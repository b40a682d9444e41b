package io.keyward.app.vault;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.arm.Actors;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.Refusals;
import io.keyward.app.arm.SystemData;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The JSON shapes of ARM {@code Microsoft.KeyVault/vaults} (azure-rest-api-specs, keyvault resource-manager
 * {@code keyvault.json}, 2023-07-01), kept apart from the domain: {@link #request} validates and maps inbound
 * bodies, the {@code *Out} records are built from {@link StoredVault}s. NON_NULL rather than serde's default
 * NON_EMPTY: Azure sends empty lists and maps ({@code "accessPolicies": []}, {@code "value": []}) and clients
 * expect them.
 */
final class VaultWire {

    /** Key Vault's documented limit of IP rules per vault. */
    static final int MAX_IP_RULES = 1000;

    private VaultWire() {
    }

    // --- inbound

    /** VaultCreateOrUpdateParameters and VaultPatchParameters (PATCH has no location). */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record VaultBody(@Nullable String location, @Nullable Map<String, String> tags, @Nullable PropertiesIn properties) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PropertiesIn(@Nullable String tenantId, @Nullable Sku sku, @Nullable List<Policy> accessPolicies,
                        @Nullable Boolean enabledForDeployment, @Nullable Boolean enabledForDiskEncryption,
                        @Nullable Boolean enabledForTemplateDeployment, @Nullable Boolean enableSoftDelete,
                        @Nullable Integer softDeleteRetentionInDays, @Nullable Boolean enableRbacAuthorization,
                        @Nullable String createMode, @Nullable Boolean enablePurgeProtection, @Nullable NetworkRuleSet networkAcls,
                        @Nullable String publicNetworkAccess) {
    }

    /** keyvault.json NetworkRuleSet, in and out. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record NetworkRuleSet(@Nullable String bypass, @Nullable String defaultAction, @Nullable List<IpRule> ipRules,
                          @Nullable List<VirtualNetworkRule> virtualNetworkRules) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record IpRule(@Nullable String value) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record VirtualNetworkRule(@Nullable String id, @Nullable Boolean ignoreMissingVnetServiceEndpoint) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Sku(@Nullable String family, @Nullable String name) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Policy(@Nullable String tenantId, @Nullable String objectId, @Nullable String applicationId,
                  @Nullable Permissions permissions) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Permissions(@Nullable List<String> keys, @Nullable List<String> secrets, @Nullable List<String> certificates,
                       @Nullable List<String> storage) {
    }

    /** VaultAccessPolicyParameters, in and out. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AccessPolicyBody(@Nullable String id, @Nullable String name, @Nullable String type, @Nullable String location,
                            @Nullable AccessPolicyProperties properties) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AccessPolicyProperties(@Nullable List<Policy> accessPolicies) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record NameCheck(@Nullable String name, @Nullable String type) {
    }

    // --- outbound

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record VaultOut(String id, String name, String type, String location, Map<String, String> tags, PropertiesOut properties,
                    SystemData systemData) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PropertiesOut(String tenantId, Sku sku, List<Policy> accessPolicies, boolean enabledForDeployment,
                         boolean enabledForDiskEncryption, boolean enabledForTemplateDeployment, boolean enableSoftDelete,
                         int softDeleteRetentionInDays, boolean enableRbacAuthorization,
                         // Azure leaves enablePurgeProtection out (null) until it is turned on
                         @Nullable Boolean enablePurgeProtection, String vaultUri, String provisioningState,
                         String publicNetworkAccess, @Nullable NetworkRuleSet networkAcls) {
    }

    /** Vaults_List's ResourceListResult: ARM's generic Resource (id, name, type, location, tags) per vault. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ResourceOut(String id, String name, String type, String location, Map<String, String> tags) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ResourceList(List<ResourceOut> value, @Nullable String nextLink) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record VaultList(List<VaultOut> value, @Nullable String nextLink) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DeletedVaultOut(String id, String name, String type, DeletedProperties properties) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DeletedProperties(String vaultId, String location, String deletionDate, String scheduledPurgeDate,
                             Map<String, String> tags, boolean purgeProtectionEnabled) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DeletedVaultList(List<DeletedVaultOut> value, @Nullable String nextLink) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record NameCheckResult(boolean nameAvailable, @Nullable String reason, @Nullable String message) {
    }

    // --- mapping

    static VaultRequest request(VaultBody body, boolean patch) {
        PropertiesIn p = body.properties();
        if (p == null) {
            if (!patch) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "The 'properties' property is required.", "properties");
            }
            return new VaultRequest(null, body.tags(), null, null, null, null, null, null, false, null, null, null);
        }
        // every one of them named in the one answer
        new Refusals().check(() -> refuseTrue(p.enabledForDeployment(), "enabledForDeployment"))
                .check(() -> refuseTrue(p.enabledForDiskEncryption(), "enabledForDiskEncryption"))
                .check(() -> refuseTrue(p.enabledForTemplateDeployment(), "enabledForTemplateDeployment")).throwIfAny();
        boolean recover = false;
        if (p.createMode() != null) {
            if (patch) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "'properties.createMode' is not allowed in a PATCH.",
                        "properties.createMode");
            }
            recover = switch (p.createMode().toLowerCase(Locale.ROOT)) {
                case "recover" -> true;
                case "default" -> false;
                default -> throw new ArmException(ArmErrorCode.InvalidParameter, "The value '" + p.createMode()
                        + "' of 'properties.createMode' is invalid. It must be 'default' or 'recover'.", "properties.createMode");
            };
        }
        return new VaultRequest(patch ? null : body.location(), body.tags(), p.tenantId(), sku(p.sku()), p.enableSoftDelete(),
                p.softDeleteRetentionInDays(), p.enablePurgeProtection(),
                p.accessPolicies() == null ? null : policies(p.accessPolicies(), "properties.accessPolicies"), recover,
                networkAcls(p.networkAcls()), publicNetworkAccess(p.publicNetworkAccess()), p.enableRbacAuthorization());
    }

    static List<AccessPolicy> policies(List<Policy> given, String target) {
        List<AccessPolicy> out = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            Policy p = given.get(i);
            String at = target + "[" + i + "]";
            if (p == null) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "Access policy " + at + " is null.", at);
            }
            if (p.tenantId() == null || p.tenantId().isBlank()) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "The 'tenantId' of access policy " + at + " is required.", at + ".tenantId");
            }
            if (p.objectId() == null || p.objectId().isBlank()) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "The 'objectId' of access policy " + at + " is required.", at + ".objectId");
            }
            if (p.applicationId() != null && !p.applicationId().isBlank()) {
                throw new ArmException(ArmErrorCode.BadRequest, "Access policy " + at + " names an applicationId (a compound"
                        + " identity); Keyward supports only policies for a principal (tenantId, objectId).", at + ".applicationId");
            }
            Permissions perms = p.permissions();
            Set<KeyPermission> keys = EnumSet.noneOf(KeyPermission.class);
            List<String> names = perms == null || perms.keys() == null ? List.of() : perms.keys();
            for (String name : names) {
                keys.addAll(KeyPermission.parse(name).orElseThrow(() -> new ArmException(ArmErrorCode.InvalidParameter,
                        "The key permission '" + name + "' in access policy " + at + " is invalid. Valid key permissions are 'all', "
                                + String.join(", ", EnumSet.allOf(KeyPermission.class).stream().map(k -> "'" + k.wireName() + "'").toList())
                                + ".", at + ".permissions.keys")));
            }
            Set<String> secrets = others(OtherPermission.SECRETS, perms == null ? null : perms.secrets(), at);
            Set<String> certificates = others(OtherPermission.CERTIFICATES, perms == null ? null : perms.certificates(), at);
            Set<String> storage = others(OtherPermission.STORAGE, perms == null ? null : perms.storage(), at);
            out.add(new AccessPolicy(p.tenantId(), p.objectId(), keys, secrets, certificates, storage));
        }
        return out;
    }

    /** The secret, certificate or storage permissions named (null or absent: none), each one valid or a 400 naming it. */
    private static Set<String> others(OtherPermission kind, @Nullable List<String> names, String at) {
        Set<String> out = new TreeSet<>();
        if (names == null) {
            return out;
        }
        for (String name : names) {
            out.addAll(kind.parse(name).orElseThrow(() -> new ArmException(ArmErrorCode.InvalidParameter, "The " + kind.member()
                    + " permission '" + name + "' in access policy " + at + " is invalid. Valid " + kind.member() + " permissions are 'all', "
                    + String.join(", ", kind.names().stream().map(n -> "'" + n + "'").toList()) + ".", at + ".permissions." + kind.member())));
        }
        return out;
    }

    /**
     * The firewall asked for, each member valid or a 400 naming it: defaultAction Allow or Deny (Allow when absent), bypass
     * AzureServices or None (AzureServices when absent, as Azure's default), IPv4 addresses or CIDR ranges; virtual
     * network rules cannot be enforced here (no VNets), so any is refused rather than stored and ignored.
     */
    @Nullable
    static NetworkAcls networkAcls(@Nullable NetworkRuleSet n) {
        if (n == null) {
            return null;
        }
        String at = "properties.networkAcls";
        if (n.virtualNetworkRules() != null && !n.virtualNetworkRules().isEmpty()) {
            throw new ArmException(ArmErrorCode.BadRequest, "Keyward has no virtual networks, so the property \"virtualNetworkRules\""
                    + " cannot be enforced; leave it out or empty and use ipRules.", at + ".virtualNetworkRules");
        }
        boolean deny = switch (n.defaultAction() == null ? "allow" : n.defaultAction().toLowerCase(Locale.ROOT)) {
            case "allow" -> false;
            case "deny" -> true;
            default -> throw new ArmException(ArmErrorCode.InvalidParameter, "The value '" + n.defaultAction() + "' of '" + at
                    + ".defaultAction' is invalid. It must be 'Allow' or 'Deny'.", at + ".defaultAction");
        };
        boolean bypass = switch (n.bypass() == null ? "azureservices" : n.bypass().toLowerCase(Locale.ROOT)) {
            case "azureservices" -> true;
            case "none" -> false;
            default -> throw new ArmException(ArmErrorCode.InvalidParameter, "The value '" + n.bypass() + "' of '" + at
                    + ".bypass' is invalid. It must be 'AzureServices' or 'None'.", at + ".bypass");
        };
        List<String> rules = new ArrayList<>();
        List<IpRule> given = n.ipRules() == null ? List.of() : n.ipRules();
        for (int i = 0; i < given.size(); i++) {
            IpRule rule = given.get(i);
            String target = at + ".ipRules[" + i + "].value";
            String value = rule == null ? null : rule.value();
            rules.add(NetworkAcls.normalRule(value).orElseThrow(() -> new ArmException(ArmErrorCode.InvalidParameter, "The IP rule '"
                    + value + "' is invalid: it must be an IPv4 address or an IPv4 range in CIDR notation (203.0.113.0/24).", target)));
        }
        if (rules.size() > MAX_IP_RULES) {
            throw new ArmException(ArmErrorCode.BadRequest, "A vault can have at most " + MAX_IP_RULES + " IP rules.", at + ".ipRules");
        }
        return new NetworkAcls(deny, bypass, rules.stream().distinct().toList());
    }

    @Nullable
    private static Boolean publicNetworkAccess(@Nullable String value) {
        if (value == null) {
            return null;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "enabled" -> true;
            case "disabled" -> false;
            default -> throw new ArmException(ArmErrorCode.InvalidParameter, "The value '" + value + "' of 'properties.publicNetworkAccess'"
                    + " is invalid. It must be 'Enabled' or 'Disabled'.", "properties.publicNetworkAccess");
        };
    }

    private static String sku(@Nullable Sku sku) {
        if (sku == null) {
            return null;
        }
        if (sku.family() != null && !sku.family().equalsIgnoreCase("A")) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The sku family '" + sku.family() + "' is invalid. It must be 'A'.",
                    "properties.sku.family");
        }
        String name = sku.name() == null ? "" : sku.name().toLowerCase(Locale.ROOT);
        if (!name.equals("standard") && !name.equals("premium")) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The sku name '" + sku.name()
                    + "' is invalid. It must be 'standard' or 'premium'.", "properties.sku.name");
        }
        return name;
    }

    private static void refuseTrue(@Nullable Boolean value, String property) {
        if (Boolean.TRUE.equals(value)) {
            throw new ArmException(ArmErrorCode.BadRequest, "The property \"" + property + "\" is not supported by Keyward and must"
                    + " be false or absent.", "properties." + property);
        }
    }

    static ResourceOut resource(StoredVault s) {
        Vault v = s.vault();
        return new ResourceOut(v.id(), v.name(), Vault.TYPE, v.location(), s.tags());
    }

    static VaultOut out(StoredVault s, String vaultUri) {
        Vault v = s.vault();
        return new VaultOut(v.id(), v.name(), Vault.TYPE, v.location(), s.tags(), new PropertiesOut(v.tenantId(),
                new Sku("A", v.sku()), policies(v.accessPolicies()), false, false, false, v.softDeleteEnabled(),
                v.softDeleteRetentionDays(), v.rbacAuthorization(), v.purgeProtectionEnabled() ? Boolean.TRUE : null, vaultUri, "Succeeded",
                v.publicNetworkAccess() ? "Enabled" : "Disabled", networkRuleSet(v.networkAcls())), Actors.systemData(s.actors(), v.createdAt(), s.updatedAt()));
    }

    @Nullable
    private static NetworkRuleSet networkRuleSet(@Nullable NetworkAcls a) {
        return a == null ? null : new NetworkRuleSet(a.bypassAzureServices() ? "AzureServices" : "None", a.denyByDefault() ? "Deny" : "Allow",
                a.ipRules().stream().map(IpRule::new).toList(), List.of());
    }

    static List<Policy> policies(List<AccessPolicy> policies) {
        return policies.stream().map(p -> new Policy(p.tenantId(), p.objectId(), null, new Permissions(
                p.keys().stream().sorted().map(KeyPermission::wireName).toList(), List.copyOf(p.secrets()), List.copyOf(p.certificates()),
                List.copyOf(p.storage())))).toList();
    }

    static DeletedVaultOut deletedOut(StoredVault s) {
        Vault v = s.vault();
        String location = VaultCatalog.normalLocation(v.location());
        return new DeletedVaultOut("/subscriptions/" + v.subscriptionId() + "/providers/Microsoft.KeyVault/locations/" + location
                + "/deletedVaults/" + v.name(), v.name(), "Microsoft.KeyVault/deletedVaults",
                new DeletedProperties(v.id(), location, String.valueOf(s.deletedAt()), String.valueOf(s.scheduledPurgeAt()),
                        s.tags(), v.purgeProtectionEnabled()));
    }
}
