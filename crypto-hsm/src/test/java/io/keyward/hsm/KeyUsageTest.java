package io.keyward.hsm;

import org.junit.jupiter.api.Test;
import org.xipki.pkcs11.wrapper.AttributeVector;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.xipki.pkcs11.wrapper.PKCS11Constants.*;

/**
 * Least privilege in the token: a key version is made with only the usages it is for, every other usage attribute
 * false (SoftHSM2 turns several on by itself), and the token, not only Keyward, refuses any other use. Attributes are
 * read straight through the PKCS#11 wrapper here, not through {@link KeyStore}.
 */
class KeyUsageTest {
    private final Hsm hsm = TestTokens.shared();

    @Test
    void aSigningKeySignsAndDoesNothingElse() {
        KeyVersion key = hsm.keys().create(TestTokens.name("usage/signing"), KeyType.RSA_2048, KeyUsage.SIGNING);

        assertThat(raw(key.ref(), CKO_PRIVATE_KEY)).containsExactly(Map.entry(CKA_SIGN, true));
        assertThat(raw(key.ref(), CKO_PUBLIC_KEY)).containsExactly(Map.entry(CKA_VERIFY, true));
        assertThat(hsm.sign(key.ref(), SignAlgorithm.RS256, new byte[] {1, 2, 3})).hasSize(256);
        byte[] wrapped = oaep(key);
        refusedByTheToken(() -> hsm.unwrap(key.ref(), WrapAlgorithm.RSA_OAEP, wrapped));
        refusedByTheToken(() -> hsm.decrypt(key.ref(), WrapAlgorithm.RSA_OAEP, wrapped));
        refusedByTheToken(() -> hsm.wrap(key.ref(), WrapAlgorithm.RSA_OAEP, hsm.random(32)));
        refusedByTheToken(() -> hsm.encrypt(key.ref(), WrapAlgorithm.RSA_OAEP, hsm.random(32)));
    }

    @Test
    void aKeyEncryptionKeyWrapsAndUnwrapsAndDoesNothingElse() {
        KeyVersion kek = hsm.keys().create(TestTokens.name("usage/kek"), KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);

        assertThat(raw(kek.ref(), CKO_PRIVATE_KEY)).containsExactly(Map.entry(CKA_UNWRAP, true));
        assertThat(raw(kek.ref(), CKO_PUBLIC_KEY)).containsExactly(Map.entry(CKA_WRAP, true));
        byte[] aek = hsm.random(32);
        assertThat(hsm.unwrap(kek.ref(), WrapAlgorithm.RSA_OAEP, hsm.wrap(kek.ref(), WrapAlgorithm.RSA_OAEP, aek)))
                .isEqualTo(aek);
        refusedByTheToken(() -> hsm.sign(kek.ref(), SignAlgorithm.RS256, new byte[] {1}));
        refusedByTheToken(() -> hsm.decrypt(kek.ref(), WrapAlgorithm.RSA_OAEP, oaep(kek)));
        refusedByTheToken(() -> hsm.encrypt(kek.ref(), WrapAlgorithm.RSA_OAEP, aek));
    }

    @Test
    void encryptAndWrapAreSeparateUsages() {
        KeyVersion key = hsm.keys().create(TestTokens.name("usage/encrypt-only"), KeyType.RSA_2048,
                EnumSet.of(KeyUsage.ENCRYPT, KeyUsage.DECRYPT));
        byte[] data = hsm.random(20);

        assertThat(hsm.decrypt(key.ref(), WrapAlgorithm.RSA1_5, hsm.encrypt(key.ref(), WrapAlgorithm.RSA1_5, data)))
                .isEqualTo(data);
        refusedByTheToken(() -> hsm.wrap(key.ref(), WrapAlgorithm.RSA1_5, data));
        refusedByTheToken(() -> hsm.unwrap(key.ref(), WrapAlgorithm.RSA1_5, hsm.encrypt(key.ref(), WrapAlgorithm.RSA1_5, data)));
    }

    @Test
    void anAesKeyGetsOnlyItsUsages() {
        KeyVersion aes = hsm.keys().create(TestTokens.name("usage/aes"), KeyType.AES_256, KeyUsage.KEY_WRAPPING);
        KeyVersion imported = hsm.keys().importAes(TestTokens.name("usage/aes-imported"), hsm.random(32),
                EnumSet.of(KeyUsage.UNWRAP));

        assertThat(raw(aes.ref(), CKO_SECRET_KEY)).containsOnly(Map.entry(CKA_WRAP, true), Map.entry(CKA_UNWRAP, true));
        assertThat(raw(imported.ref(), CKO_SECRET_KEY)).containsExactly(Map.entry(CKA_UNWRAP, true));
        refusedByTheToken(() -> hsm.wrap(imported.ref(), WrapAlgorithm.A256KW, hsm.random(32)));
    }

    @Test
    void usagesCanBeNarrowedAndWidenedWhereTheTokenAllowsIt() {
        KeyVersion key = hsm.keys().create(TestTokens.name("usage/changing"), KeyType.RSA_2048,
                EnumSet.allOf(KeyUsage.class));
        assertThat(objectsOf(key.ref())).noneMatch(o -> o.conformsTo(KeyUsage.KEY_WRAPPING));

        hsm.keys().setUsages(key.ref(), KeyUsage.KEY_WRAPPING);
        assertThat(objectsOf(key.ref())).hasSize(2).allMatch(o -> o.conformsTo(KeyUsage.KEY_WRAPPING));
        assertThat(raw(key.ref(), CKO_PRIVATE_KEY)).containsExactly(Map.entry(CKA_UNWRAP, true));
        refusedByTheToken(() -> hsm.sign(key.ref(), SignAlgorithm.RS256, new byte[] {1}));

        hsm.keys().setUsages(key.ref(), EnumSet.of(KeyUsage.UNWRAP, KeyUsage.SIGN));
        assertThat(raw(key.ref(), CKO_PRIVATE_KEY)).containsOnly(Map.entry(CKA_UNWRAP, true), Map.entry(CKA_SIGN, true));
        assertThat(raw(key.ref(), CKO_PUBLIC_KEY)).isEmpty();
        assertThat(hsm.sign(key.ref(), SignAlgorithm.RS256, new byte[] {1})).hasSize(256);
        refusedByTheToken(() -> hsm.wrap(key.ref(), WrapAlgorithm.RSA_OAEP, hsm.random(32)));

        assertThatThrownBy(() -> hsm.keys().setUsages(new KeyVersionRef(TestTokens.name("usage/none"),
                HexFormat.of().formatHex(hsm.random(16))), KeyUsage.SIGNING))
                .isInstanceOfSatisfying(HsmException.class, e -> assertThat(e.failure()).isEqualTo(HsmFailure.KEY_NOT_FOUND));
    }

    @Test
    void aTokenThatWillNotChangeAKeyRefusesClearlyAndTheKeyKeepsItsUsages() {
        KeyVersionRef ref = new KeyVersionRef(TestTokens.name("usage/fixed"), HexFormat.of().formatHex(hsm.random(16)));
        hsm.call("make an unmodifiable key", ref, s -> s.session().generateKey(new org.xipki.pkcs11.wrapper.Mechanism(CKM_AES_KEY_GEN),
                AttributeVector.newAESSecretKey().token(true).private_(true).label(ref.name()).id(ref.idBytes()).valueLen(32)
                        .sensitive(true).extractable(false).modifiable(false).wrap(true).unwrap(true).encrypt(false)
                        .decrypt(false).sign(false).verify(false).derive(false)));

        assertThatThrownBy(() -> hsm.keys().setUsages(ref, EnumSet.of(KeyUsage.UNWRAP)))
                .isInstanceOfSatisfying(HsmException.class, e -> {
                    assertThat(e.failure()).isEqualTo(HsmFailure.KEY_UNUSABLE);
                    assertThat(e.getMessage()).containsAnyOf("CKR_ACTION_PROHIBITED", "CKR_ATTRIBUTE_READ_ONLY");
                });
        assertThat(raw(ref, CKO_SECRET_KEY)).containsOnly(Map.entry(CKA_WRAP, true), Map.entry(CKA_UNWRAP, true));
        hsm.keys().delete(ref);
    }

    @Test
    void theInventoryListsEveryKeyObjectAsTheTokenReportsIt() {
        hsm.keys().create(TestTokens.name("usage/listed"), KeyType.RSA_2048, KeyUsage.SIGNING);
        List<KeyObject> inventory = hsm.keys().inventory();

        List<long[]> objects = hsm.call("list objects", null, s -> {
            List<long[]> out = new ArrayList<>();
            for (long cls : new long[] {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_SECRET_KEY}) {
                for (long h : s.session().findAllObjectsSingle(new AttributeVector().class_(cls).token(true))) {
                    out.add(new long[] {cls, h});
                }
            }
            return out;
        });
        assertThat(inventory).hasSize(objects.size());
        Map<String, KeyObject> byObject = inventory.stream().collect(Collectors.toMap(
                o -> o.kind() + "|" + o.label() + "|" + o.id(), Function.identity()));
        for (long[] o : objects) {
            AttributeVector a = hsm.call("read", null, s -> s.session().getAttrValues(o[1], CKA_LABEL, CKA_ID));
            String kind = o[0] == CKO_PRIVATE_KEY ? "PRIVATE" : o[0] == CKO_PUBLIC_KEY ? "PUBLIC" : "SECRET";
            KeyObject listed = byObject.get(kind + "|" + a.label() + "|" + HexFormat.of().formatHex(a.id()));
            assertThat(listed).as("%s %s", kind, a.label()).isNotNull();
            Set<Long> on = raw(o[0], o[1]).keySet();
            assertThat(listed.usages()).as("%s %s", kind, a.label()).isEqualTo(usagesOf(on));
            assertThat(listed.recoverOrDerive()).isEqualTo(on.contains(CKA_SIGN_RECOVER) || on.contains(CKA_VERIFY_RECOVER)
                    || on.contains(CKA_DERIVE));
            if (o[0] != CKO_PUBLIC_KEY) {
                assertThat(listed.sensitive()).isTrue();
                // never extractable, or (vault keys, KeyExport.WRAPPED_BY_TRUSTED_KEY) only wrapped by a trusted key
                assertThat(!listed.extractable() || listed.wrapWithTrusted()).as("%s %s extractable", kind, a.label()).isTrue();
                assertThat(listed.locked()).isTrue();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private static final long[] USAGE_ATTRIBUTES = {CKA_SIGN, CKA_DECRYPT, CKA_UNWRAP, CKA_VERIFY, CKA_ENCRYPT, CKA_WRAP,
            CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER, CKA_DERIVE};

    /** The usage attributes that are true on the version's object of {@code objectClass}, read one by one. */
    private Map<Long, Boolean> raw(KeyVersionRef ref, long objectClass) {
        long h = hsm.call("find", ref, s -> hsm.handle(s, ref, objectClass));
        return raw(objectClass, h);
    }

    private Map<Long, Boolean> raw(long objectClass, long handle) {
        return hsm.call("read usages", null, s -> {
            Map<Long, Boolean> on = new java.util.TreeMap<>();
            for (long attribute : USAGE_ATTRIBUTES) {
                if (!applies(objectClass, attribute)) {
                    continue;
                }
                Object value = s.session().getAttrValues(handle, attribute).getAttribute(attribute).getValue();
                if (Boolean.TRUE.equals(value)) {
                    on.put(attribute, true);
                }
            }
            return on;
        });
    }

    private static Set<KeyUsage> usagesOf(Set<Long> attributes) {
        Set<KeyUsage> out = EnumSet.noneOf(KeyUsage.class);
        Map<Long, KeyUsage> byAttribute = Map.of(CKA_SIGN, KeyUsage.SIGN, CKA_DECRYPT, KeyUsage.DECRYPT,
                CKA_UNWRAP, KeyUsage.UNWRAP, CKA_VERIFY, KeyUsage.VERIFY, CKA_ENCRYPT, KeyUsage.ENCRYPT, CKA_WRAP, KeyUsage.WRAP);
        attributes.stream().map(byAttribute::get).filter(java.util.Objects::nonNull).forEach(out::add);
        return out;
    }

    private static boolean applies(long objectClass, long attribute) {
        if (objectClass == CKO_PRIVATE_KEY) {
            return attribute != CKA_VERIFY && attribute != CKA_ENCRYPT && attribute != CKA_WRAP && attribute != CKA_VERIFY_RECOVER;
        }
        if (objectClass == CKO_PUBLIC_KEY) {
            return attribute != CKA_SIGN && attribute != CKA_DECRYPT && attribute != CKA_UNWRAP && attribute != CKA_SIGN_RECOVER;
        }
        return attribute != CKA_SIGN_RECOVER && attribute != CKA_VERIFY_RECOVER;
    }

    private List<KeyObject> objectsOf(KeyVersionRef ref) {
        return hsm.keys().inventory().stream().filter(o -> o.ref().filter(ref::equals).isPresent()).toList();
    }

    /** RSA-OAEP of 32 random bytes under the key's public half, made outside the token. */
    private byte[] oaep(KeyVersion key) {
        try {
            javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
            c.init(javax.crypto.Cipher.ENCRYPT_MODE, hsm.keys().publicKey(key.ref()).toJca());
            return c.doFinal(hsm.random(32));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void refusedByTheToken(Runnable use) {
        assertThatThrownBy(use::run).isInstanceOfSatisfying(HsmException.class, e -> {
            assertThat(e.failure()).isEqualTo(HsmFailure.KEY_UNUSABLE);
            assertThat(e.getMessage()).contains("CKR_KEY_FUNCTION_NOT_PERMITTED");
        });
    }
}
