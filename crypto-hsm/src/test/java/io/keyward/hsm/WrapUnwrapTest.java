package io.keyward.hsm;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.MGF1ParameterSpec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WrapUnwrapTest {
    private static final Hsm HSM = TestTokens.shared();
    private static KeyVersion rsa;
    private static KeyVersion aes;
    private static KeyPair jcePair;
    private static KeyVersion imported;

    @BeforeAll
    static void keys() throws Exception {
        rsa = HSM.keys().create(TestTokens.name("wrap/rsa"), KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
        aes = HSM.keys().create(TestTokens.name("wrap/aes"), KeyType.AES_256, KeyUsage.KEY_WRAPPING);
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        jcePair = gen.generateKeyPair();
        imported = HSM.keys().importRsa(TestTokens.name("wrap/imported"), (RSAPrivateCrtKey) jcePair.getPrivate(), KeyUsage.KEY_WRAPPING);
    }

    @ParameterizedTest
    @EnumSource(value = WrapAlgorithm.class, names = {"RSA_OAEP", "RSA1_5"})
    void rsaRoundTripInTheToken(WrapAlgorithm alg) {
        byte[] aek = HSM.random(32);
        byte[] wrapped = HSM.wrap(rsa.ref(), alg, aek);
        assertThat(wrapped).hasSize(256);
        assertThat(HSM.unwrap(rsa.ref(), alg, wrapped)).isEqualTo(aek);
        // Randomised padding: the same key wraps differently each time.
        assertThat(HSM.wrap(rsa.ref(), alg, aek)).isNotEqualTo(wrapped);
    }

    @ParameterizedTest
    @EnumSource(value = WrapAlgorithm.class, names = {"A256KW", "AES_KWP"})
    void aesRoundTripInTheToken(WrapAlgorithm alg) {
        byte[] aek = HSM.random(32);
        byte[] wrapped = HSM.wrap(aes.ref(), alg, aek);
        assertThat(wrapped).hasSize(40);
        assertThat(HSM.unwrap(aes.ref(), alg, wrapped)).isEqualTo(aek);
    }

    @Test
    void jceOaepWrappedWithThePublicKeyUnwrapsInTheToken() throws Exception {
        byte[] aek = HSM.random(32);
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
        c.init(Cipher.ENCRYPT_MODE, HSM.keys().publicKey(rsa.ref()).toJca(), new OAEPParameterSpec("SHA-1", "MGF1",
                MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT));
        assertThat(HSM.unwrap(rsa.ref(), WrapAlgorithm.RSA_OAEP, c.doFinal(aek))).isEqualTo(aek);
    }

    @Test
    void jcePkcs1WrappedWithThePublicKeyUnwrapsInTheToken() throws Exception {
        byte[] aek = HSM.random(32);
        Cipher c = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        c.init(Cipher.ENCRYPT_MODE, HSM.keys().publicKey(rsa.ref()).toJca());
        assertThat(HSM.unwrap(rsa.ref(), WrapAlgorithm.RSA1_5, c.doFinal(aek))).isEqualTo(aek);
    }

    @Test
    void tokenWrappedBlobsUnwrapInTheJce() throws Exception {
        byte[] aek = HSM.random(32);
        byte[] wrapped = HSM.wrap(imported.ref(), WrapAlgorithm.RSA_OAEP, aek);
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
        c.init(Cipher.DECRYPT_MODE, jcePair.getPrivate(), new OAEPParameterSpec("SHA-1", "MGF1",
                MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT));
        assertThat(c.doFinal(wrapped)).isEqualTo(aek);

        byte[] pkcs1 = HSM.wrap(imported.ref(), WrapAlgorithm.RSA1_5, aek);
        Cipher p = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        p.init(Cipher.DECRYPT_MODE, jcePair.getPrivate());
        assertThat(p.doFinal(pkcs1)).isEqualTo(aek);
    }

    @Test
    void aesKeyWrapInteroperatesWithTheJceBothWays() throws Exception {
        byte[] kekBytes = HSM.random(32);
        KeyVersion kek = HSM.keys().importAes(TestTokens.name("wrap/aes-known"), kekBytes, KeyUsage.KEY_WRAPPING);
        SecretKeySpec jceKek = new SecretKeySpec(kekBytes, "AES");
        byte[] aek = HSM.random(32);

        Cipher kw = Cipher.getInstance("AESWrap");
        kw.init(Cipher.WRAP_MODE, jceKek);
        byte[] jceWrapped = kw.wrap(new SecretKeySpec(aek, "AES"));
        assertThat(HSM.unwrap(kek.ref(), WrapAlgorithm.A256KW, jceWrapped)).isEqualTo(aek);

        byte[] tokenWrapped = HSM.wrap(kek.ref(), WrapAlgorithm.A256KW, aek);
        kw.init(Cipher.UNWRAP_MODE, jceKek);
        assertThat(kw.unwrap(tokenWrapped, "AES", Cipher.SECRET_KEY).getEncoded()).isEqualTo(aek);

        byte[] odd = HSM.random(21);
        Cipher kwp = Cipher.getInstance("AES/KWP/NoPadding");
        kwp.init(Cipher.ENCRYPT_MODE, jceKek);
        assertThat(HSM.unwrap(kek.ref(), WrapAlgorithm.AES_KWP, kwp.doFinal(odd))).isEqualTo(odd);
        byte[] whole = HSM.random(24);
        kwp.init(Cipher.DECRYPT_MODE, jceKek);
        assertThat(kwp.doFinal(HSM.wrap(kek.ref(), WrapAlgorithm.AES_KWP, whole))).isEqualTo(whole);
    }

    @Test
    void oaepWithSha256IsRefusedWithATypedErrorNamingAlgorithmAndToken() {
        assertThatThrownBy(() -> HSM.wrap(rsa.ref(), WrapAlgorithm.RSA_OAEP_256, new byte[32]))
                .isInstanceOfSatisfying(UnsupportedAlgorithmException.class, e -> {
                    assertThat(e.failure()).isEqualTo(HsmFailure.UNSUPPORTED_ALGORITHM);
                    assertThat(e.algorithm()).isEqualTo(WrapAlgorithm.RSA_OAEP_256);
                    assertThat(e.getMessage()).isEqualTo("algorithm RSA-OAEP-256 is not supported by HSM token "
                            + "'" + TestTokens.LABEL + "' (SoftHSM v2)");
                    assertThat(e.getCause()).isNull();
                });
        assertThatThrownBy(() -> HSM.unwrap(rsa.ref(), WrapAlgorithm.RSA_OAEP_256, new byte[256]))
                .isInstanceOf(UnsupportedAlgorithmException.class);
        // The refusal must not cost the session: the next call on the pool works.
        byte[] aek = HSM.random(32);
        assertThat(HSM.unwrap(rsa.ref(), WrapAlgorithm.RSA_OAEP, HSM.wrap(rsa.ref(), WrapAlgorithm.RSA_OAEP, aek)))
                .isEqualTo(aek);
    }

    @Test
    void badInputIsTypedAndLeavesTheSessionUsable() {
        byte[] wrapped = HSM.wrap(rsa.ref(), WrapAlgorithm.RSA_OAEP, new byte[32]);
        wrapped[10] ^= 0x40;
        assertThatThrownBy(() -> HSM.unwrap(rsa.ref(), WrapAlgorithm.RSA_OAEP, wrapped))
                .isInstanceOfSatisfying(HsmException.class, e -> {
                    assertThat(e.failure()).isEqualTo(HsmFailure.BAD_INPUT);
                    assertThat(e.getMessage()).contains(rsa.ref().toString());
                });
        assertThatThrownBy(() -> HSM.unwrap(rsa.ref(), WrapAlgorithm.RSA_OAEP, new byte[0]))
                .isInstanceOfSatisfying(HsmException.class,
                        e -> assertThat(e.failure()).isEqualTo(HsmFailure.BAD_INPUT));
        assertThatThrownBy(() -> HSM.wrap(aes.ref(), WrapAlgorithm.A256KW, new byte[20]))
                .isInstanceOfSatisfying(HsmException.class, e -> {
                    assertThat(e.failure()).isEqualTo(HsmFailure.BAD_INPUT);
                    assertThat(e.getMessage()).contains("CKM_AES_KEY_WRAP_PAD");
                });
        assertThat(HSM.unwrap(rsa.ref(), WrapAlgorithm.RSA_OAEP, HSM.wrap(rsa.ref(), WrapAlgorithm.RSA_OAEP,
                new byte[32]))).hasSize(32);
    }

    @Test
    void aKeyOfTheWrongSizeOrFamilyIsRefused() {
        KeyVersion aes128 = HSM.keys().importAes(TestTokens.name("wrap/aes128"), HSM.random(16), KeyUsage.KEY_WRAPPING);
        assertThatThrownBy(() -> HSM.wrap(aes128.ref(), WrapAlgorithm.A256KW, new byte[32]))
                .isInstanceOfSatisfying(HsmException.class, e -> {
                    assertThat(e.failure()).isEqualTo(HsmFailure.KEY_UNUSABLE);
                    assertThat(e.getMessage()).contains("256-bit AES key").contains("128 bits");
                });
        assertThatThrownBy(() -> HSM.wrap(aes.ref(), WrapAlgorithm.RSA_OAEP, new byte[32]))
                .isInstanceOfSatisfying(HsmException.class,
                        e -> assertThat(e.failure()).isEqualTo(HsmFailure.KEY_NOT_FOUND));
    }
}
