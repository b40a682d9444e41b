package io.keyward.hsm;

import org.junit.jupiter.api.Test;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Exception;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.*;

/** The security property of the whole project: a KEK's secret half cannot be read out of the token. */
class KeyExtractionTest {
    private final Hsm hsm = TestTokens.shared();

    @Test
    void theTokenReportsGeneratedKeysAsSensitiveAndNeverExtractable() {
        for (KeyType type : new KeyType[] {KeyType.RSA_2048, KeyType.AES_256}) {
            KeyVersion v = hsm.keys().create(TestTokens.name("extraction/" + type.name().toLowerCase()), type, KeyUsage.KEY_WRAPPING);
            KeyProtection p = hsm.protection(v.ref());
            assertThat(p.token()).isTrue();
            assertThat(p.sensitive()).isTrue();
            assertThat(p.extractable()).isFalse();
            assertThat(p.alwaysSensitive()).isTrue();
            assertThat(p.neverExtractable()).isTrue();
            assertThat(p.isLockedInToken()).isTrue();
        }
    }

    @Test
    void theRsaPrivateExponentAndPrimesCannotBeRead() {
        KeyVersion v = hsm.keys().create(TestTokens.name("extraction/read-rsa"), KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
        for (long attribute : new long[] {CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1,
                CKA_EXPONENT_2, CKA_COEFFICIENT}) {
            byte[] value = hsm.call("read secret attribute", v.ref(), s -> {
                long h = hsm.handle(s, v.ref(), CKO_PRIVATE_KEY);
                try {
                    AttributeVector a = s.session().getAttrValues(h, attribute);
                    var attr = a.getAttribute(attribute);
                    return attr == null || attr.getValue() == null ? null : attr.getValue().toString().getBytes();
                } catch (PKCS11Exception e) {
                    assertThat(e.getErrorCode()).isEqualTo(CKR_ATTRIBUTE_SENSITIVE);
                    return null;
                }
            });
            assertThat(value).as("attribute 0x%x of the private key", attribute).isNull();
        }
    }

    @Test
    void anAesKeyValueCannotBeRead() {
        KeyVersion v = hsm.keys().create(TestTokens.name("extraction/read-aes"), KeyType.AES_256, KeyUsage.KEY_WRAPPING);
        byte[] value = hsm.call("read CKA_VALUE", v.ref(), s -> {
            long h = hsm.handle(s, v.ref(), CKO_SECRET_KEY);
            try {
                return s.session().getAttrValues(h, CKA_VALUE).value();
            } catch (PKCS11Exception e) {
                assertThat(e.getErrorCode()).isEqualTo(CKR_ATTRIBUTE_SENSITIVE);
                return null;
            }
        });
        assertThat(value).isNull();
    }

    @Test
    void thePrivateKeyCannotBeWrappedOutEvenWithAKeyOfOurOwn() {
        KeyVersion kek = hsm.keys().create(TestTokens.name("extraction/wrap-out"), KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
        KeyVersion aes = hsm.keys().create(TestTokens.name("extraction/wrapping-key"), KeyType.AES_256, KeyUsage.KEY_WRAPPING);
        assertThatThrownBy(() -> hsm.call("wrap the private key out", kek.ref(), s -> {
            long priv = hsm.handle(s, kek.ref(), CKO_PRIVATE_KEY);
            long wrapping = hsm.handle(s, aes.ref(), CKO_SECRET_KEY);
            return s.session().wrapKey(new Mechanism(CKM_AES_KEY_WRAP_PAD), wrapping, priv);
        })).isInstanceOfSatisfying(HsmException.class, e -> {
            assertThat(e.failure()).isIn(HsmFailure.KEY_UNUSABLE, HsmFailure.UNSUPPORTED_ALGORITHM);
            assertThat(e.getMessage()).containsAnyOf("CKR_KEY_UNEXTRACTABLE", "CKR_KEY_NOT_WRAPPABLE",
                    "CKR_MECHANISM_INVALID");
        });
    }

    @Test
    void importedKeysAreLockedToo() throws Exception {
        var gen = java.security.KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        var jce = gen.generateKeyPair();
        KeyVersion v = hsm.keys().importRsa(TestTokens.name("extraction/imported"),
                (java.security.interfaces.RSAPrivateCrtKey) jce.getPrivate(), KeyUsage.KEY_WRAPPING);
        KeyProtection p = hsm.protection(v.ref());
        assertThat(p.sensitive()).isTrue();
        assertThat(p.extractable()).isFalse();
        // An imported key was once outside the token, and the token says so.
        assertThat(p.neverExtractable()).isFalse();
    }
}
