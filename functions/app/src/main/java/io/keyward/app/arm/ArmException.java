package io.keyward.app.arm;

import io.keyward.app.base.ErrorEnvelope;
import io.micronaut.core.annotation.Nullable;

/**
 * A caller-visible ARM failure. Thrown by services for expected outcomes (bad input, conflicts, not found) and
 * turned into {@link ErrorEnvelope} by {@link ArmErrorHandler} alone. The message goes to the caller verbatim, so it
 * must name the offending value and never wrap another exception's text.
 */
public final class ArmException extends RuntimeException {

    private final ArmErrorCode code;
    private final String target;

    public ArmException(ArmErrorCode code, String message) {
        this(code, message, null);
    }

    public ArmException(ArmErrorCode code, String message, @Nullable String target) {
        // No stack trace: these are expected results, thrown often by callers' mistakes.
        super(message, null, false, false);
        this.code = code;
        this.target = target;
    }

    public ArmErrorCode code() {
        return code;
    }

    @Nullable
    public String target() {
        return target;
    }

    public ErrorEnvelope envelope() {
        return ErrorEnvelope.of(code.name(), getMessage(), target);
    }
}
