package io.keyward.app.arm;

import io.micronaut.core.annotation.Nullable;

/**
 * What a caller starts: the operation runs on {@code resourceId} under {@code provider} (e.g.
 * {@code Microsoft.OperationalInsights}) in {@code location}, and reports {@code runningStatus} (InProgress,
 * Updating or Deleting) until it ends. {@code payloadJson} is handed to the handler's first step.
 */
public record NewOperation(String provider, String location, String subscriptionId, String tenantId, String resourceId,
                           String kind, OperationStatus runningStatus, @Nullable String payloadJson) {

    public NewOperation {
        if (runningStatus == null || runningStatus.terminal()) {
            throw new IllegalArgumentException("runningStatus must be InProgress, Updating or Deleting, not " + runningStatus);
        }
    }
}
