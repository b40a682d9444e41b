package io.keyward.app.base;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * Azure's error envelope {@code {"error":{"code":..,"message":..,"target":..,"details":[..]}}} (ARM's
 * ErrorResponse). Codes are Azure's (ResourceNotFound, InvalidParameter, ...), messages are for people; neither
 * ever carries an exception's class name, a stack trace or a secret. {@code target} and {@code details} are left
 * out of the JSON when absent.
 */
@Serdeable
public record ErrorEnvelope(Body error) {

    public static ErrorEnvelope of(String code, String message) {
        return new ErrorEnvelope(new Body(code, message, null, null));
    }

    public static ErrorEnvelope of(String code, String message, @Nullable String target) {
        return new ErrorEnvelope(new Body(code, message, target, null));
    }

    @Serdeable
    public record Body(String code, String message, @Nullable String target, @Nullable List<Body> details) {

        public Body(String code, String message) {
            this(code, message, null, null);
        }
    }
}
