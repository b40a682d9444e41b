package io.keyward.app.workspaces;

import io.micronaut.serde.annotation.Serdeable;
import java.util.UUID;

/** The state a link or unlink operation carries from its start to its step: which workspace, which cluster. */
@Serdeable
record LinkPayload(UUID customerId, String workspaceId, String clusterResourceId) {
}
