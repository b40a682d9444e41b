package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS material of {@code .keyward/tls}: made once, reused as long as it is in order, made again when it is not. */
class LocalTlsTest {

    @TempDir
    Path dir;

    @Test
    void aLaterStartReusesTheMaterialWithoutWritingAnything() throws Exception {
        LocalTls.ensure(dir);
        byte[] server = Files.readAllBytes(dir.resolve("server.p12"));
        byte[] pem = Files.readAllBytes(dir.resolve("ca.pem"));
        byte[] trust = Files.readAllBytes(dir.resolve("truststore.p12"));

        LocalTls again = LocalTls.ensure(dir);

        assertThat(Files.readAllBytes(dir.resolve("server.p12"))).isEqualTo(server);
        assertThat(Files.readAllBytes(dir.resolve("ca.pem"))).isEqualTo(pem);
        assertThat(Files.readAllBytes(dir.resolve("truststore.p12"))).isEqualTo(trust);
        assertThat(again.sslContext().createSSLEngine()).isNotNull();
    }

    @Test
    void theKeyStoresOpenWithTheJdkAndTheServerChainEndsInTheCa() throws Exception {
        LocalTls.ensure(dir);
        char[] password = Files.readString(dir.resolve("keystore.pass")).trim().toCharArray();
        KeyStore server = LocalTls.load(dir.resolve("server.p12"), password);
        KeyStore ca = LocalTls.load(dir.resolve("ca.p12"), password);
        KeyStore trust = LocalTls.load(dir.resolve("truststore.p12"), LocalTls.TRUSTSTORE_PASSWORD.toCharArray());

        Certificate[] chain = server.getCertificateChain("server");
        assertThat(chain).hasSize(2);
        assertThat(server.getKey("server", password)).isInstanceOf(PrivateKey.class);
        assertThat(chain[0].getPublicKey()).isNotEqualTo(chain[1].getPublicKey());
        chain[0].verify(chain[1].getPublicKey());
        assertThat(chain[1]).isEqualTo(ca.getCertificate("ca")).isEqualTo(trust.getCertificate("keyward-local-ca"))
                .isEqualTo(pem(dir.resolve("ca.pem")));
        assertThat(ca.getKey("ca", password)).isInstanceOf(PrivateKey.class);
        assertThat(((X509Certificate) chain[0]).getSubjectAlternativeNames()).hasSize(
                LocalTls.SERVER_DNS_NAMES.length + LocalTls.SERVER_IPS.length);
    }

    @Test
    void aCaPemThatNoLongerMatchesIsWrittenAgainFromTheCaKeyStoreAndTheServerKeptIfItsChainMatches() throws Exception {
        LocalTls.ensure(dir);
        byte[] server = Files.readAllBytes(dir.resolve("server.p12"));
        byte[] pem = Files.readAllBytes(dir.resolve("ca.pem"));
        Files.delete(dir.resolve("ca.pem"));

        LocalTls.ensure(dir);
        assertThat(Files.readAllBytes(dir.resolve("ca.pem"))).isEqualTo(pem);
        assertThat(Files.readAllBytes(dir.resolve("server.p12"))).isEqualTo(server);

        Path otherDir = Files.createDirectory(dir.resolve("other"));
        LocalTls.ensure(otherDir);
        Files.copy(otherDir.resolve("ca.pem"), dir.resolve("ca.pem"), StandardCopyOption.REPLACE_EXISTING);
        LocalTls.ensure(dir);
        assertThat(Files.readAllBytes(dir.resolve("ca.pem"))).isEqualTo(pem);
    }

    @Test
    void aServerKeyStoreThatDoesNotOpenIsIssuedAgainByTheSameCa() throws Exception {
        LocalTls.ensure(dir);
        byte[] pem = Files.readAllBytes(dir.resolve("ca.pem"));
        Files.write(dir.resolve("server.p12"), new byte[] {1, 2, 3});

        LocalTls.ensure(dir);

        char[] password = Files.readString(dir.resolve("keystore.pass")).trim().toCharArray();
        assertThat(LocalTls.load(dir.resolve("server.p12"), password).getCertificateChain("server")[1])
                .isEqualTo(pem(dir.resolve("ca.pem")));
        assertThat(Files.readAllBytes(dir.resolve("ca.pem"))).isEqualTo(pem);
    }

    private static Certificate pem(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
