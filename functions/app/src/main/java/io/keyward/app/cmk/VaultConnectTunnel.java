package io.keyward.app.cmk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends connections for vault hosts ({@code name.<suffix>}) to one fixed address, keeping TLS (SNI, certificate check,
 * {@code Host}) on the vault's own name. The local host needs this because {@code *.vault.localhost} does not resolve
 * in a plain JVM, and the JDK HTTP client refuses a hand-set {@code Host} header, so rewriting the URL to
 * 127.0.0.1 is not an option. Instead this is an HTTP proxy for those hosts only: the client sends
 * {@code CONNECT name.vault.localhost:port}, this opens a plain TCP connection to the fixed address and relays bytes;
 * the TLS session runs end to end through it. It listens on loopback only and tunnels nothing but vault hosts.
 */
final class VaultConnectTunnel extends ProxySelector implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VaultConnectTunnel.class);
    private static final int MAX_HEADER = 8192;

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final String suffix;
    private final Proxy proxy;

    private VaultConnectTunnel(ServerSocket server, InetSocketAddress target, String suffix) {
        this.server = server;
        this.target = target;
        this.suffix = suffix;
        this.proxy = new Proxy(Proxy.Type.HTTP, new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
    }

    /** {@code connectAddress} is {@code host:port}; {@code dnsSuffix} e.g. {@code vault.localhost}. */
    static VaultConnectTunnel start(String connectAddress, String dnsSuffix) {
        int colon = connectAddress.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("keyward.cmk.vault-connect-address must be host:port, not " + connectAddress);
        }
        InetSocketAddress target = new InetSocketAddress(connectAddress.substring(0, colon), Integer.parseInt(connectAddress.substring(colon + 1)));
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            VaultConnectTunnel tunnel = new VaultConnectTunnel(server, target,
                    "." + dnsSuffix.toLowerCase(Locale.ROOT).replaceAll("^\\.+", ""));
            Thread accept = new Thread(tunnel::acceptLoop, "keyward-vault-tunnel");
            accept.setDaemon(true);
            accept.start();
            return tunnel;
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the vault connect tunnel on loopback", e);
        }
    }

    @Override
    public List<Proxy> select(URI uri) {
        return isVaultHost(uri.getHost()) ? List.of(proxy) : List.of(Proxy.NO_PROXY);
    }

    @Override
    public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        LOG.warn("vault connect tunnel: connection for {} failed: {}", uri.getHost(), ioe.toString());
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing the vault connect tunnel", e);
        }
    }

    private boolean isVaultHost(String host) {
        return host != null && host.toLowerCase(Locale.ROOT).endsWith(suffix) && host.length() > suffix.length();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> serve(client), "keyward-vault-tunnel-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LOG.warn("vault connect tunnel: accept failed: {}", e.toString());
                }
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String head = readHead(in);
            String[] request = head.split("\r\n", 2)[0].split(" ");
            String host = request.length == 3 && request[0].equals("CONNECT") ? request[1].substring(0, Math.max(0, request[1].lastIndexOf(':'))) : null;
            if (!isVaultHost(host)) {
                out.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            try (Socket upstream = new Socket()) {
                // Relayed TLS records must not wait for Nagle and delayed ACKs (~40 ms per exchange otherwise).
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                upstream.connect(target, 5000);
                out.write("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread back = new Thread(() -> relay(upstream, client), "keyward-vault-tunnel-relay");
                back.setDaemon(true);
                back.start();
                relay(client, upstream);
                back.join(30_000);
            }
        } catch (IOException e) {
            LOG.debug("vault connect tunnel connection ended: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Copies until end of stream, then half-closes the other side so its reader ends too. */
    private static void relay(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close();
                from.close();
            } catch (IOException ignored) {
                // both ends are going away anyway
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0 || head.size() > MAX_HEADER) {
                throw new IOException("incomplete CONNECT request");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
