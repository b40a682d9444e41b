package io.keyward.app.cmk;

import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import java.util.UUID;

/**
 * A resource that has a customer-managed key, as the core sees it, whatever its surface.
 *
 * @param uuid        the resource's own id (a Log Analytics clusterId, a Kusto cluster's or a cache's uuid)
 * @param kind        its ARM resource type, e.g. {@code Microsoft.Kusto/clusters}
 * @param name        its name (messages and logs)
 * @param tenantId    its tenant
 * @param principalId its system-assigned identity (a MANAGED_IDENTITY principal in {@code tenantId})
 * @param location    its region
 */
public record CmkResource(UUID uuid, String kind, String name, String tenantId, UUID principalId, String location) {

    /** The identity the vault sees when the core calls it for this resource. */
    public Principal identity() {
        return new Principal(tenantId, principalId.toString(), PrincipalType.MANAGED_IDENTITY, name);
    }
}
