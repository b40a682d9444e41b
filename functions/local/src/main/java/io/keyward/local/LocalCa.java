package io.keyward.local;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERBMPString;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
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
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS12PfxPdu;
import org.bouncycastle.pkcs.PKCS12PfxPduBuilder;
import org.bouncycastle.pkcs.PKCS12SafeBag;
import org.bouncycastle.pkcs.PKCS12SafeBagBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS12SafeBagBuilder;
import org.bouncycastle.pkcs.jcajce.JcePKCS12MacCalculatorBuilder;
import org.bouncycastle.pkcs.jcajce.JcePKCSPBEOutputEncryptorBuilder;

/**
 * The local CA's side of {@link LocalTls}: makes the CA on first start, (re)issues the server certificate when it is
 * missing, near its end or not from this CA, and writes every file of {@code .keyward/tls/}. The only class of the
 * host that needs BouncyCastle, whose signed jars the JVM verifies on first use (AppCDS cannot archive their classes):
 * a start that finds its material in order never loads it.
 */
final class LocalCa {

    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration SERVER_VALIDITY = Duration.ofDays(397); // what browsers still accept
    private static final String SIGNATURE = "SHA256withECDSA";
    static final int KEY_STORE_ITERATIONS = 1000;
    // the JDK's providers do not take BouncyCastle's PBES2 key (an IOException at the first write to the cipher)
    private static final Provider BC = new BouncyCastleProvider();

    private LocalCa() {
    }

    /** Makes what is missing or stale in {@code dir} and returns the server's key store (protected by {@code password}). */
    static KeyStore issue(Path dir, char[] password) throws IOException, GeneralSecurityException {
        try {
            KeyStore caStore;
            if (Files.exists(dir.resolve(LocalTls.CA_STORE))) {
                caStore = LocalTls.load(dir.resolve(LocalTls.CA_STORE), password);
            } else {
                caStore = newCa(password);
                storeKey(caStore, "ca", dir.resolve(LocalTls.CA_STORE), password);
            }
            X509Certificate ca = (X509Certificate) caStore.getCertificate("ca");
            writePem(ca, dir.resolve(LocalTls.CA_PEM));
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("keyward-local-ca", ca);
            store(trust, dir.resolve(LocalTls.TRUSTSTORE), LocalTls.TRUSTSTORE_PASSWORD.toCharArray());

            Path serverFile = dir.resolve(LocalTls.SERVER_STORE);
            KeyStore server = null;
            if (Files.exists(serverFile)) {
                try {
                    server = LocalTls.load(serverFile, password);
                } catch (IOException | GeneralSecurityException e) {
                    // a server key store that does not open is made again; the CA's (above) is never replaced
                }
            }
            if (server == null || LocalTls.needsRenewal(server, ca)) {
                server = newServer(caStore, password);
                storeKey(server, "server", serverFile, password);
            }
            return server;
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
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
        GeneralName[] names = new GeneralName[LocalTls.SERVER_DNS_NAMES.length + LocalTls.SERVER_IPS.length];
        int i = 0;
        for (String dns : LocalTls.SERVER_DNS_NAMES) {
            names[i++] = new GeneralName(GeneralName.dNSName, dns);
        }
        for (String ip : LocalTls.SERVER_IPS) {
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

    /**
     * {@code ks}'s key entry {@code alias} as a PKCS12 file in the JDK's own algorithms (PBES2 with PBKDF2-HMAC-SHA256
     * and AES-256-CBC for the key and the certificates, an HMAC-SHA256 MAC), but {@value #KEY_STORE_ITERATIONS}
     * rounds of PBKDF2 where the JDK takes 10,000. Stretching only slows the guessing of a weak password; this one is
     * 144 random bits ({@code keystore.pass}), and every start reads the server's file three times over (MAC,
     * certificates, key): 10,000 rounds cost 0.3-0.9 s of a cold JVM's CPU at each start.
     */
    private static void storeKey(KeyStore ks, String alias, Path file, char[] password)
            throws IOException, GeneralSecurityException {
        try {
            PrivateKey key = (PrivateKey) ks.getKey(alias, password);
            Certificate[] chain = ks.getCertificateChain(alias);
            OutputEncryptor encryptor = new JcePKCSPBEOutputEncryptorBuilder(NISTObjectIdentifiers.id_aes256_CBC)
                    .setPRF(new AlgorithmIdentifier(PKCSObjectIdentifiers.id_hmacWithSHA256, DERNull.INSTANCE))
                    .setIterationCount(KEY_STORE_ITERATIONS).setProvider(BC).build(password);
            DEROctetString keyId = new DEROctetString(new JcaX509ExtensionUtils()
                    .createSubjectKeyIdentifier(chain[0].getPublicKey()).getKeyIdentifier());
            PKCS12SafeBag[] certificates = new PKCS12SafeBag[chain.length];
            for (int i = 0; i < chain.length; i++) {
                PKCS12SafeBagBuilder bag = new JcaPKCS12SafeBagBuilder((X509Certificate) chain[i]);
                if (i == 0) {
                    bag.addBagAttribute(PKCS12SafeBag.friendlyNameAttribute, new DERBMPString(alias));
                    bag.addBagAttribute(PKCS12SafeBag.localKeyIdAttribute, keyId);
                }
                certificates[i] = bag.build();
            }
            PKCS12SafeBagBuilder keyBag = new JcaPKCS12SafeBagBuilder(key, encryptor);
            keyBag.addBagAttribute(PKCS12SafeBag.friendlyNameAttribute, new DERBMPString(alias));
            keyBag.addBagAttribute(PKCS12SafeBag.localKeyIdAttribute, keyId);
            PKCS12PfxPduBuilder pfx = new PKCS12PfxPduBuilder();
            pfx.addEncryptedData(encryptor, certificates);
            pfx.addData(keyBag.build());
            PKCS12PfxPdu pdu = pfx.build(new JcePKCS12MacCalculatorBuilder(NISTObjectIdentifiers.id_sha256)
                    .setIterationCount(KEY_STORE_ITERATIONS).setProvider(BC), password);
            write(file, pdu.getEncoded(ASN1Encoding.DER));
        } catch (OperatorCreationException | PKCSException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static void store(KeyStore ks, Path file, char[] password) throws IOException, GeneralSecurityException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ks.store(out, password);
        write(file, out.toByteArray());
    }

    private static void write(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, content);
        LocalTls.restrict(tmp, "rw-------");
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writePem(X509Certificate cert, Path file) throws IOException, GeneralSecurityException {
        String pem = "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
        Files.writeString(file, pem, StandardCharsets.US_ASCII);
    }
}
