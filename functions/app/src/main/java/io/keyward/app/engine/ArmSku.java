package io.keyward.app.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** A resource's {@code sku}, both ways, with the members the surfaces use (Data Explorer's tier; capacities). */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ArmSku(@Nullable String name, @Nullable String tier, @Nullable Integer capacity) {
}
