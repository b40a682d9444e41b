package io.keyward.app.authorization;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.PathVariable;

/**
 * The scope part of a {@code Microsoft.Authorization} path, bound from whichever of the controller's scope templates
 * matched: the subscription always, then a resource group, then a resource (with or without a parent). Path variables
 * a template does not have arrive as null.
 */
@Introspected
record ScopePath(@PathVariable String subscriptionId,
                 @Nullable @PathVariable String resourceGroupName,
                 @Nullable @PathVariable String resourceProviderNamespace,
                 @Nullable @PathVariable String parentResourceType,
                 @Nullable @PathVariable String parentResourceName,
                 @Nullable @PathVariable String resourceType,
                 @Nullable @PathVariable String resourceName) {

    Scope scope() {
        SubscriptionId sub = SubscriptionId.parse(subscriptionId);
        if (resourceGroupName == null) {
            return Scope.subscription(sub);
        }
        ResourceGroupName group = ResourceGroupName.parse(resourceGroupName);
        if (resourceProviderNamespace == null) {
            return Scope.group(sub, group);
        }
        String parent = parentResourceType == null ? "" : "/" + parentResourceType + "/" + parentResourceName;
        String path = Scope.group(sub, group) + "/providers/" + resourceProviderNamespace + parent + "/" + resourceType + "/"
                + resourceName;
        return Scope.parse(path).orElseThrow(() -> new ArmException(ArmErrorCode.BadRequest, "The scope '" + path + "' is not valid."));
    }
}
