package io.keyward.app.arm;

import io.keyward.app.base.ErrorEnvelope;
import io.micronaut.core.annotation.Nullable;
import java.util.List;

/**
 * A caller-visible ARM failure. Thrown by services for expected outcomes (bad input, conflicts, not found) and
 * turned into {@link ErrorEnvelope} by {@link ArmErrorHandler} alone. The message goes to the caller verbatim, so it
 * must name the offending value and never wrap another exception's text.
 */
public final class ArmException extends RuntimeException {

    private final ArmErrorCode code;
    private final String target;
    private final List<ErrorEnvelope.Body> details;

    public ArmException(ArmErrorCode code, String message) {
        this(code, message, null);
    }

    public ArmException(ArmErrorCode code, String message, @Nullable String target) {
        this(code, message, target, List.of());
    }

    /** With {@code details}: one entry per problem when a request has several (ARM's ErrorResponse.details). */
    public ArmException(ArmErrorCode code, String message, @Nullable String target, List<ErrorEnvelope.Body> details) {
        // No stack trace: these are expected results, thrown often by callers' mistakes.
        super(message, null, false, false);
        this.code = code;
        this.target = target;
        this.details = List.copyOf(details);
    }

    public ArmErrorCode code() {
        return code;
    }

    @Nullable
    public String target() {
        return target;
    }

    public List<ErrorEnvelope.Body> details() {
        return details;
    }

    public ErrorEnvelope envelope() {
        return new ErrorEnvelope(new ErrorEnvelope.Body(code.name(), getMessage(), target, details.isEmpty() ? null : details));
    }
}
