package io.keyward.app.arm;

import io.keyward.app.base.ErrorEnvelope;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** The one place an {@link ArmException} becomes ARM's error envelope with the status its code owns. */
@Produces
@Singleton
@Requires(classes = {ArmException.class, ExceptionHandler.class})
class ArmErrorHandler implements ExceptionHandler<ArmException, HttpResponse<ErrorEnvelope>> {

    @Override
    public HttpResponse<ErrorEnvelope> handle(HttpRequest request, ArmException exception) {
        return HttpResponse.<ErrorEnvelope>status(exception.code().status()).body(exception.envelope());
    }
}
