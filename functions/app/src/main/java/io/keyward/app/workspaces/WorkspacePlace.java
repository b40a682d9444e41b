package io.keyward.app.workspaces;

import java.util.UUID;

/** An active workspace as its sub-resources (linked storage, saved searches) need it: ids, tenant and region. */
public record WorkspacePlace(UUID customerId, String resourceId, String tenantId, String location) {
}
