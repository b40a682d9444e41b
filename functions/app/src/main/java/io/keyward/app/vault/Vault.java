package io.keyward.app.vault;

import io.keyward.app.identity.Principal;
import java.time.Instant;
import java.util.List;

/**
 * A Key Vault as the management plane defines it. {@code id} is the ARM resource id with the subscription, group
 * and name as first created; {@code sku} is {@code standard} or {@code premium}. With {@code rbacAuthorization}
 * ({@code enableRbacAuthorization}) its keys are authorized by Azure RBAC data actions and its access policies are
 * kept but ignored, as Azure does.
 */
public record Vault(String id, String subscriptionId, String resourceGroup, String name, String location,
                    String tenantId, String sku, boolean softDeleteEnabled, int softDeleteRetentionDays,
                    boolean purgeProtectionEnabled, List<AccessPolicy> accessPolicies, Instant createdAt, boolean rbacAuthorization) {

    public static final String TYPE = "Microsoft.KeyVault/vaults";

    public Vault {
        accessPolicies = List.copyOf(accessPolicies);
    }

    static String idOf(String subscriptionId, String resourceGroup, String name) {
        return "/subscriptions/" + subscriptionId + "/resourceGroups/" + resourceGroup + "/providers/" + TYPE + "/" + name;
    }

    /** Whether an access policy of this vault grants (the access-policy model only: an RBAC vault asks its role assignments) {@code permission} to {@code principal} (tenant and object id). */
    public boolean allows(Principal principal, KeyPermission permission) {
        return accessPolicies.stream().anyMatch(p -> p.tenantId().equalsIgnoreCase(principal.tenantId())
                && p.objectId().equalsIgnoreCase(principal.objectId()) && p.keys().contains(permission));
    }
}
