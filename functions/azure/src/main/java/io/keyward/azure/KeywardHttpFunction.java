package io.keyward.azure;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.HttpStatusType;
import io.micronaut.azure.function.http.AzureHttpFunction;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Optional;

/**
 * What every HTTP entry point extends: routes the request into the app as {@link AzureHttpFunction} does, its path's
 * empty segments merged first ({@code //subscriptions/x} is {@code /subscriptions/x}), as the local host does for every
 * request. The Azure CLI sends such paths when the cloud's ARM endpoint ends in a slash ({@code az cloud register
 * --endpoint-resource-manager https://host/}); the Functions host does not merge them (its routes match no empty segment,
 * so the request reaches the catch-all {@code Routes_Unmatched}, docs/deployment.md), and the app's router would answer
 * them 404. Only the path changes; the query, headers and body are the request's.
 */
public class KeywardHttpFunction extends AzureHttpFunction {

    @Override
    public HttpResponseMessage route(HttpRequestMessage<Optional<String>> request, ExecutionContext context) {
        return super.route(withMergedSlashes(request), context);
    }

    /** The request itself when its path has no empty segment; else a view of it whose URI has the segments merged. */
    static HttpRequestMessage<Optional<String>> withMergedSlashes(HttpRequestMessage<Optional<String>> request) {
        URI uri = request.getUri();
        String path = uri.getRawPath();
        if (path == null || !path.contains("//")) {
            return request;
        }
        URI merged;
        try {
            // built from the raw parts: nothing percent-encoded in the path or query is decoded on the way
            merged = new URI((uri.getScheme() == null ? "" : uri.getScheme() + ":") + (uri.getRawAuthority() == null ? ""
                    : "//" + uri.getRawAuthority()) + path.replaceAll("/{2,}", "/") + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        } catch (URISyntaxException e) {
            return request; // not a URI the app could route either: it answers with its surface's error
        }
        return new Merged(request, merged);
    }

    /** The request with another URI. */
    private record Merged(HttpRequestMessage<Optional<String>> request, URI uri) implements HttpRequestMessage<Optional<String>> {

        @Override
        public URI getUri() {
            return uri;
        }

        @Override
        public HttpMethod getHttpMethod() {
            return request.getHttpMethod();
        }

        @Override
        public Map<String, String> getHeaders() {
            return request.getHeaders();
        }

        @Override
        public Map<String, String> getQueryParameters() {
            return request.getQueryParameters();
        }

        @Override
        public Optional<String> getBody() {
            return request.getBody();
        }

        @Override
        public HttpResponseMessage.Builder createResponseBuilder(HttpStatus status) {
            return request.createResponseBuilder(status);
        }

        @Override
        public HttpResponseMessage.Builder createResponseBuilder(HttpStatusType status) {
            return request.createResponseBuilder(status);
        }
    }
}
