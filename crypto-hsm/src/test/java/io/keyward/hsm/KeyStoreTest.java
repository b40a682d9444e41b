package io.keyward.hsm;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyStoreTest {
    private final Hsm hsm = TestTokens.shared();
    private final KeyStore keys = hsm.keys();

    @Test
    void rsaKeysOfEverySizeAreGeneratedInTheTokenWithTheirPublicHalfReadable() {
        for (KeyType type : List.of(KeyType.RSA_2048, KeyType.RSA_3072, KeyType.RSA_4096)) {
            KeyVersion v = keys.create(TestTokens.name("keystore/rsa-" + type.bits()), type, KeyUsage.KEY_WRAPPING);
            RsaPublicKey pub = keys.publicKey(v.ref());
            assertThat(pub.bits()).isEqualTo(type.bits());
            assertThat(pub.publicExponent()).isEqualTo(BigInteger.valueOf(65537));
            assertThat(pub.toJca().getModulus()).isEqualTo(pub.modulus());
            assertThat(keys.versions(v.ref().name())).containsExactly(v);
        }
    }

    @Test
    void aNewVersionIsANewKeyAndOldVersionsStay() {
        String name = TestTokens.name("keystore/rotating");
        KeyVersion v1 = keys.create(name, KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
        KeyVersion v2 = keys.create(name, KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
        assertThat(v2.ref().version()).isNotEqualTo(v1.ref().version());
        assertThat(keys.publicKey(v2.ref()).modulus()).isNotEqualTo(keys.publicKey(v1.ref()).modulus());
        assertThat(keys.versions(name)).containsExactlyInAnyOrder(v1, v2);

        // Each version wraps and unwraps on its own.
        byte[] secret = hsm.random(32);
        byte[] w1 = hsm.wrap(v1.ref(), WrapAlgorithm.RSA_OAEP, secret);
        assertThat(hsm.unwrap(v1.ref(), WrapAlgorithm.RSA_OAEP, w1)).isEqualTo(secret);
        assertThatThrownBy(() -> hsm.unwrap(v2.ref(), WrapAlgorithm.RSA_OAEP, w1))
                .isInstanceOf(HsmException.class)
                .extracting(e -> ((HsmException) e).failure()).isEqualTo(HsmFailure.BAD_INPUT);
    }

    @Test
    void aesKeysAreGeneratedWithTheirSize() {
        for (KeyType type : List.of(KeyType.AES_128, KeyType.AES_192, KeyType.AES_256)) {
            KeyVersion v = keys.create(TestTokens.name("keystore/" + type.name().toLowerCase()), type, KeyUsage.KEY_WRAPPING);
            assertThat(v.type()).isEqualTo(type);
            assertThat(keys.versions(v.ref().name())).containsExactly(v);
        }
    }

    @Test
    void deletingAVersionDestroysAllItsObjectsAndOnlyThose() {
        String name = TestTokens.name("keystore/deleted");
        KeyVersion keep = keys.create(name, KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
        KeyVersion gone = keys.create(name, KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
        byte[] wrapped = hsm.wrap(gone.ref(), WrapAlgorithm.RSA_OAEP, new byte[32]);
        assertThat(keys.objectCount(gone.ref())).isEqualTo(2);

        assertThat(keys.delete(gone.ref())).isEqualTo(2);

        assertThat(keys.objectCount(gone.ref())).isZero();
        assertThat(keys.versions(name)).containsExactly(keep);
        assertThatThrownBy(() -> hsm.unwrap(gone.ref(), WrapAlgorithm.RSA_OAEP, wrapped))
                .isInstanceOfSatisfying(HsmException.class,
                        e -> assertThat(e.failure()).isEqualTo(HsmFailure.KEY_NOT_FOUND));
        assertThatThrownBy(() -> keys.publicKey(gone.ref()))
                .isInstanceOfSatisfying(HsmException.class,
                        e -> assertThat(e.failure()).isEqualTo(HsmFailure.KEY_NOT_FOUND));
        assertThat(keys.delete(gone.ref())).isZero();
    }

    @Test
    void aGenerationThatFailsAfterTheTokenMadeTheObjectsLeavesNothingBehind() {
        String name = TestTokens.name("keystore/failed-generation");
        KeyVersionRef[] seen = new KeyVersionRef[1];
        keys.setGenerationCheck(ref -> {
            seen[0] = ref;
            // The objects exist in the token at this point; prove it, then fail the generation.
            assertThat(keys.objectCount(ref)).isEqualTo(2);
            throw new IllegalStateException("injected failure after C_GenerateKeyPair");
        });
        try {
            assertThatThrownBy(() -> keys.create(name, KeyType.RSA_2048, KeyUsage.KEY_WRAPPING)).isInstanceOf(HsmException.class);
        } finally {
            keys.setGenerationCheck(ref -> { });
        }
        assertThat(seen[0]).isNotNull();
        assertThat(keys.objectCount(seen[0])).isZero();
        assertThat(keys.versions(name)).isEmpty();
    }

    @Test
    void badNamesAndVersionsAreRefusedBeforeTheToken() {
        assertThatThrownBy(() -> keys.create("has space", KeyType.RSA_2048, KeyUsage.KEY_WRAPPING))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key name");
        assertThatThrownBy(() -> new KeyVersionRef("ok", "not-hex"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 lowercase hex");
        assertThatThrownBy(() -> KeyType.rsa(1024)).hasMessageContaining("2048, 3072 or 4096");
    }
}
