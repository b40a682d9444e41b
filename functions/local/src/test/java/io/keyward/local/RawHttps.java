package io.keyward.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;

/**
 * A TLS client that writes whatever bytes a test wants (slow, malformed, huge) to the shared {@link TestHost}, from a
 * chosen loopback address (127.0.0.x: Linux routes all of 127/8 to the loopback interface, so each test can be its
 * own "client address" for the host's per-address caps).
 */
final class RawHttps implements AutoCloseable {

    private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.1 (\\d{3})");

    private final Socket plain;
    private final SSLSocket tls;
    private final OutputStream out;
    private final InputStream in;
    /** A byte read ahead by {@link #responseWithin}, or -1. */
    private int ahead = -1;

    private RawHttps(Socket plain, SSLSocket tls) throws IOException {
        this.plain = plain;
        this.tls = tls;
        this.out = tls.getOutputStream();
        this.in = tls.getInputStream();
    }

    /** A TCP connection from {@code from} to the test host, not yet speaking TLS. */
    static Socket tcp(InetAddress from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), TestHost.get().host().port()), 5000);
        return s;
    }

    /** A TLS connection from {@code from}, handshake done. */
    static RawHttps open(InetAddress from) throws IOException {
        Socket s = tcp(from);
        SSLSocket tls = (SSLSocket) TestHost.get().ssl().getSocketFactory().createSocket(s, "127.0.0.1", s.getPort(), true);
        tls.setSoTimeout(10_000);
        tls.startHandshake();
        return new RawHttps(s, tls);
    }

    static InetAddress loopback(int lastOctet) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) lastOctet});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code 127.0.0.1:port}, for Host headers. */
    static String authority() {
        return "127.0.0.1:" + TestHost.get().host().port();
    }

    void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Waits at most {@code millis} for a byte: the byte, -1 at end of stream, -2 when none came in time. */
    int readByte(int millis) throws IOException {
        tls.setSoTimeout(millis);
        try {
            return in.read();
        } catch (SocketTimeoutException e) {
            return -2;
        }
    }

    /**
     * The response, if one starts within {@code millis}; null when none has; an IOException when the host closed the
     * connection without one.
     */
    Response responseWithin(int millis) throws IOException {
        int b = readByte(millis);
        if (b == -2) {
            return null;
        }
        if (b == -1) {
            throw new IOException("closed without an answer");
        }
        ahead = b;
        return response();
    }

    /** Reads one response: head and, by its Content-Length, the body. */
    Response response() throws IOException {
        tls.setSoTimeout(30_000);
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = ahead >= 0 ? ahead : in.read();
            ahead = -1;
            if (b < 0) {
                throw new IOException("connection closed inside a response head: " + head);
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        Matcher m = STATUS.matcher(text);
        if (!m.find()) {
            throw new IOException("not an HTTP/1.1 response: " + text);
        }
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return new Response(Integer.parseInt(m.group(1)), text, new String(body, StandardCharsets.UTF_8));
    }

    /** True when the host has closed the connection: end of stream or a reset within {@code millis}. */
    boolean closedWithin(int millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        try {
            while (System.nanoTime() < deadline) {
                int b = readByte((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                if (b == -1) {
                    return true;
                }
                if (b == -2) {
                    return false;
                }
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() {
        try {
            tls.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                plain.close();
            } catch (IOException ignored) {
                // already closed with the TLS socket
            }
        }
    }

    record Response(int status, String head, String body) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }
}
