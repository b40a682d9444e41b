package io.keyward.app.identity;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The authentication decision of {@link AuthenticationFilter} taken from a request's line and headers alone, for an
 * HTTP front end that must refuse a caller before it reads the body (the local function host). It never accepts what
 * the filter would refuse: a refusal is the filter's own answer (challenge, envelope), and a pass is either a token
 * that {@link AccessTokenValidator} accepts for the audience the filter asks of this host, or the filter's own pass.
 * The filter still runs on every request that gets through.
 */
@Singleton
public final class HeaderAuthentication {

    /** What the filter answers instead of the function: status, headers and a JSON body. */
    public record Refusal(int status, Map<String, String> headers, byte[] body) {
    }

    private final AuthenticationFilter filter;
    private final Surfaces surfaces;
    private final AccessTokenValidator validator;
    private final JsonMapper json;

    HeaderAuthentication(AuthenticationFilter filter, Surfaces surfaces, AccessTokenValidator validator, JsonMapper json) {
        this.filter = filter;
        this.surfaces = surfaces;
        this.validator = validator;
        this.json = json;
    }

    /** True when {@code host} (a Host header) names a vault, whose callers get Key Vault's answers. */
    public boolean vaultHost(String host) {
        return surfaces.ofHost(host == null ? "" : host).filter(s -> s == Surfaces.Surface.KEY_VAULT).isPresent();
    }

    /**
     * @param method  the request method
     * @param uri     the absolute URI the function will see ({@code https://host/path?query})
     * @param host    the Host header, or null
     * @param authorization the Authorization header, or null
     * @param routeTemplate the route template the request matched ({@code subscriptions/{subscriptionId}/...}), or null
     * @return the refusal to send, or empty when the request may go on to its body and function
     */
    public Optional<Refusal> check(String method, String uri, String host, String authorization, String routeTemplate) {
        String token = bearer(authorization);
        if (token != null) {
            String audience = vaultHost(host) ? Audiences.KEY_VAULT : Audiences.ARM;
            if (validator.validate(token, audience) instanceof AccessTokenValidator.Result.Valid) {
                return Optional.empty();
            }
        }
        MutableHttpRequest<Object> request = HttpRequest.create(HttpMethod.parse(method), uri);
        if (host != null) {
            request.header(HttpHeaders.HOST, host);
        }
        if (authorization != null) {
            request.header(HttpHeaders.AUTHORIZATION, authorization);
        }
        HttpResponse<?> refused = filter.authenticate(request, routeTemplate == null ? Optional.empty()
                : Optional.of(Surfaces.of(routeTemplate.startsWith("/") ? routeTemplate : "/" + routeTemplate)));
        if (refused == null || refused.getStatus().getCode() != 401) {
            return Optional.empty(); // only authentication is decided here; the filter answers everything else itself
        }
        Map<String, String> headers = new LinkedHashMap<>();
        refused.getHeaders().forEachValue(headers::put);
        headers.put(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8");
        try {
            byte[] body = refused.getBody().isPresent() ? json.writeValueAsBytes(refused.getBody().get()) : new byte[0];
            return Optional.of(new Refusal(refused.getStatus().getCode(), Map.copyOf(headers), body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String bearer(String header) {
        if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }
}
