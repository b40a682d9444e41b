package io.keyward.app.vault;

import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A Key Vault as the management plane defines it. {@code id} is the ARM resource id with the subscription, group
 * and name as first created; {@code sku} is {@code standard} or {@code premium}.
 */
public record Vault(String id, String subscriptionId, String resourceGroup, String name, String location,
                    String tenantId, String sku, boolean softDeleteEnabled, int softDeleteRetentionDays,
                    boolean purgeProtectionEnabled, List<AccessPolicy> accessPolicies, Instant createdAt,
                    @Nullable NetworkAcls networkAcls, boolean publicNetworkAccess) {

    public static final String TYPE = "Microsoft.KeyVault/vaults";

    public Vault {
        accessPolicies = List.copyOf(accessPolicies);
    }

    /** A vault open to every network (no networkAcls, public network access enabled). */
    public Vault(String id, String subscriptionId, String resourceGroup, String name, String location, String tenantId, String sku,
                 boolean softDeleteEnabled, int softDeleteRetentionDays, boolean purgeProtectionEnabled, List<AccessPolicy> accessPolicies,
                 Instant createdAt) {
        this(id, subscriptionId, resourceGroup, name, location, tenantId, sku, softDeleteEnabled, softDeleteRetentionDays,
                purgeProtectionEnabled, accessPolicies, createdAt, null, true);
    }

    /**
     * Why a public caller at {@code address} may not reach this vault's keys: Key Vault's inner error code
     * ({@code ForbiddenByConnection} with public network access disabled, {@code ForbiddenByFirewall} for an address no IP
     * rule admits); empty when it may.
     */
    public Optional<String> refusesPublicCaller(@Nullable String address) {
        if (!publicNetworkAccess) {
            return Optional.of("ForbiddenByConnection");
        }
        return networkAcls == null || networkAcls.admits(address) ? Optional.empty() : Optional.of("ForbiddenByFirewall");
    }

    /**
     * Whether a trusted service (Keyward's own resource providers reaching their customer keys in process) may reach this
     * vault's keys: yes unless the vault restricts networks and its rules say {@code bypass: None}. Azure's default bypass
     * is AzureServices, also when no networkAcls were given.
     */
    public boolean admitsTrustedServices() {
        boolean restricted = !publicNetworkAccess || networkAcls != null && networkAcls.denyByDefault();
        return !restricted || networkAcls == null || networkAcls.bypassAzureServices();
    }

    static String idOf(String subscriptionId, String resourceGroup, String name) {
        return "/subscriptions/" + subscriptionId + "/resourceGroups/" + resourceGroup + "/providers/" + TYPE + "/" + name;
    }

    /** Whether an access policy of this vault grants {@code permission} to {@code principal} (tenant and object id). */
    public boolean allows(Principal principal, KeyPermission permission) {
        return accessPolicies.stream().anyMatch(p -> p.tenantId().equalsIgnoreCase(principal.tenantId())
                && p.objectId().equalsIgnoreCase(principal.objectId()) && p.keys().contains(permission));
    }
}
