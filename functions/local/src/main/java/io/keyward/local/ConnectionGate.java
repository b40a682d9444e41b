package io.keyward.local;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps open connections in total and per client address, first in every pipeline: a connection over a cap is closed
 * as soon as it is accepted, before any TLS work, so that a few clients cannot take every connection a host can hold.
 */
@ChannelHandler.Sharable
final class ConnectionGate extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGate.class);
    private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("keyward.counted-address");

    private final int maxTotal;
    private final int maxPerAddress;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();

    ConnectionGate(int maxTotal, int maxPerAddress) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetAddress address = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        boolean overAddress = perAddress.merge(address, 1, Integer::sum) > maxPerAddress;
        boolean overTotal = total.incrementAndGet() > maxTotal;
        if (overAddress || overTotal) {
            // not counted while it closes: refused connections must not crowd out the next good one
            release(address);
            long n = refused.incrementAndGet();
            // one line per 1,000 refusals: a flood of them must not become a flood of log lines
            if (n % 1000 == 1) {
                LOG.warn("refused a connection over the {} cap ({} refused so far)", overTotal ? "total" : "per-address", n);
            }
            ctx.close();
            return;
        }
        ctx.channel().attr(COUNTED).set(address);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        InetAddress address = ctx.channel().attr(COUNTED).getAndSet(null);
        if (address != null) {
            release(address);
        }
        ctx.fireChannelInactive();
    }

    private void release(InetAddress address) {
        total.decrementAndGet();
        perAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }

    /** Connections open now. */
    int open() {
        return total.get();
    }

    int open(InetAddress address) {
        return perAddress.getOrDefault(address, 0);
    }

    long refused() {
        return refused.get();
    }
}
