package io.keyward.app.health;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;
import java.time.Instant;

/** One row of {@code host_heartbeat}. */
@MappedEntity("host_heartbeat")
public record Heartbeat(@Id String instanceId, Instant lastBeat, @Nullable String hsmToken, boolean hsmOk,
                        @Nullable @MappedProperty("detail") String detail) {
}
