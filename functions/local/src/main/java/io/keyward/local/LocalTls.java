package io.keyward.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

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
 * Azure SDK clients insist on HTTPS, which is why even the local host speaks only TLS.
 */
final class LocalTls {

    static final String TRUSTSTORE_PASSWORD = "changeit";
    static final String[] SERVER_DNS_NAMES = {"localhost", "*.localhost", "*.vault.localhost"};
    static final String[] SERVER_IPS = {"127.0.0.1", "::1"};

    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration SERVER_VALIDITY = Duration.ofDays(397); // what browsers still accept
    private static final Duration RENEW_BEFORE = Duration.ofDays(30);
    private static final String SIGNATURE = "SHA256withECDSA";

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
            char[] password = password(dir.resolve("keystore.pass"));
            KeyStore caStore;
            if (Files.exists(dir.resolve("ca.p12"))) {
                caStore = load(dir.resolve("ca.p12"), password);
            } else {
                caStore = newCa(password);
                store(caStore, dir.resolve("ca.p12"), password);
            }
            X509Certificate ca = (X509Certificate) caStore.getCertificate("ca");
            writePem(ca, dir.resolve("ca.pem"));
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("keyward-local-ca", ca);
            store(trust, dir.resolve("truststore.p12"), TRUSTSTORE_PASSWORD.toCharArray());

            Path serverFile = dir.resolve("server.p12");
            KeyStore server = Files.exists(serverFile) ? load(serverFile, password) : null;
            if (server == null || needsRenewal(server, ca)) {
                server = newServer(caStore, password);
                store(server, serverFile, password);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(server, password);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(kmf.getKeyManagers(), null, null);
            return new LocalTls(dir, ssl);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare TLS material in " + dir, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot prepare TLS material in " + dir, e);
        }
    }

    SSLContext sslContext() {
        return sslContext;
    }

    Path caPem() {
        return dir.resolve("ca.pem");
    }

    Path truststore() {
        return dir.resolve("truststore.p12");
    }

    private static KeyStore newCa(char[] password) throws GeneralSecurityException, OperatorCreationException, IOException {
        KeyPair kp = keyPair();
        X500Name name = new X500Name("CN=Keyward local CA,O=Keyward local function host");
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(CA_VALIDITY)), name, kp.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
        X509Certificate cert = sign(b, kp.getPrivate());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("ca", kp.getPrivate(), password, new Certificate[] {cert});
        return ks;
    }

    private static KeyStore newServer(KeyStore caStore, char[] password)
            throws GeneralSecurityException, OperatorCreationException, IOException {
        X509Certificate ca = (X509Certificate) caStore.getCertificate("ca");
        PrivateKey caKey = (PrivateKey) caStore.getKey("ca", password);
        KeyPair kp = keyPair();
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(SERVER_VALIDITY)), new X500Name("CN=localhost"), kp.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        GeneralName[] names = new GeneralName[SERVER_DNS_NAMES.length + SERVER_IPS.length];
        int i = 0;
        for (String dns : SERVER_DNS_NAMES) {
            names[i++] = new GeneralName(GeneralName.dNSName, dns);
        }
        for (String ip : SERVER_IPS) {
            names[i++] = new GeneralName(GeneralName.iPAddress, ip);
        }
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
        X509Certificate cert = sign(b, caKey);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", kp.getPrivate(), password, new Certificate[] {cert, ca});
        return ks;
    }

    private static boolean needsRenewal(KeyStore server, X509Certificate ca) throws GeneralSecurityException {
        Certificate[] chain = server.getCertificateChain("server");
        if (chain == null || chain.length < 2 || !chain[1].equals(ca)) {
            return true;
        }
        X509Certificate leaf = (X509Certificate) chain[0];
        return leaf.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE));
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(SIGNATURE).build(key)));
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(127, new SecureRandom());
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

    private static KeyStore load(Path file, char[] password) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
        }
        return ks;
    }

    private static void store(KeyStore ks, Path file, char[] password) throws IOException, GeneralSecurityException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            ks.store(out, password);
        }
        restrict(tmp, "rw-------");
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writePem(X509Certificate cert, Path file) throws IOException, GeneralSecurityException {
        String pem = "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
        Files.writeString(file, pem, StandardCharsets.US_ASCII);
    }

    private static void restrict(Path p, String perms) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system (Windows): the directory is under the user's project anyway
        }
    }
}
