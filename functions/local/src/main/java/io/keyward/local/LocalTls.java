package io.keyward.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The local host's TLS material under {@code .keyward/tls/}, made on first start and reused afterwards:
 * <ul>
 *   <li>{@code ca.pem}: the local CA certificate, for clients ({@code curl --cacert}, {@code SSL_CERT_FILE});</li>
 *   <li>{@code truststore.p12}: the same certificate as a PKCS12 trust store for Java clients, password
 *       {@value #TRUSTSTORE_PASSWORD} (it holds no secret, only a public certificate);</li>
 *   <li>{@code ca.p12} and {@code server.p12}: the CA's and the server's private keys, protected by the generated
 *       password in {@code keystore.pass} (mode 600). The CA key stays so that later starts can add host names
 *       (e.g. per-vault {@code *.vault.localhost}) without making every client re-trust a new CA.</li>
 * </ul>
 * A later start reads only {@code server.p12} and {@code ca.pem}: when the server's chain ends in the CA that
 * {@code ca.pem} holds and is not near its end, it serves with it; otherwise {@link LocalCa} makes again what is
 * missing or stale (and writes {@code ca.pem} and the trust store from {@code ca.p12}). Azure SDK clients insist on
 * HTTPS, which is why even the local host speaks only TLS.
 */
final class LocalTls {

    static final String TRUSTSTORE_PASSWORD = "changeit";
    static final String[] SERVER_DNS_NAMES = {"localhost", "*.localhost", "*.vault.localhost"};
    static final String[] SERVER_IPS = {"127.0.0.1", "::1"};
    static final String CA_PEM = "ca.pem";
    static final String CA_STORE = "ca.p12";
    static final String TRUSTSTORE = "truststore.p12";
    static final String SERVER_STORE = "server.p12";
    private static final String PASSWORD_FILE = "keystore.pass";

    private static final Duration RENEW_BEFORE = Duration.ofDays(30);

    private final Path dir;
    private final SSLContext sslContext;

    private LocalTls(Path dir, SSLContext sslContext) {
        this.dir = dir;
        this.sslContext = sslContext;
    }

    static LocalTls ensure(Path dir) {
        try {
            Files.createDirectories(dir);
            restrict(dir, "rwx------");
            char[] password = password(dir.resolve(PASSWORD_FILE));
            KeyStore server = reusable(dir, password);
            if (server == null) {
                server = LocalCa.issue(dir, password);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(server, password);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(kmf.getKeyManagers(), null, null);
            return new LocalTls(dir, ssl);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare TLS material in " + dir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot prepare TLS material in " + dir, e);
        }
    }

    SSLContext sslContext() {
        return sslContext;
    }

    Path caPem() {
        return dir.resolve(CA_PEM);
    }

    Path truststore() {
        return dir.resolve(TRUSTSTORE);
    }

    /**
     * The server's key store if every file is there and its chain ends in {@code ca.pem}'s CA, not near its end;
     * else null. Any file that does not parse counts as stale, for {@link LocalCa} to make again.
     */
    private static KeyStore reusable(Path dir, char[] password) throws IOException {
        for (String f : List.of(CA_PEM, CA_STORE, TRUSTSTORE, SERVER_STORE)) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                return null;
            }
        }
        try (InputStream in = Files.newInputStream(dir.resolve(CA_PEM))) {
            X509Certificate ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            KeyStore server = load(dir.resolve(SERVER_STORE), password);
            return needsRenewal(server, ca) ? null : server;
        } catch (GeneralSecurityException | IOException e) {
            return null;
        }
    }

    static boolean needsRenewal(KeyStore server, X509Certificate ca) throws GeneralSecurityException {
        Certificate[] chain = server.getCertificateChain("server");
        if (chain == null || chain.length < 2 || !chain[1].equals(ca)) {
            return true;
        }
        X509Certificate leaf = (X509Certificate) chain[0];
        return leaf.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE));
    }

    private static char[] password(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            Files.writeString(file, HexFormat.of().formatHex(random) + "\n");
            restrict(file, "rw-------");
        }
        return Files.readString(file).trim().toCharArray();
    }

    static KeyStore load(Path file, char[] password) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        }
        return ks;
    }

    static void restrict(Path p, String perms) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system (Windows): the directory is under the user's project anyway
        }
    }
}
