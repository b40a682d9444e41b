package io.keyward.azure;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.HttpStatusType;
import io.micronaut.azure.function.http.AzureFunctionHttpRequest;
import io.micronaut.azure.function.http.AzureFunctionHttpResponse;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.convert.ConversionService;
import io.micronaut.function.BinaryTypeConfiguration;
import io.micronaut.http.HttpHeaders;
import io.micronaut.servlet.http.BodyBuilder;
import io.micronaut.servlet.http.ServletExchange;
import io.micronaut.core.convert.value.MutableConvertibleValues;
import io.micronaut.core.execution.ExecutionFlow;
import io.micronaut.core.io.buffer.ByteBuffer;
import io.micronaut.core.type.Argument;
import io.micronaut.http.FullHttpRequest;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.MutableHttpHeaders;
import io.micronaut.http.MutableHttpParameters;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.ServerHttpRequest;
import io.micronaut.http.body.ByteBody;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.http.cookie.Cookies;
import io.micronaut.servlet.http.MutableServletHttpRequest;
import io.micronaut.servlet.http.ParsedBodyHolder;
import io.micronaut.servlet.http.ServletHttpRequest;
import io.micronaut.servlet.http.ServletHttpResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Optional;

/**
 * The base of Keyward's HTTP functions: {@link io.micronaut.azure.function.http.AzureHttpFunction}'s routing into the
 * Micronaut application, the same request and response adapters and the same handler, without its per-invocation
 * costs that do nothing here. Micronaut's {@code route} looks up five beans per invocation (the conversion service
 * twice, the binary-type configuration twice, the body builder), which this class looks up once; and it ends every
 * invocation with {@code destroyBean(this)}, which only finds the function object among the context's singletons
 * (the first function class registers itself as one; nothing injects it) and, after the first call, finds nothing.
 * And Micronaut's request adapter builds its headers anew on every {@code getHeaders()} (splitting each value on
 * commas and checking every character of it, the bearer token's too), a dozen times per request (content type,
 * charset, origin, locale, routing, the filters): {@link HeadersOnce} builds them once per request.
 *
 * <p>And the path's empty segments are merged first ({@code //subscriptions/x} is {@code /subscriptions/x}), as the local
 * host does for every request. The Azure CLI sends such paths when the cloud's ARM endpoint ends in a slash; the
 * Functions host does not merge them (its routes match no empty segment, so the request reaches the catch-all
 * {@code Routes_Unmatched}, docs/deployment.md), and the app's router would answer them 404. Only the path changes.
 */
public abstract class KeywardHttpFunction extends io.micronaut.azure.function.http.AzureHttpFunction {

    private final ConversionService conversion;
    private final BinaryTypeConfiguration binaryTypes;
    private final BodyBuilder bodies;

    protected KeywardHttpFunction() {
        ApplicationContext context = httpHandler.getApplicationContext();
        this.conversion = context.getBean(ConversionService.class);
        this.binaryTypes = context.getBean(BinaryTypeConfiguration.class);
        this.bodies = context.getBean(BodyBuilder.class);
    }

    @Override
    public HttpResponseMessage route(HttpRequestMessage<Optional<String>> received, ExecutionContext executionContext) {
        HttpRequestMessage<Optional<String>> request = withMergedSlashes(received);
        AzureFunctionHttpRequest<?> adapted = new AzureFunctionHttpRequest<>(request,
                new AzureFunctionHttpResponse<>(request, conversion, binaryTypes), executionContext, conversion, binaryTypes, bodies);
        ServletExchange<HttpRequestMessage<Optional<String>>, HttpResponseMessage> exchange =
                httpHandler.exchange(new HeadersOnce<>(adapted));
        // as Micronaut's route does: the Functions host frames the response itself
        exchange.getResponse().getHeaders().remove(HttpHeaders.TRANSFER_ENCODING);
        return exchange.getResponse().getNativeResponse();
    }

    /**
     * Micronaut's request adapter with its headers built once: every other method is the adapter's own. The headers
     * are the same values in the same case-insensitive map; the adapter's own methods (its parameters, cookies and
     * body) still read them through itself.
     */
    static final class HeadersOnce<T> implements MutableServletHttpRequest<HttpRequestMessage<Optional<String>>, T>,
            ServletExchange<HttpRequestMessage<Optional<String>>, HttpResponseMessage>, ServerHttpRequest<T>,
            FullHttpRequest<T>, ParsedBodyHolder<T> {

        private final AzureFunctionHttpRequest<T> adapted;
        private MutableHttpHeaders headers;

        HeadersOnce(AzureFunctionHttpRequest<T> adapted) {
            this.adapted = adapted;
        }

        @Override
        public MutableHttpHeaders getHeaders() {
            MutableHttpHeaders h = headers;
            if (h == null) {
                h = adapted.getHeaders();
                headers = h;
            }
            return h;
        }

        @Override public ByteBody byteBody() { return adapted.byteBody(); }
        @Override public MutableHttpParameters getParameters() { return adapted.getParameters(); }
        @Override public ServletHttpResponse<HttpResponseMessage, ?> getResponse() { return adapted.getResponse(); }
        @Override public InputStream getInputStream() throws IOException { return adapted.getInputStream(); }
        @Override public BufferedReader getReader() throws IOException { return adapted.getReader(); }
        @Override public HttpRequestMessage<Optional<String>> getNativeRequest() { return adapted.getNativeRequest(); }
        @Override public HttpMethod getMethod() { return adapted.getMethod(); }
        @Override public URI getUri() { return adapted.getUri(); }
        @Override public Cookies getCookies() { return adapted.getCookies(); }
        @Override public MutableConvertibleValues<Object> getAttributes() { return adapted.getAttributes(); }
        @Override public Optional<T> getBody() { return adapted.getBody(); }
        @Override public <B> Optional<B> getBody(Argument<B> type) { return adapted.getBody(type); }
        @Override public void setConversionService(ConversionService conversionService) { adapted.setConversionService(conversionService); }
        @Override public void setParsedBody(T body) { adapted.setParsedBody(body); }
        @Override public ByteBuffer<?> contents() { return adapted.contents(); }
        @Override public ExecutionFlow<ByteBuffer<?>> bufferContents() { return adapted.bufferContents(); }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public ServletHttpRequest<HttpRequestMessage<Optional<String>>, ? super Object> getRequest() {
            return (ServletHttpRequest) this;
        }

        @Override
        public MutableHttpRequest<T> cookie(Cookie cookie) {
            adapted.cookie(cookie);
            return this;
        }

        @Override
        public MutableHttpRequest<T> uri(URI uri) {
            adapted.uri(uri);
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <B> MutableHttpRequest<B> body(B body) {
            adapted.body(body);
            return (MutableHttpRequest<B>) this;
        }
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
        public com.microsoft.azure.functions.HttpMethod getHttpMethod() {
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
