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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request gets an id of Keyward's ({@code x-ms-request-id}), returned on every response, error or not, and named
 * by any log line about the request; the caller's correlation id ({@code x-ms-correlation-request-id}) is kept
 * (else the caller's {@code x-ms-client-request-id}, else the request id), and its {@code x-ms-client-request-id} echoed, as
 * ARM and Key Vault do; one access log line per response names both. Values a caller sends are echoed only when they
 * look like ids, so that a header cannot write into a response or a log.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class RequestIds implements Ordered {

    private static final Logger ACCESS = LoggerFactory.getLogger("keyward.access");
    static final String ATTRIBUTE = "keyward.request-id";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    /** A decoded path may hold line breaks; a log line must not. */
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");

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
        String id = of(request);
        String client = idOrNull(request.getHeaders().get("x-ms-client-request-id"));
        String given = idOrNull(request.getHeaders().get("x-ms-correlation-request-id"));
        // ARM correlates by the caller's correlation id, else by its client request id, else by its own request id
        String correlation = given != null ? given : client != null ? client : id;
        response.header("x-ms-request-id", id);
        response.header("x-ms-correlation-request-id", correlation);
        if (client != null) {
            response.header("x-ms-client-request-id", client);
        }
        // the access log line: the path, never the query (a SAS or code could be in it)
        ACCESS.info("{} {} {} request={} correlation={}", request.getMethodName(), CONTROL.matcher(request.getPath()).replaceAll("?"),
                response.code(), id, correlation);
    }

    private static String idOrNull(String value) {
        return value != null && ID.matcher(value).matches() ? value : null;
    }
}
