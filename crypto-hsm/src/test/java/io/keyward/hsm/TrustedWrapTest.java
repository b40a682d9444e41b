package io.keyward.hsm;

import org.junit.jupiter.api.Test;
import org.xipki.pkcs11.wrapper.AttributeVector;
import org.xipki.pkcs11.wrapper.Mechanism;
import org.xipki.pkcs11.wrapper.PKCS11Exception;

import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.*;

/**
 * What SoftHSM2 (2.6.1) enforces of {@link KeyExport#WRAPPED_BY_TRUSTED_KEY} and the {@link KeyBackup} key, measured:
 * a vault key can be wrapped out only by the SO's trusted key, its private parts are never readable, it cannot be made
 * readable by changing attributes, and what the trusted key unwraps is sensitive again.
 */
class TrustedWrapTest {
    private final Hsm hsm = TestTokens.shared();

    private KeyVersion exportable(String name) {
        return hsm.keys().create(TestTokens.name(name), KeyType.RSA_2048, KeyUsage.KEY_WRAPPING,
                KeyExport.WRAPPED_BY_TRUSTED_KEY);
    }

    @Test
    void theTokenHasATrustedBackupKeyThatNeverLeavesIt() {
        String id = hsm.backup().keyId().orElseThrow();
        assertThat(hsm.backup().holds(id)).isTrue();
        assertThat(hsm.backup().holds("00".repeat(16))).isFalse();
        KeyProtection p = hsm.protection(new KeyVersionRef(KeyBackup.LABEL, id));
        assertThat(p.isLockedInToken()).as("the backup key itself is sensitive and never extractable").isTrue();
        Boolean trusted = hsm.call("read CKA_TRUSTED", null, s -> s.session().getAttrValues(
                hsm.handle(s, new KeyVersionRef(KeyBackup.LABEL, id), CKO_SECRET_KEY), CKA_TRUSTED).trusted());
        assertThat(trusted).isTrue();
    }

    @Test
    void aUserSessionCannotMakeATrustedKeyNorChangeTheBackupKey() {
        String id = hsm.backup().keyId().orElseThrow();
        assertThatThrownBy(() -> hsm.call("make a trusted key as the user", null, s -> s.session().generateKey(
                new Mechanism(CKM_AES_KEY_GEN), KeyBackup.trustedTemplate(hsm.random(16)).private_(true)
                        .label(TestTokens.name("fake-trusted")))))
                .isInstanceOfSatisfying(HsmException.class, e -> assertThat(e.getMessage()).contains("CKR_ATTRIBUTE_READ_ONLY"));
        assertThatThrownBy(() -> hsm.call("widen the backup key", null, s -> {
            s.session().setAttributeValues(hsm.handle(s, new KeyVersionRef(KeyBackup.LABEL, id), CKO_SECRET_KEY),
                    new AttributeVector().unwrapTemplate(new AttributeVector().sensitive(false)));
            return null;
        })).isInstanceOfSatisfying(HsmException.class, e -> assertThat(e.getMessage()).contains("CKR_ACTION_PROHIBITED"));
    }

    @Test
    void anUntrustedWrappingKeyIsRefused() {
        KeyVersion kek = exportable("trusted/untrusted-wrap");
        KeyVersion aes = hsm.keys().create(TestTokens.name("trusted/own-aes"), KeyType.AES_256, KeyUsage.KEY_WRAPPING);
        String id = hsm.backup().keyId().orElseThrow();
        for (KeyVersionRef wrapping : new KeyVersionRef[] {aes.ref(), new KeyVersionRef(KeyBackup.SEAL_LABEL, id)}) {
            assertThatThrownBy(() -> hsm.call("wrap out with an untrusted key", kek.ref(), s -> s.session().wrapKey(
                    new Mechanism(hsm.config().aesKwpMechanism()), hsm.handle(s, wrapping, CKO_SECRET_KEY),
                    hsm.handle(s, kek.ref(), CKO_PRIVATE_KEY))))
                    .as("wrapping with %s", wrapping)
                    .isInstanceOfSatisfying(HsmException.class, e -> assertThat(e.getMessage()).contains("CKR_KEY_NOT_WRAPPABLE"));
        }
    }

    @Test
    void theRawValueCanNeverBeReadNorMadeReadable() {
        KeyVersion kek = exportable("trusted/read");
        hsm.call("read and loosen", kek.ref(), s -> {
            long priv = hsm.handle(s, kek.ref(), CKO_PRIVATE_KEY);
            for (long attribute : new long[] {CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1,
                    CKA_EXPONENT_2, CKA_COEFFICIENT}) {
                Object value;
                try {
                    var a = s.session().getAttrValues(priv, attribute).getAttribute(attribute);
                    value = a == null ? null : a.getValue();
                } catch (PKCS11Exception e) {
                    assertThat(e.getErrorCode()).isEqualTo(CKR_ATTRIBUTE_SENSITIVE);
                    value = null;
                }
                assertThat(value).as("attribute 0x%x", attribute).isNull();
            }
            for (AttributeVector loosen : new AttributeVector[] {new AttributeVector().sensitive(false),
                    new AttributeVector().wrapWithTrusted(false)}) {
                assertThatThrownBy(() -> s.session().setAttributeValues(priv, loosen))
                        .isInstanceOfSatisfying(PKCS11Exception.class,
                                e -> assertThat(e.getErrorCode()).isEqualTo(CKR_ATTRIBUTE_READ_ONLY));
            }
            return null;
        });
        KeyObject o = hsm.keys().inventory().stream().filter(x -> x.label().equals(kek.ref().name())
                && x.kind() == KeyObject.Kind.PRIVATE).findFirst().orElseThrow();
        assertThat(o.sensitive()).isTrue();
        assertThat(o.extractable()).isTrue();
        assertThat(o.wrapWithTrusted()).isTrue();
        assertThat(o.locked()).isTrue();
        assertThat(o.conformsTo(KeyUsage.KEY_WRAPPING)).isTrue();
    }

    @Test
    void whatTheTrustedKeyUnwrapsIsSensitiveAgain() {
        KeyVersion kek = exportable("trusted/unwrap-attack");
        String id = hsm.backup().keyId().orElseThrow();
        byte[] wrapped = hsm.backup().wrapOut(id, kek.ref());
        assertThatThrownBy(() -> hsm.call("unwrap as readable", null, s -> s.session().unwrapKey(
                new Mechanism(hsm.config().aesKwpMechanism()), hsm.handle(s, new KeyVersionRef(KeyBackup.LABEL, id), CKO_SECRET_KEY),
                wrapped, AttributeVector.newRSAPrivateKey().token(false).sensitive(false).extractable(true))))
                .isInstanceOfSatisfying(HsmException.class, e -> assertThat(e.getMessage()).contains("CKR_TEMPLATE_INCONSISTENT"));
    }

    @Test
    void aKeyWrappedOutRestoresAndStillUnwrapsWhatItWrapped() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        RSAPrivateCrtKey jce = (RSAPrivateCrtKey) gen.generateKeyPair().getPrivate();
        KeyVersion kek = hsm.keys().importRsa(TestTokens.name("trusted/roundtrip"), jce, KeyUsage.KEY_WRAPPING,
                KeyExport.WRAPPED_BY_TRUSTED_KEY);
        byte[] aek = hsm.random(32);
        byte[] wrappedAek = hsm.wrap(kek.ref(), WrapAlgorithm.RSA_OAEP, aek);
        RsaPublicKey pub = hsm.keys().publicKey(kek.ref());
        String id = hsm.backup().keyId().orElseThrow();
        byte[] wrappedKey = hsm.backup().wrapOut(id, kek.ref());
        assertThat(hsm.keys().delete(kek.ref())).isEqualTo(2);

        KeyVersion back = hsm.backup().restore(id, kek.ref(), KeyType.RSA_2048, wrappedKey, KeyUsage.KEY_WRAPPING, pub);
        assertThat(back.ref()).isEqualTo(kek.ref());
        assertThat(hsm.unwrap(kek.ref(), WrapAlgorithm.RSA_OAEP, wrappedAek)).isEqualTo(aek);
        KeyProtection p = hsm.protection(kek.ref());
        assertThat(p.sensitive()).isTrue();
        assertThat(p.token()).isTrue();

        // a second restore of the same version is refused; an edited blob and a wrong public key leave nothing
        assertThatThrownBy(() -> hsm.backup().restore(id, kek.ref(), KeyType.RSA_2048, wrappedKey, KeyUsage.KEY_WRAPPING, pub))
                .isInstanceOfSatisfying(HsmException.class, e -> assertThat(e.failure()).isEqualTo(HsmFailure.BAD_INPUT));
        KeyVersionRef other = new KeyVersionRef(TestTokens.name("trusted/roundtrip-other"), kek.ref().version());
        byte[] edited = wrappedKey.clone();
        edited[edited.length / 2] ^= 1;
        assertThatThrownBy(() -> hsm.backup().restore(id, other, KeyType.RSA_2048, edited, KeyUsage.KEY_WRAPPING, pub))
                .isInstanceOfSatisfying(HsmException.class, e -> assertThat(e.failure()).isEqualTo(HsmFailure.BAD_INPUT));
        RsaPublicKey wrongPub = new RsaPublicKey(pub.modulus().add(java.math.BigInteger.TWO), pub.publicExponent());
        assertThatThrownBy(() -> hsm.backup().restore(id, other, KeyType.RSA_2048, wrappedKey, KeyUsage.KEY_WRAPPING, wrongPub))
                .isInstanceOfSatisfying(HsmException.class, e -> assertThat(e.failure()).isEqualTo(HsmFailure.BAD_INPUT));
        assertThat(hsm.keys().objectCount(other)).isZero();
    }

    @Test
    void aesKeysAreNotRestoredSinceTheTokenLosesTheirLengthAndContentKeysSealWithTheSealKey() {
        KeyVersion aes = hsm.keys().create(TestTokens.name("trusted/aes"), KeyType.AES_256, KeyUsage.KEY_WRAPPING,
                KeyExport.WRAPPED_BY_TRUSTED_KEY);
        String id = hsm.backup().keyId().orElseThrow();
        byte[] out = hsm.backup().wrapOut(id, aes.ref());
        // measured: SoftHSM2 refuses CKA_VALUE_LEN in an unwrap template, so restore says so instead of trying
        assertThatThrownBy(() -> hsm.call("unwrap AES with its length", null, s -> s.session().unwrapKey(
                new Mechanism(hsm.config().aesKwpMechanism()), hsm.handle(s, new KeyVersionRef(KeyBackup.LABEL, id), CKO_SECRET_KEY),
                out, AttributeVector.newAESSecretKey().token(false).sensitive(true).wrapWithTrusted(true).valueLen(32))))
                .isInstanceOfSatisfying(HsmException.class, e -> assertThat(e.getMessage()).contains("CKR_ATTRIBUTE_READ_ONLY"));
        KeyVersionRef other = new KeyVersionRef(TestTokens.name("trusted/aes-other"), aes.ref().version());
        assertThatThrownBy(() -> hsm.backup().restore(id, other, KeyType.AES_256, out, KeyUsage.KEY_WRAPPING, null))
                .isInstanceOfSatisfying(HsmException.class, e -> assertThat(e.failure()).isEqualTo(HsmFailure.UNSUPPORTED_ALGORITHM));

        byte[] cek = hsm.random(32);
        assertThat(hsm.backup().unwrapSecret(id, hsm.backup().wrapSecret(id, cek))).isEqualTo(cek);
    }

    @Test
    void anotherTokenHasItsOwnBackupKeyAndCannotRestoreThisOnesKeys() {
        KeyVersion kek = exportable("trusted/foreign");
        RsaPublicKey pub = hsm.keys().publicKey(kek.ref());
        String id = hsm.backup().keyId().orElseThrow();
        byte[] wrapped = hsm.backup().wrapOut(id, kek.ref());
        byte[] cek = hsm.random(32);
        byte[] sealed = hsm.backup().wrapSecret(id, cek);
        try (Hsm other = Hsm.open(TestTokens.config("keyward-test-other").build())) {
            String otherId = other.backup().keyId().orElseThrow();
            assertThat(otherId).isNotEqualTo(id);
            assertThat(other.backup().holds(id)).isFalse();
            assertThatThrownBy(() -> other.backup().restore(otherId, kek.ref(), KeyType.RSA_2048, wrapped,
                    KeyUsage.KEY_WRAPPING, pub)).isInstanceOfSatisfying(HsmException.class,
                    e -> assertThat(e.failure()).isEqualTo(HsmFailure.BAD_INPUT));
            assertThatThrownBy(() -> other.backup().unwrapSecret(otherId, sealed)).isInstanceOf(HsmException.class);
            assertThat(other.keys().objectCount(kek.ref())).isZero();
        }
    }
}
