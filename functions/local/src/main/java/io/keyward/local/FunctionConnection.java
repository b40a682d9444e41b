package io.keyward.local;

import io.keyward.app.base.ControlCharacters;
import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import io.keyward.app.identity.HeaderAuthentication;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: reads a request's headers, has them authenticated, reads the body only then and only up to
 * the cap of its surface, runs the function on a worker and writes its answer; then the next request. It reads only
 * what it has asked for (the pipeline's flow-control stage), so a request waiting for authentication or its function
 * has nothing more read behind it. Every method runs on the connection's event loop except the tasks it hands to the
 * authentication, liveness and worker pools, which come back to it with their result.
 */
final class FunctionConnection extends ChannelInboundHandlerAdapter implements RequestClock.Expiry {

    /** The liveness ping: answered on a thread of its own, never behind function invocations. */
    static final String LIVENESS_FUNCTION = "Health_Ping";
    /**
     * After refusing a request whose body is still coming, the host reads and drops at most this much, for at most
     * {@link #DRAIN_MILLIS}, before it closes: closing on unread bytes makes TCP reset the connection, and a reset can
     * destroy the refusal before the client has read it.
     */
    static final int DRAIN_BYTES = 256 * 1024;
    static final long DRAIN_MILLIS = 1000;

    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(FunctionConnection.class);
    private static final String ADMIN_PREFIX = "/admin/functions/";

    private enum State { WAITING, HOST, BODY, DRAINING, CLOSED }

    /** A request as far as its headers tell. */
    private record Exchange(HttpMethod method, String methodName, String path, URI uri, String host,
                            Map<String, String> headers, Map<String, String> query, HostErrors.Surface surface,
                            FunctionCatalog.HttpFunction function, String adminTimer, long cap, boolean keepAlive,
                            boolean hasBody, long contentLength, boolean expectContinue) {

        boolean head() {
            return "HEAD".equals(methodName);
        }
    }

    private final FunctionServer server;
    private final RequestClock clock;
    private ChannelHandlerContext ctx;
    private State state = State.WAITING;
    private boolean keepAlive;
    private Exchange exchange;
    private CompositeByteBuf body;
    private long drained;

    FunctionConnection(FunctionServer server, RequestClock clock) {
        this.server = server;
        this.clock = clock;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        clock.onExpiry(this);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // with auto-read off, TLS reads only when someone asks: the handshake's first read is asked here
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
            clock.keepAlive();
            ctx.read();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            switch (state) {
                case WAITING -> {
                    if (msg instanceof HttpRequest head) {
                        onHeaders(head);
                    } else {
                        // the end marker of a request answered from its headers alone
                        ctx.read();
                    }
                }
                case BODY -> onBody((HttpContent) msg);
                case DRAINING -> {
                    if (msg instanceof HttpContent c) {
                        drained += c.content().readableBytes();
                    }
                    if (drained > DRAIN_BYTES) {
                        ctx.close();
                    } else {
                        ctx.read();
                    }
                }
                default -> {
                    // nothing is read while the host works or after close
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = State.CLOSED;
        releaseBody();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof DecoderException) {
            // TLS alerts, resets and clients that speak something else: the connection is over, nothing to report
            LOG.debug("connection from {} closed: {}", ctx.channel().remoteAddress(), cause.getClass().getSimpleName());
        } else {
            LOG.warn("connection from {} failed", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    @Override
    public void bodyTimedOut() {
        if (state == State.BODY) {
            releaseBody();
            refuse(HostErrors.timedOut(), true);
        }
    }

    private void onHeaders(HttpRequest head) {
        clock.headersRead();
        String host = head.headers().get(HttpHeaderNames.HOST);
        HostErrors.Surface surface = surfaceOf(host);
        if (head.decoderResult().isFailure()) {
            keepAlive = false;
            refuse(malformedHead(surface, head.decoderResult().cause()), true);
            return;
        }
        keepAlive = HttpUtil.isKeepAlive(head);
        boolean hasBody = HttpUtil.isTransferEncodingChunked(head) || HttpUtil.getContentLength(head, 0L) > 0;
        String expect = head.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect)) {
            refuse(HostErrors.status(HttpResponseStatus.EXPECTATION_FAILED), true);
            return;
        }
        URI target;
        Map<String, String> query;
        URI uri;
        try {
            target = new URI(mergeSlashes(head.uri()));
            if (target.getRawPath() == null || !target.getRawPath().startsWith("/")) {
                throw new URISyntaxException(head.uri(), "not an absolute path");
            }
            query = query(target.getRawQuery());
            String authority = host == null || host.isBlank() ? server.defaultAuthority() : host;
            uri = new URI("https://" + authority + target.getRawPath()
                    + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            refuse(HostErrors.malformed(surface, "The request URL or its Host header is not valid: a percent escape is"
                    + " malformed or a character is not allowed there."), hasBody);
            return;
        }
        // input hygiene before authentication, the database or the HSM (the app's edge filter asks the same question)
        Optional<String> unclean = ControlCharacters.inRequest(target.getRawPath(), target.getRawQuery(), head.headers());
        if (unclean.isPresent()) {
            refuse(HostErrors.malformed(surface, unclean.get()), hasBody);
            return;
        }
        String path = target.getPath();
        String methodName = head.method().name();
        HttpMethod method = HttpMethod.value(methodName.toUpperCase(Locale.ROOT));
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> h : head.headers()) {
            headers.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), (a, b) -> a + ", " + b);
        }
        // As Azure's front end does, the peer's address is the last X-Forwarded-For entry (the token endpoint's per-address
        // limit reads it); here it is the only one, so a client cannot pose as another address.
        headers.put("x-forwarded-for", ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress().getHostAddress());
        long contentLength = HttpUtil.getContentLength(head, -1L);
        boolean expectContinue = expect != null;

        if (path.startsWith("/admin/")) {
            String timer = adminTimer(path, methodName, hasBody);
            if (timer != null) {
                exchange = new Exchange(method, methodName, path, uri, host, headers, query, surface, null, timer,
                        server.limits.maxOtherBody(), keepAlive, hasBody, contentLength, expectContinue);
                state = State.HOST;
                authenticated();
            }
            return;
        }
        FunctionCatalog.HttpFunction function = method == null ? null : server.catalog().route(path, method);
        if (function == null) {
            // The Functions host answers 404, with no body, both for an unknown route and for another method.
            refuse(HostErrors.status(HttpResponseStatus.NOT_FOUND), hasBody);
            return;
        }
        long cap = server.limits.maxBody(bodyClass(host, function));
        exchange = new Exchange(method, methodName, path, uri, host, headers, query, surface, function, null, cap,
                keepAlive, hasBody, contentLength, expectContinue);
        state = State.HOST;
        Exchange e = exchange;
        HeaderAuthentication authentication = server.headerAuthentication();
        ExecutorService pool = LIVENESS_FUNCTION.equals(function.name()) ? server.liveness : server.authentication;
        try {
            pool.execute(() -> {
                Optional<HeaderAuthentication.Refusal> refusal;
                try {
                    refusal = authentication.check(e.methodName(), e.uri().toString(), e.host(),
                            e.headers().get("authorization"), e.function() == null ? null : e.function().declaredRoute());
                } catch (RuntimeException ex) {
                    LOG.error("{} {}: checking the caller failed", e.methodName(), e.path(), ex);
                    ctx.executor().execute(() -> refuse(HostErrors.status(HttpResponseStatus.INTERNAL_SERVER_ERROR), e.hasBody()));
                    return;
                }
                if (refusal.isPresent()) {
                    ctx.executor().execute(() -> refuse(response(refusal.get()), e.hasBody()));
                } else if (!e.hasBody()) {
                    // nothing more to read: straight to the function, without a turn through the event loop
                    invoke(e, "");
                } else {
                    ctx.executor().execute(this::authenticated);
                }
            });
        } catch (RejectedExecutionException full) {
            refuse(HostErrors.busy(surface), hasBody);
        }
    }

    /** The caller may go on: read the body, up to the cap, then invoke. */
    private void authenticated() {
        if (state != State.HOST) {
            return;
        }
        Exchange e = exchange;
        if (e.contentLength() > e.cap()) {
            refuse(HostErrors.tooLarge(e.cap()), true);
            return;
        }
        if (!e.hasBody()) {
            invoke(e, "");
            return;
        }
        if (e.expectContinue()) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
        body = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
        state = State.BODY;
        clock.body();
        ctx.read();
    }

    private void onBody(HttpContent chunk) {
        Exchange e = exchange;
        if (chunk.decoderResult().isFailure()) {
            releaseBody();
            refuse(HostErrors.malformed(e.surface(), "The request body is not valid chunked HTTP/1.1."), true);
            return;
        }
        if (body.readableBytes() + (long) chunk.content().readableBytes() > e.cap()) {
            releaseBody();
            refuse(HostErrors.tooLarge(e.cap()), !(chunk instanceof LastHttpContent));
            return;
        }
        if (chunk.content().isReadable()) {
            body.addComponent(true, chunk.content().retain());
        }
        if (!(chunk instanceof LastHttpContent)) {
            ctx.read();
            return;
        }
        String text = body.toString(StandardCharsets.UTF_8);
        releaseBody();
        state = State.HOST;
        clock.host();
        invoke(e, text);
    }

    /** Hands the request to its pool; from any thread. */
    private void invoke(Exchange e, String text) {
        ExecutorService pool = e.function() != null && LIVENESS_FUNCTION.equals(e.function().name()) ? server.liveness : server.workers;
        try {
            pool.execute(() -> {
                FullHttpResponse response = run(e, text);
                ctx.executor().execute(() -> respond(response, e.keepAlive()));
            });
        } catch (RejectedExecutionException full) {
            ctx.executor().execute(() -> respond(HostErrors.busy(e.surface()), e.keepAlive()));
        }
    }

    /** On a worker: the function, or the admin API's timer. */
    private FullHttpResponse run(Exchange e, String text) {
        try {
            if (e.adminTimer() != null) {
                try {
                    server.fireTimer(e.adminTimer());
                } catch (IllegalArgumentException unknown) {
                    return HostErrors.status(HttpResponseStatus.NOT_FOUND);
                }
                // The runtime answers 202 and runs the function in the background; here it has already finished,
                // which lets tests look at its effect right away.
                return HostErrors.status(HttpResponseStatus.ACCEPTED);
            }
            LocalHttpMessages.Request request = new LocalHttpMessages.Request(e.uri(), e.method(), e.headers(), e.query(),
                    text.isEmpty() ? Optional.empty() : Optional.of(text));
            Object result = e.function().invoke(request, context(e.function().name()));
            return response(result, e.head());
        } catch (RuntimeException | Error failure) {
            LOG.error("{} {} failed", e.methodName(), e.path(), failure);
            return HostErrors.status(HttpResponseStatus.INTERNAL_SERVER_ERROR);
        }
    }

    /** Answers and, if the request's body is still unread, drains a little of it and closes. */
    private void refuse(FullHttpResponse response, boolean bodyUnread) {
        if (!bodyUnread) {
            respond(response, keepAlive);
            return;
        }
        if (state == State.CLOSED) {
            response.release();
            return;
        }
        state = State.HOST;
        finish(response, false).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                f.channel().close();
                return;
            }
            state = State.DRAINING;
            drained = 0;
            ctx.executor().schedule(() -> ctx.close(), DRAIN_MILLIS, TimeUnit.MILLISECONDS);
            ctx.read();
        });
    }

    /** Writes the answer; then waits for the next request or closes. */
    private void respond(FullHttpResponse response, boolean keepAlive) {
        if (state == State.CLOSED) {
            response.release();
            return;
        }
        ChannelFuture written = finish(response, keepAlive);
        if (keepAlive) {
            state = State.WAITING;
            written.addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    ctx.read();
                } else {
                    f.channel().close();
                }
            });
        } else {
            state = State.HOST;
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private ChannelFuture finish(FullHttpResponse response, boolean keepAlive) {
        exchange = null;
        response.headers().set(HttpHeaderNames.DATE, DateFormatter.format(new Date()));
        if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            HttpUtil.setContentLength(response, response.content().readableBytes());
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        // a client that stops reading its answer is dropped after the keep-alive limit, like an idle one
        clock.keepAlive();
        return ctx.writeAndFlush(response);
    }

    private FullHttpResponse malformedHead(HostErrors.Surface surface, Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return HostErrors.malformed(surface, HttpResponseStatus.REQUEST_URI_TOO_LONG,
                    "The request line is longer than " + FunctionServer.MAX_REQUEST_LINE + " bytes.");
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return HostErrors.malformed(surface, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "The request headers are larger than " + FunctionServer.MAX_HEADERS + " bytes.");
        }
        return HostErrors.malformed(surface, "The request line or its headers are not valid HTTP/1.1.");
    }

    /** The admin API's checks, answered here; the timer's name when the request may go on. */
    /**
     * An origin-form target with empty path segments ({@code //metadata/endpoints}, which {@code az cloud register}
     * asks for when the ARM endpoint ends in a slash) names the path with its slashes merged, as Azure's front ends
     * treat it. (Parsed as it stands, {@code //x/y} would be a URI with authority {@code x}.)
     */
    static String mergeSlashes(String target) {
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        if (!path.startsWith("/") || !path.contains("//")) {
            return target; // absolute-form targets (https://host/...) are parsed as they are
        }
        return path.replaceAll("/{2,}", "/") + (query < 0 ? "" : target.substring(query));
    }

    private String adminTimer(String path, String methodName, boolean hasBody) {
        InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
        if (!remote.getAddress().isLoopbackAddress()) {
            refuse(HostErrors.status(HttpResponseStatus.FORBIDDEN), hasBody);
            return null;
        }
        if (!path.startsWith(ADMIN_PREFIX) || path.length() == ADMIN_PREFIX.length()) {
            refuse(HostErrors.status(HttpResponseStatus.NOT_FOUND), hasBody);
            return null;
        }
        if (!"POST".equals(methodName)) {
            FullHttpResponse r = HostErrors.status(HttpResponseStatus.METHOD_NOT_ALLOWED);
            r.headers().set(HttpHeaderNames.ALLOW, "POST");
            refuse(r, hasBody);
            return null;
        }
        return path.substring(ADMIN_PREFIX.length());
    }

    private HostErrors.Surface surfaceOf(String host) {
        HeaderAuthentication a = server.headerAuthentication();
        return host != null && a != null && a.vaultHost(host) ? HostErrors.Surface.KEY_VAULT : HostErrors.Surface.ARM;
    }

    private ServerLimits.BodyClass bodyClass(String host, FunctionCatalog.HttpFunction f) {
        if (surfaceOf(host) == HostErrors.Surface.KEY_VAULT) {
            return ServerLimits.BodyClass.VAULT;
        }
        String route = f.declaredRoute().toLowerCase(Locale.ROOT);
        if (route.startsWith("subscriptions/")) {
            return ServerLimits.BodyClass.ARM;
        }
        return route.startsWith("api/workspaces/") ? ServerLimits.BodyClass.DATA : ServerLimits.BodyClass.OTHER;
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
    }

    private static FullHttpResponse response(HeaderAuthentication.Refusal refusal) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(refusal.status()),
                Unpooled.wrappedBuffer(refusal.body()));
        copyHeaders(refusal.headers(), r);
        return r;
    }

    private static FullHttpResponse response(Object result, boolean head) {
        int status;
        Map<String, String> headers;
        byte[] bytes;
        if (result instanceof HttpResponseMessage message) {
            status = message.getStatusCode();
            headers = message instanceof LocalHttpMessages.Response r ? r.headers() : contentTypeOnly(message);
            bytes = bytes(message.getBody());
        } else {
            status = result == null ? 204 : 200;
            headers = Map.of();
            bytes = bytes(result);
        }
        boolean noBody = status == 204 || status == 304;
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                noBody || head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        copyHeaders(headers, r);
        if (!noBody) {
            HttpUtil.setContentLength(r, bytes.length);
        }
        return r;
    }

    /** The framing headers are the server's to write, from what it actually sends. */
    private static void copyHeaders(Map<String, String> headers, FullHttpResponse r) {
        headers.forEach((k, v) -> {
            if (!k.equalsIgnoreCase("Content-Length") && !k.equalsIgnoreCase("Transfer-Encoding")) {
                r.headers().set(k, v);
            }
        });
    }

    private static Map<String, String> contentTypeOnly(HttpResponseMessage response) {
        String type = response.getHeader("Content-Type");
        return type == null ? Map.of() : Map.of("Content-Type", type);
    }

    private static byte[] bytes(Object body) {
        if (body == null) {
            return new byte[0];
        }
        if (body instanceof byte[] b) {
            return b;
        }
        if (body instanceof Optional<?> o) {
            return bytes(o.orElse(null));
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The query as the Java worker hands it over: decoded, first value of a name wins. */
    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery == null) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.putIfAbsent(k, v);
        }
        return query;
    }

    private static ExecutionContext context(String functionName) {
        return new LocalHttpMessages.Context(functionName, UUID.randomUUID().toString(), Logger.getLogger("Function." + functionName));
    }
}
