package io.keyward.azure;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.HttpStatus;
import com.microsoft.azure.functions.HttpStatusType;
import io.micronaut.azure.function.http.AzureFunctionHttpRequest;
import io.micronaut.azure.function.http.AzureFunctionHttpResponse;
import io.micronaut.azure.function.http.HttpRequestMessageHandler;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.event.ApplicationEventPublisher;
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
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.Charset;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The base of Keyward's HTTP functions: {@link io.micronaut.azure.function.http.AzureHttpFunction}'s routing into the
 * Micronaut application, the same request and response adapters and the same handler, without its per-invocation
 * costs that do nothing here. Micronaut's {@code route} looks up five beans per invocation (the conversion service
 * twice, the binary-type configuration twice, the body builder), which this class looks up once; and it ends every
 * invocation with {@code destroyBean(this)}, which only finds the function object among the context's singletons
 * (the first function class registers itself as one; nothing injects it) and, after the first call, finds nothing.
 * And Micronaut's request adapter builds its headers anew on every {@code getHeaders()} (splitting each value on
 * commas and checking every character of it, the bearer token's too), a dozen times per request (content type,
 * charset, origin, locale, routing, the filters): {@link HeadersOnce} builds them once per request. And Micronaut's
 * handler publishes two events per request (received, terminated) through {@code ApplicationContext.publishEvent},
 * which looks the event type's publisher up anew each time (not a singleton: a bean resolution per event, 5.7 % of the
 * host's CPU in perfpath14's profile); {@link #publishingOnce} looks each type's publisher up once.
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
        // the same handler as micronaut-azure's, on a view of the context whose publishEvent reuses each publisher
        httpHandler = new HttpRequestMessageHandler(publishingOnce(context));
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
                httpHandler.exchange(new HeadersOnce<>(adapted, binaryTypes));
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
        private final BinaryTypeConfiguration binaryTypes;
        private MutableHttpHeaders headers;

        HeadersOnce(AzureFunctionHttpRequest<T> adapted, BinaryTypeConfiguration binaryTypes) {
            this.adapted = adapted;
            this.binaryTypes = binaryTypes;
        }

        /**
         * The adapter's body bytes, as its {@code byteBody()} gives them (none for an absent or empty body, base64-decoded
         * for a binary media type, else the text in the request's charset), with the charset from the headers built
         * once: the adapter's own reader asks its headers twice, building them each time.
         */
        private byte[] bodyBytes(Charset charset) {
            String body = adapted.getNativeRequest().getBody().orElse(null);
            if (body == null || body.isEmpty()) {
                return new byte[0];
            }
            return binaryTypes.isMediaTypeBinary(adapted.getNativeRequest().getHeaders().get(HttpHeaders.CONTENT_TYPE))
                    ? Base64.getDecoder().decode(body) : body.getBytes(charset);
        }

        @Override
        public InputStream getInputStream() {
            return new ByteArrayInputStream(bodyBytes(getCharacterEncoding()));
        }

        /** The adapter's reader, its buffer the body's size rather than 8,192 characters (a crypto call sends a few hundred). */
        @Override
        public BufferedReader getReader() {
            Charset charset = getCharacterEncoding();
            byte[] bytes = bodyBytes(charset);
            return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(bytes), charset),
                    Math.max(1, Math.min(bytes.length, 8192)));
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

    private static final Method PUBLISH_EVENT;

    static {
        try {
            PUBLISH_EVENT = ApplicationEventPublisher.class.getMethod("publishEvent", Object.class);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * {@code context} itself for every method but {@code publishEvent(Object)}, which hands the event to the publisher
     * of its type, looked up the first time and then kept. That is what the context does, minus the look-up: the
     * publisher the context resolves is the same object on every look-up (its factory keeps one per event type, and
     * the publisher resolves its listeners once), so the listeners that see each event are the same.
     */
    static ApplicationContext publishingOnce(ApplicationContext context) {
        Map<Class<?>, ApplicationEventPublisher<Object>> publishers = new ConcurrentHashMap<>();
        return (ApplicationContext) Proxy.newProxyInstance(KeywardHttpFunction.class.getClassLoader(),
                new Class<?>[] {ApplicationContext.class}, (proxy, method, args) -> {
                    if (PUBLISH_EVENT.equals(method)) {
                        Object event = args[0];
                        if (event != null) {
                            publishers.computeIfAbsent(event.getClass(), KeywardHttpFunction.publisherIn(context)).publishEvent(event);
                        }
                        return null;
                    }
                    try {
                        return method.invoke(context, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @SuppressWarnings("unchecked")
    private static java.util.function.Function<Class<?>, ApplicationEventPublisher<Object>> publisherIn(ApplicationContext context) {
        return type -> context.getBean(Argument.of(ApplicationEventPublisher.class, type));
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
