package io.keyward.app.vault.keys;

import io.keyward.app.vault.keys.wire.KeyVaultError;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** The one place a {@link KeyVaultException} becomes Key Vault's error shape. */
@Singleton
@Produces
@Requires(classes = {KeyVaultException.class, ExceptionHandler.class})
class KeyVaultErrorHandler implements ExceptionHandler<KeyVaultException, HttpResponse<?>> {

    @Override
    public HttpResponse<?> handle(HttpRequest request, KeyVaultException e) {
        MutableHttpResponse<KeyVaultError> response = HttpResponse
                .<KeyVaultError>status(io.micronaut.http.HttpStatus.valueOf(e.status()))
                .body(KeyVaultError.of(e.code(), e.getMessage(), e.innerCode()));
        if (e.retryAfterSeconds() != null) {
            response.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
        }
        return response;
    }
}
