package io.keyward.local;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The time limits of one connection, between TLS and the HTTP codec so that it sees every decrypted byte as it
 * arrives. Only one limit runs at a time, by phase: keep-alive (a connection waiting for a request), headers (first
 * byte to the end of the headers, bounded by the whole-request limit too), body (longest silence, and the whole
 * request). While the host itself works (authentication, the function, a response being written) no limit runs:
 * those are the host's time, not the client's. Runs on the connection's event loop only.
 */
final class RequestClock extends ChannelInboundHandlerAdapter {

    /** What the connection is waiting for. */
    enum Phase { HANDSHAKE, KEEP_ALIVE, HEADERS, BODY, HOST }

    /** Told when a body stalls or a request outlives its limit, to answer before the connection closes. */
    interface Expiry {
        void bodyTimedOut();
    }

    private final ServerLimits limits;
    private ChannelHandlerContext ctx;
    private Expiry expiry = () -> { };
    private Phase phase = Phase.HANDSHAKE;
    private ScheduledFuture<?> timer;
    private long requestStart;
    private long lastRead;

    RequestClock(ServerLimits limits) {
        this.limits = limits;
    }

    void onExpiry(Expiry e) {
        this.expiry = e;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b && b.isReadable()) {
            long now = System.nanoTime();
            lastRead = now;
            if (phase == Phase.KEEP_ALIVE) {
                phase = Phase.HEADERS;
                requestStart = now;
                schedule(Math.min(limits.headerTimeout().toNanos(), limits.requestTimeout().toNanos()));
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    /** Waiting for the next request: the keep-alive limit, after which the connection is closed. */
    void keepAlive() {
        phase = Phase.KEEP_ALIVE;
        schedule(limits.keepAliveTimeout().toNanos());
    }

    /** The headers are in: the host decides, no limit runs. */
    void headersRead() {
        if (phase != Phase.HEADERS) {
            // a request already buffered behind the previous one: it starts now
            requestStart = System.nanoTime();
        }
        host();
    }

    /** Reading the body: silence and the whole request are limited. */
    void body() {
        phase = Phase.BODY;
        lastRead = System.nanoTime();
        scheduleBodyCheck();
    }

    /** The host works: no limit. */
    void host() {
        phase = Phase.HOST;
        cancel();
    }

    Phase phase() {
        return phase;
    }

    private void scheduleBodyCheck() {
        long now = System.nanoTime();
        long idleLeft = lastRead + limits.bodyIdleTimeout().toNanos() - now;
        long requestLeft = requestStart + limits.requestTimeout().toNanos() - now;
        schedule(Math.max(0, Math.min(idleLeft, requestLeft)));
    }

    private void schedule(long nanos) {
        cancel();
        Phase armed = phase;
        timer = ctx.executor().schedule(() -> expire(armed), nanos, TimeUnit.NANOSECONDS);
    }

    private void expire(Phase armed) {
        if (phase != armed || !ctx.channel().isActive()) {
            return;
        }
        if (phase == Phase.BODY) {
            long now = System.nanoTime();
            boolean stalled = now - lastRead >= limits.bodyIdleTimeout().toNanos();
            boolean tooLong = now - requestStart >= limits.requestTimeout().toNanos();
            if (!stalled && !tooLong) {
                scheduleBodyCheck();
                return;
            }
            phase = Phase.HOST;
            expiry.bodyTimedOut();
            return;
        }
        // keep-alive or headers: nothing was asked that could be answered, so the connection just closes
        ctx.close();
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
