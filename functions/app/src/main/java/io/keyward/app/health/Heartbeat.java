package io.keyward.app.health;

import io.micronaut.core.annotation.Nullable;
import java.time.Instant;

/** One row of {@code host_heartbeat}. */
public record Heartbeat(String instanceId, Instant lastBeat, @Nullable String hsmToken, boolean hsmOk, @Nullable String detail) {
}
