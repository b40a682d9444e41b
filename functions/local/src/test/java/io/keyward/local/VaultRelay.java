package io.keyward.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on a loopback port of its own to the test host's port: the "remote vault" of the shared test host
 * (see {@link TestHost}). TLS runs end to end through it, so the Azure SDK's calls reach the host's own vault as they
 * would reach a vault elsewhere. An outage is made for real: {@link #stop()} closes the port (connections are
 * refused), {@link #blackHole()} accepts and never answers (calls time out); both first cut every relayed connection,
 * so no pooled connection survives. {@link #restore()} relays again on the same port.
 */
final class VaultRelay implements AutoCloseable {

    private enum Mode { RELAY, BLACK_HOLE, STOPPED }

    private final int port;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger relayed = new AtomicInteger();
    private final AtomicInteger swallowed = new AtomicInteger();
    private volatile InetSocketAddress target;
    private volatile Mode mode = Mode.RELAY;
    private ServerSocket server;

    private VaultRelay(ServerSocket server) {
        this.server = server;
        this.port = server.getLocalPort();
        accept(server);
    }

    /** Listens at once (the port goes into the host's configuration); relays once {@link #to} names the target. */
    static VaultRelay open() throws IOException {
        return new VaultRelay(bind(0));
    }

    int port() {
        return port;
    }

    void to(InetSocketAddress target) {
        this.target = target;
    }

    /** Connections relayed so far (in relay mode). */
    int relayed() {
        return relayed.get();
    }

    /** Connections accepted and left unanswered so far (in black-hole mode). */
    int swallowed() {
        return swallowed.get();
    }

    /** The vault is stopped: the port is closed. */
    synchronized void stop() throws IOException {
        mode = Mode.STOPPED;
        server.close();
        cutAll();
    }

    /** The vault hangs: connections are accepted and never answered. */
    synchronized void blackHole() throws IOException {
        listen();
        mode = Mode.BLACK_HOLE;
        cutAll();
    }

    /** The vault is back. */
    synchronized void restore() throws IOException {
        cutAll();
        mode = Mode.RELAY;
        listen();
    }

    @Override
    public synchronized void close() throws IOException {
        stop();
    }

    private void listen() throws IOException {
        if (server.isClosed()) {
            server = bind(port);
            accept(server);
        }
    }

    private static ServerSocket bind(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        return s;
    }

    private void accept(ServerSocket listening) {
        daemon("vault-relay-accept", () -> {
            while (!listening.isClosed()) {
                Socket client;
                try {
                    client = listening.accept();
                } catch (IOException e) {
                    return;
                }
                open.add(client);
                if (mode == Mode.RELAY && target != null) {
                    relayed.incrementAndGet();
                    relay(client);
                } else {
                    swallowed.incrementAndGet(); // held open, never read nor answered
                }
            }
        });
    }

    private void relay(Socket client) {
        try {
            Socket upstream = new Socket(target.getAddress(), target.getPort());
            open.add(upstream);
            daemon("vault-relay-up", () -> pump(client, upstream));
            daemon("vault-relay-down", () -> pump(upstream, client));
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16384];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed: the other follows
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    private void cutAll() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }
}
