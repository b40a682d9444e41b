package io.keyward.local;

import io.keyward.app.identity.HeaderAuthentication;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * HTTPS on Netty for the local function host. Event loops do TLS and HTTP parsing and never run a function;
 * authentication of a request's headers runs on its own small pool (it may read signing keys or a vault's tenant from
 * the database), function invocations on a bounded worker pool, and the liveness ping on a thread of its own so that
 * it never waits behind either.
 *
 * <p>Per connection: {@link ConnectionGate} (connection caps), TLS with a handshake limit, {@link RequestClock}
 * (keep-alive, header, body and request limits), the HTTP/1.1 codec with line and header limits, a flow-control
 * stage so that nothing is read that the host has not asked for, and {@link FunctionConnection}.
 */
final class FunctionServer implements AutoCloseable {

    static final int MAX_REQUEST_LINE = 16 * 1024;
    static final int MAX_HEADERS = 32 * 1024;

    final ServerLimits limits;
    final ExecutorService workers;
    final ExecutorService authentication;
    final ExecutorService liveness;
    private volatile SSLContext ssl;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup loops;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final ConnectionGate gate;
    private final Channel listener;
    private volatile FunctionCatalog catalog;
    private volatile HeaderAuthentication headerAuthentication;
    private volatile Consumer<String> fireTimer;

    private FunctionServer(ServerLimits limits, EventLoopGroup acceptor, EventLoopGroup loops,
                           ServerBootstrap bootstrap, InetSocketAddress address) {
        this.limits = limits;
        this.acceptor = acceptor;
        this.loops = loops;
        this.gate = new ConnectionGate(limits.maxConnections(), limits.maxConnectionsPerAddress());
        this.workers = pool("keyward-function", limits.workers(), limits.workerQueue());
        // Header checks are a token signature or a challenge: two threads keep up with the event loops, and a queue
        // of 1,024 rides out a burst of unauthenticated requests without touching the function workers.
        this.authentication = pool("keyward-auth", 2, 1024);
        this.liveness = pool("keyward-liveness", 1, 64);
        bootstrap.childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                pipeline(ch);
            }
        });
        ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            throw new UncheckedIOException("cannot listen on " + address.getHostString() + ":" + address.getPort(),
                    cause instanceof IOException io ? io : new IOException(cause));
        }
        this.listener = bound.channel();
    }

    /**
     * Binds {@code address} without accepting yet (connections wait in the backlog until {@link #serve}): the port
     * is known before the application starts, which needs it for its token issuer.
     */
    static FunctionServer bind(InetSocketAddress address, ServerLimits limits) {
        EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("keyward-accept"),
                NioIoHandler.newFactory());
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("keyward-http"), NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap().group(acceptor, loops).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .option(ChannelOption.AUTO_READ, false)
                // Nagle would hold every small response until the client's delayed ACK (~40 ms on Linux)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false);
        try {
            return new FunctionServer(limits, acceptor, loops, b, address);
        } catch (RuntimeException e) {
            shutDown(acceptor, loops);
            throw e;
        }
    }

    /**
     * Starts accepting, with {@code ssl}'s certificate (the TLS material is read while the socket binds): requests go
     * to {@code catalog}'s functions, {@code POST /admin/functions/{name}} to {@code fireTimer}.
     */
    void serve(SSLContext ssl, FunctionCatalog catalog, HeaderAuthentication headerAuthentication,
               Consumer<String> fireTimer) {
        this.ssl = ssl;
        this.catalog = catalog;
        this.headerAuthentication = headerAuthentication;
        this.fireTimer = fireTimer;
        listener.config().setAutoRead(true);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** {@code host:port} of the listening socket, for requests without a Host header. */
    String defaultAuthority() {
        InetSocketAddress a = address();
        String h = a.getAddress().getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort();
    }

    FunctionCatalog catalog() {
        return catalog;
    }

    HeaderAuthentication headerAuthentication() {
        return headerAuthentication;
    }

    void fireTimer(String name) {
        fireTimer.accept(name);
    }

    /** Open connections now, in total and of one client address (tests watch the caps with these). */
    int openConnections() {
        return gate.open();
    }

    int openConnections(InetAddress client) {
        return gate.open(client);
    }

    private void pipeline(SocketChannel ch) {
        channels.add(ch);
        SSLEngine engine = ssl.createSSLEngine();
        engine.setUseClientMode(false);
        SslHandler tls = new SslHandler(engine);
        tls.setHandshakeTimeoutMillis(limits.handshakeTimeout().toMillis());
        RequestClock clock = new RequestClock(limits);
        HttpDecoderConfig http = new HttpDecoderConfig().setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(MAX_HEADERS).setMaxChunkSize(64 * 1024);
        ch.pipeline().addLast("caps", gate)
                .addLast("tls", tls)
                .addLast("clock", clock)
                .addLast("http", new HttpServerCodec(http))
                .addLast("flow", new FlowControlHandler())
                .addLast("functions", new FunctionConnection(this, clock));
    }

    /** Stops accepting, lets running invocations finish (5 s at most), then closes every connection. */
    @Override
    public void close() {
        listener.close().awaitUninterruptibly();
        for (ExecutorService e : new ExecutorService[] {liveness, authentication, workers}) {
            e.shutdown();
        }
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channels.close().awaitUninterruptibly();
        shutDown(acceptor, loops);
    }

    private static void shutDown(EventLoopGroup... groups) {
        for (EventLoopGroup g : groups) {
            g.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
        for (EventLoopGroup g : groups) {
            g.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private static ExecutorService pool(String name, int threads, int queue) {
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue),
                r -> new Thread(r, name + "-" + n.incrementAndGet()));
    }
}
