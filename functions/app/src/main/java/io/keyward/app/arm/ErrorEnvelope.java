package io.keyward.app.arm;

import io.micronaut.serde.annotation.Serdeable;

/**
 * Azure's error envelope {@code {"error":{"code":..,"message":..}}}. Codes are Azure's (KeyNotFound, BadParameter,
 * ...), messages are for people; neither ever carries an exception's class name, a stack trace or a secret.
 */
@Serdeable
public record ErrorEnvelope(Body error) {

    public static ErrorEnvelope of(String code, String message) {
        return new ErrorEnvelope(new Body(code, message));
    }

    @Serdeable
    public record Body(String code, String message) {
    }
}
