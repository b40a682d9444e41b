package io.keyward.app.managedidentity;

import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import java.util.Map;
import java.util.UUID;

/**
 * A user-assigned managed identity ({@code Microsoft.ManagedIdentity/userAssignedIdentities}): an ARM resource whose
 * principal ({@code principalId}, a MANAGED_IDENTITY principal of {@code tenantId}) is what vaults and role
 * assignments name when a resource it is assigned to reaches its key.
 */
public record UserAssignedIdentity(ArmResourceId id, String location, String tenantId, UUID principalId, UUID clientId,
                                   Map<String, String> tags) {

    public static final String TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities";

    public UserAssignedIdentity {
        tags = Map.copyOf(tags);
    }

    static UserAssignedIdentity of(UserIdentityRepository.Row r) {
        return new UserAssignedIdentity(ArmResourceId.of(new SubscriptionId(r.subscriptionId()), new ResourceGroupName(r.resourceGroup()),
                TYPE, r.name()), r.location(), r.tenantId(), r.principalId(), r.clientId(), r.tags() == null ? Map.of() : r.tags());
    }
}
