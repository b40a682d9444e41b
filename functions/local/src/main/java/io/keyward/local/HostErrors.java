package io.keyward.local;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The answers the host gives itself, before any function runs: in the error envelope of the surface the request was
 * meant for ({@code {"error":{"code","message"}}}, with ARM's codes, or Key Vault's on vault hosts), never an HTML page
 * or an exception's text.
 */
final class HostErrors {

    /** Whose codes an answer uses. */
    enum Surface {
        ARM("BadRequest", "ServerBusy"),
        KEY_VAULT("BadParameter", "ServiceUnavailable");

        private final String badRequest;
        private final String busy;

        Surface(String badRequest, String busy) {
            this.badRequest = badRequest;
            this.busy = busy;
        }
    }

    private HostErrors() {
    }

    static FullHttpResponse malformed(Surface s, String message) {
        return malformed(s, HttpResponseStatus.BAD_REQUEST, message);
    }

    /** 400, or 414 and 431 for a request line or headers over the host's limits. */
    static FullHttpResponse malformed(Surface s, HttpResponseStatus status, String message) {
        return envelope(status, s.badRequest, message);
    }

    static FullHttpResponse tooLarge(long cap) {
        return envelope(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "RequestEntityTooLarge",
                "The request body exceeds the maximum size of " + cap + " bytes for this endpoint.");
    }

    static FullHttpResponse timedOut() {
        return envelope(HttpResponseStatus.REQUEST_TIMEOUT, "RequestTimeout",
                "The request was not received within the time allowed.");
    }

    static FullHttpResponse busy(Surface s) {
        FullHttpResponse r = envelope(HttpResponseStatus.SERVICE_UNAVAILABLE, s.busy,
                "The server is busy. Retry the request later.");
        r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        return r;
    }

    static FullHttpResponse status(HttpResponseStatus status) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        return r;
    }

    private static FullHttpResponse envelope(HttpResponseStatus status, String code, String message) {
        JsonStringEncoder json = JsonStringEncoder.getInstance();
        byte[] body = ("{\"error\":{\"code\":\"" + new String(json.quoteAsString(code)) + "\",\"message\":\""
                + new String(json.quoteAsString(message)) + "\"}}").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }
}
