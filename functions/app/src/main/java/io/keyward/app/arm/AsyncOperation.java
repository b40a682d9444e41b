package io.keyward.app.arm;

import io.keyward.app.base.ErrorEnvelope;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.UUID;

/**
 * One row of {@code async_operations}: a long-running ARM operation on {@code resourceId}, run step by step by a
 * {@link OperationHandler} of {@code kind}. {@code step} counts the steps already committed; {@code payloadJson}
 * is the handler's own state, as the last committed step left it. {@code error} is set only when Failed.
 */
public record AsyncOperation(UUID id, String provider, String location, String subscriptionId, String tenantId,
                             String resourceId, String kind, OperationStatus status, int step, @Nullable String payloadJson,
                             Instant startTime, @Nullable Instant endTime, @Nullable Integer percentComplete,
                             @Nullable ErrorEnvelope.Body error) {
}
