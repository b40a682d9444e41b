package io.keyward.hsm;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.security.Signature;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SignTest {
    private final Hsm hsm = TestTokens.shared();

    @ParameterizedTest
    @EnumSource(SignAlgorithm.class)
    void signaturesMadeInTheTokenVerifyWithTheJceAndBindTheData(SignAlgorithm alg) throws Exception {
        KeyVersion key = hsm.keys().create(TestTokens.name("sign/" + alg.jwaName()), KeyType.RSA_2048, KeyUsage.SIGNING);
        byte[] data = "header.payload".getBytes(StandardCharsets.US_ASCII);
        byte[] signature = hsm.sign(key.ref(), alg, data);
        assertThat(signature).hasSize(256);

        Signature verifier = Signature.getInstance(alg.jcaName());
        verifier.initVerify(hsm.keys().publicKey(key.ref()).toJca());
        verifier.update(data);
        assertThat(verifier.verify(signature)).isTrue();

        verifier.initVerify(hsm.keys().publicKey(key.ref()).toJca());
        verifier.update("header.payloaD".getBytes(StandardCharsets.US_ASCII));
        assertThat(verifier.verify(signature)).isFalse();
    }

    @ParameterizedTest
    @EnumSource(value = SignAlgorithm.class, names = "RS256")
    void anAesKeyCannotSign(SignAlgorithm alg) {
        KeyVersion aes = hsm.keys().create(TestTokens.name("sign/aes"), KeyType.AES_256, KeyUsage.KEY_WRAPPING);
        assertThatThrownBy(() -> hsm.sign(aes.ref(), alg, new byte[] {1}))
                .isInstanceOfSatisfying(HsmException.class,
                        e -> assertThat(e.failure()).isEqualTo(HsmFailure.KEY_NOT_FOUND));
    }

    @org.junit.jupiter.api.Test
    void aCmacUnderAnAesKeyInTheTokenMatchesTheRfc4493VectorAndBindsTheData() {
        // RFC 4493 uses AES-128; the 256-bit vector is NIST SP 800-38B D.3, Example 10 (Mlen = 128)
        byte[] key = java.util.HexFormat.of().parseHex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
        KeyVersion k = hsm.keys().importAes(TestTokens.name("mac/kat"), key, KeyUsage.SIGNING);
        byte[] m = java.util.HexFormat.of().parseHex("6bc1bee22e409f96e93d7e117393172a");
        assertThat(java.util.HexFormat.of().formatHex(hsm.mac(k.ref(), m))).isEqualTo("28a7023f452e8f82bd4bf28d8c37c35c");
        assertThat(hsm.macMatches(k.ref(), m, hsm.mac(k.ref(), m))).isTrue();
        byte[] other = m.clone();
        other[0] ^= 1;
        assertThat(hsm.macMatches(k.ref(), other, hsm.mac(k.ref(), m))).isFalse();
        assertThat(hsm.protection(k.ref()).extractable()).isFalse();
    }

    @org.junit.jupiter.api.Test
    void aKeyWrappingAesKeyCannotMac() {
        KeyVersion aes = hsm.keys().create(TestTokens.name("mac/kw"), KeyType.AES_256, KeyUsage.KEY_WRAPPING);
        assertThatThrownBy(() -> hsm.mac(aes.ref(), new byte[] {1})).isInstanceOf(HsmException.class);
    }
}
