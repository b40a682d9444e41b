package io.keyward.app.identity;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;

/**
 * The caller's network address, as Azure's front end reports it: the last {@code X-Forwarded-For} entry (the local host
 * sets it to the TCP peer and drops what the client sent), without its port. Used by the token endpoint's per-address
 * limit and by vault firewalls.
 */
public final class ClientAddress {

    private ClientAddress() {
    }

    /** The address, printable and at most 64 characters; null when the request carries none. */
    @Nullable
    public static String of(HttpRequest<?> request) {
        return TokenController.clientAddress(request);
    }
}
