package io.keyward.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A plain HTTP/1.1 client on one kept-alive TLS connection (one per benchmark thread), as a service calling Key
 * Vault in a loop would hold one: blocking {@code SSLSocket}, the server's certificate and host name checked as
 * {@code java.net.http} checks them, {@code Content-Length} framing, reconnecting when the server closes. It costs the
 * 2-core machine a fraction of the CPU per call of {@code java.net.http.HttpClient} (its selector thread, futures and
 * header maps), which the benchmark's client otherwise takes from the server it measures. Not thread-safe.
 */
final class KeepAliveHttps implements AutoCloseable {

    private final SSLContext ssl;
    private final String host;
    private final int port;
    private SSLSocket socket;
    private InputStream in;
    private OutputStream out;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

    /** One answer: status and body text. */
    record Response(int status, String body) {
    }

    KeepAliveHttps(SSLContext ssl, URI origin) {
        this.ssl = ssl;
        this.host = origin.getHost();
        this.port = origin.getPort();
    }

    /** Sends {@code request} (a whole request head and body, see {@link #post}) and reads one answer. */
    Response exchange(byte[] request) throws IOException {
        if (socket == null) {
            connect();
        }
        try {
            out.write(request);
            out.flush();
            return read();
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /** The bytes of a POST with a JSON body, built once and sent many times. */
    static byte[] post(URI uri, String authorization, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()) + " HTTP/1.1\r\n"
                + "Host: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
                + "Authorization: " + authorization + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Accept: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    private void connect() throws IOException {
        SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket();
        s.setTcpNoDelay(true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setServerNames(java.util.List.of(new SNIHostName(host)));
        s.setSSLParameters(p);
        s.connect(new InetSocketAddress(host, port), 5000);
        s.startHandshake();
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        out = s.getOutputStream();
    }

    private Response read() throws IOException {
        String status = readLine();
        if (status == null || !status.startsWith("HTTP/1.1 ")) {
            throw new IOException("no HTTP/1.1 status line");
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean close = false;
        for (String h = readLine(); h != null && !h.isEmpty(); h = readLine()) {
            int colon = h.indexOf(':');
            String name = h.substring(0, Math.max(0, colon)).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                length = Long.parseLong(value);
            } else if (name.equals("connection")) {
                close = value.equalsIgnoreCase("close");
            } else if (name.equals("transfer-encoding")) {
                throw new IOException("chunked answers are not expected from the host");
            }
        }
        if (length < 0) {
            throw new IOException("an answer without Content-Length");
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length != length) {
            throw new IOException("the connection closed inside an answer");
        }
        if (close) {
            close();
        }
        return new Response(code, new String(body, StandardCharsets.UTF_8));
    }

    private String readLine() throws IOException {
        line.reset();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return null;
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a broken connection
            }
            socket = null;
        }
    }
}
