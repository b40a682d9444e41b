package io.keyward.app.arm;

import io.keyward.app.base.ErrorEnvelope;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;

/**
 * The body of every error the framework itself answers (no route, a wrong method or media type, a body too large, a value
 * it could not convert): Azure's envelope {@code {"error":{"code","message"}}} (Key Vault's has the same members) instead
 * of Micronaut's, whose messages quote input and name types. The message is chosen by status, never taken from the error.
 */
@Singleton
@Replaces(ErrorResponseProcessor.class)
class ErrorBodies implements ErrorResponseProcessor<ErrorEnvelope> {

    @Override
    public MutableHttpResponse<ErrorEnvelope> processResponse(ErrorContext context, MutableHttpResponse<?> response) {
        HttpStatus status = response.getStatus();
        ErrorEnvelope body = switch (status) {
            case BAD_REQUEST -> ErrorEnvelope.of("BadRequest", "The request is not valid: a parameter, a header or the body could not be read.");
            case UNAUTHORIZED -> ErrorEnvelope.of("AuthenticationFailed", "Authentication failed.");
            case FORBIDDEN -> ErrorEnvelope.of("AuthorizationFailed", "The client may not perform this action.");
            case NOT_FOUND -> ErrorEnvelope.of("NotFound", "No operation answers " + context.getRequest().getMethodName() + " "
                    + context.getRequest().getPath() + ".");
            case METHOD_NOT_ALLOWED -> ErrorEnvelope.of("MethodNotAllowed", "The method " + context.getRequest().getMethodName()
                    + " is not allowed on this resource.");
            case NOT_ACCEPTABLE -> ErrorEnvelope.of("NotAcceptable", "The response can only be application/json.");
            case REQUEST_ENTITY_TOO_LARGE -> ErrorEnvelope.of("RequestEntityTooLarge", "The request body is too large.");
            case UNSUPPORTED_MEDIA_TYPE -> ErrorEnvelope.of("UnsupportedMediaType", "The request body must be application/json.");
            case SERVICE_UNAVAILABLE -> ErrorEnvelope.of("ServiceUnavailable", "The service cannot answer now; retry in a few seconds.");
            default -> status.getCode() >= 500 ? UnexpectedErrors.internal(RequestIds.of(context.getRequest()))
                    : ErrorEnvelope.of(status.name(), "The request failed with status " + status.getCode() + ".");
        };
        return response.contentType(MediaType.APPLICATION_JSON_TYPE).body(body);
    }
}
