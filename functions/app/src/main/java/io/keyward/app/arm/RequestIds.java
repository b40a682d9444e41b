package io.keyward.app.arm;

import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.server.annotation.PreMatching;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Every request gets an id of Keyward's ({@code x-ms-request-id}), returned on every response, error or not, and named
 * by any log line about the request; the caller's correlation id ({@code x-ms-correlation-request-id}) is kept or made,
 * and its {@code x-ms-client-request-id} echoed, as ARM and Key Vault do. Values a caller sends are echoed only when they
 * look like ids, so that a header cannot write into a response or a log.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class RequestIds implements Ordered {

    static final String ATTRIBUTE = "keyward.request-id";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

    /** This request's id (a new one for a request that never reached the filter). */
    public static String of(HttpRequest<?> request) {
        return request.getAttribute(ATTRIBUTE, String.class).orElseGet(() -> {
            String id = UUID.randomUUID().toString();
            request.setAttribute(ATTRIBUTE, id);
            return id;
        });
    }

    @Override
    public int getOrder() {
        return HIGHEST_PRECEDENCE;
    }

    @PreMatching
    @RequestFilter
    void assign(HttpRequest<?> request) {
        of(request);
    }

    @ResponseFilter
    void stamp(HttpRequest<?> request, MutableHttpResponse<?> response) {
        response.header("x-ms-request-id", of(request));
        String correlation = request.getHeaders().get("x-ms-correlation-request-id");
        response.header("x-ms-correlation-request-id", correlation != null && ID.matcher(correlation).matches() ? correlation : of(request));
        String client = request.getHeaders().get("x-ms-client-request-id");
        if (client != null && ID.matcher(client).matches()) {
            response.header("x-ms-client-request-id", client);
        }
    }
}
