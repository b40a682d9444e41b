package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The total cap, which the shared test host cannot be pushed to without starving every other test's connections:
 * the gate alone, on channels that come from chosen addresses.
 */
class ConnectionGateTest {

    @Test
    void refusesOverTheTotalAndPerAddressCapsAndRecoversAsConnectionsClose() throws Exception {
        ConnectionGate gate = new ConnectionGate(4, 3);
        List<EmbeddedChannel> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            open.add(connect(gate, "127.0.0.20"));
        }
        assertThat(open).allMatch(EmbeddedChannel::isActive);

        EmbeddedChannel fourthOfOneAddress = connect(gate, "127.0.0.20");
        assertThat(fourthOfOneAddress.isActive()).as("over the per-address cap").isFalse();
        EmbeddedChannel otherAddress = connect(gate, "127.0.0.21");
        assertThat(otherAddress.isActive()).isTrue();
        EmbeddedChannel fifth = connect(gate, "127.0.0.22");
        assertThat(fifth.isActive()).as("over the total cap").isFalse();
        assertThat(gate.open()).isEqualTo(4);
        assertThat(gate.refused()).isEqualTo(2);

        open.remove(0).close();
        assertThat(gate.open()).isEqualTo(3);
        assertThat(gate.open(new InetSocketAddress("127.0.0.20", 0).getAddress())).isEqualTo(2);
        EmbeddedChannel again = connect(gate, "127.0.0.22");
        assertThat(again.isActive()).as("a place freed by a close is taken again").isTrue();
        assertThat(connect(gate, "127.0.0.20").isActive()).as("the total cap holds again").isFalse();

        again.close();
        otherAddress.close();
        for (EmbeddedChannel ch : open) {
            ch.close();
        }
        assertThat(gate.open()).isZero();
        assertThat(gate.open(new InetSocketAddress("127.0.0.20", 0).getAddress())).isZero();
    }

    /** A channel that says it comes from {@code address}, with the gate as its first handler. */
    private static EmbeddedChannel connect(ConnectionGate gate, String address) throws Exception {
        InetSocketAddress remote = new InetSocketAddress(address, 40000);
        EmbeddedChannel ch = new EmbeddedChannel(false, false) {
            @Override
            protected SocketAddress remoteAddress0() {
                return remote;
            }
        };
        ch.pipeline().addLast(gate);
        ch.register();
        return ch;
    }
}
