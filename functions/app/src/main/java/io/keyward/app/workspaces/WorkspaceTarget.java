package io.keyward.app.workspaces;

import io.micronaut.core.annotation.Nullable;
import java.util.UUID;

/**
 * An active workspace as its data plane sees it: {@code resourceId} as first created, the tenant that owns it, and
 * the cluster it is linked to (a completed link), if any.
 */
public record WorkspaceTarget(UUID customerId, String resourceId, String tenantId, @Nullable String clusterResourceId) {
}
