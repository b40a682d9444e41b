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
}
