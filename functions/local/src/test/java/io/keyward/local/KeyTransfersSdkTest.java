package io.keyward.local;

import static io.keyward.local.VaultSdk.assertStatus;
import static io.keyward.local.VaultSdk.policy;
import static org.assertj.core.api.Assertions.assertThat;

import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.models.KeyWrapAlgorithm;
import com.azure.security.keyvault.keys.models.CreateRsaKeyOptions;
import com.azure.security.keyvault.keys.models.ImportKeyOptions;
import com.azure.security.keyvault.keys.models.JsonWebKey;
import com.azure.security.keyvault.keys.models.KeyOperation;
import com.azure.security.keyvault.keys.models.KeyProperties;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyObject;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.StreamSupport;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Key Vault's ImportKey, BackupKey and RestoreKey through the official Azure SDK ({@code KeyClient} 4.10.3) against
 * the local host, on the real SoftHSM2 token and PostgreSQL: an imported key does what the caller's own copy does
 * and is locked in the token; backup, delete, purge and restore bring back every version, so data wrapped before
 * unwraps after; edited and foreign blobs, name conflicts and callers without the permission are refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyTransfersSdkTest {
    private static final String TENANT = "c0000000-0000-4000-8000-00000000c013";
    private static final String SUBSCRIPTION = "c0000000-0000-4000-8000-0000000005c1";
    private static final String VAULT = "kwxfer1";
    private static final String OTHER_VAULT = "kwxfer2";
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private TestHost host;
    private VaultSdk sdk;
    private ClientCredentials owner;
    private ClientCredentials reader;
    private ClientCredentials importer;
    private ClientCredentials backupOnly;
    private ClientCredentials restorer;

    @BeforeAll
    void vaults() throws Exception {
        host = TestHost.get();
        sdk = new VaultSdk(host);
        owner = host.owner(host.newClient(TENANT, "xfer-owner"), SUBSCRIPTION);
        reader = host.newClient(TENANT, "xfer-reader");
        importer = host.newClient(TENANT, "xfer-importer");
        backupOnly = host.newClient(TENANT, "xfer-backup");
        restorer = host.newClient(TENANT, "xfer-restorer");
        String policies = policy(owner, "\"all\"") + "," + policy(reader, "\"get\",\"list\",\"wrapKey\",\"unwrapKey\"")
                + "," + policy(importer, "\"import\"") + "," + policy(backupOnly, "\"backup\"");
        sdk.putVault(owner, SUBSCRIPTION, "rg-xfer", VAULT, false, policies);
        sdk.putVault(owner, SUBSCRIPTION, "rg-xfer", OTHER_VAULT, false, policy(owner, "\"all\"") + "," + policy(restorer, "\"restore\""));
    }

    @Test
    void anImportedKeyWrapsAndUnwrapsAsTheCallersOwnCopyAndIsLockedInTheToken() throws Exception {
        KeyClient keys = sdk.keyClient(VAULT, owner);
        KeyPair pair = rsa(2048);
        String name = keyName();
        KeyVaultKey imported = keys.importKey(name, JsonWebKey.fromRsa(pair,
                List.of(KeyOperation.WRAP_KEY, KeyOperation.UNWRAP_KEY)));

        assertThat(imported.getKey().hasPrivateKey()).isFalse();
        assertThat(new BigInteger(1, imported.getKey().getN())).isEqualTo(((RSAPrivateCrtKey) pair.getPrivate()).getModulus());
        assertThat(imported.getKeyOperations()).containsExactlyInAnyOrder(KeyOperation.WRAP_KEY, KeyOperation.UNWRAP_KEY);
        CryptographyClient crypto = sdk.remoteCrypto(imported.getId(), owner);
        byte[] aek = aek();
        // wrapped by the caller's own copy of the public key, unwrapped in the HSM, and the other way round
        assertThat(crypto.unwrapKey(KeyWrapAlgorithm.RSA_OAEP, oaep(Cipher.ENCRYPT_MODE, pair, aek)).getKey()).isEqualTo(aek);
        byte[] wrapped = crypto.wrapKey(KeyWrapAlgorithm.RSA_OAEP, aek).getEncryptedKey();
        assertThat(oaep(Cipher.DECRYPT_MODE, pair, wrapped)).isEqualTo(aek);

        // what the token reports of the objects: the private half sensitive, wrappable only by a trusted key
        List<KeyObject> objects = host.bean(Hsm.class).keys().inventory().stream()
                .filter(o -> o.id().equals(imported.getProperties().getVersion()) && o.label().endsWith("/" + name.toLowerCase()))
                .toList();
        assertThat(objects).extracting(KeyObject::kind).containsExactlyInAnyOrder(KeyObject.Kind.PRIVATE, KeyObject.Kind.PUBLIC);
        KeyObject priv = objects.stream().filter(o -> o.kind() == KeyObject.Kind.PRIVATE).findFirst().orElseThrow();
        assertThat(priv.sensitive()).isTrue();
        assertThat(priv.wrapWithTrusted()).isTrue();
        assertThat(priv.locked()).isTrue();
        assertThat(host.bean(Hsm.class).protection(new io.keyward.hsm.KeyVersionRef(priv.label(), priv.id())).sensitive()).isTrue();
        assertPrivatePartsNotInTheDatabase((RSAPrivateCrtKey) pair.getPrivate());

        // a second import of the name is a new version
        KeyVaultKey second = keys.importKey(new ImportKeyOptions(name, JsonWebKey.fromRsa(rsa(3072))).setHardwareProtected(true));
        assertThat(second.getProperties().getVersion()).isNotEqualTo(imported.getProperties().getVersion());
        assertThat(second.getKey().getN()).hasSize(384);
        assertThat(StreamSupport.stream(keys.listPropertiesOfKeyVersions(name).spliterator(), false)
                .map(KeyProperties::getVersion)).hasSize(2);
    }

    @Test
    void malformedKeysAreRefusedNamingTheProblemWithoutEchoingKeyMaterial() throws Exception {
        KeyPair pair = rsa(2048);
        Map<String, Object> good = jwk(pair);
        RSAPrivateCrtKey other = (RSAPrivateCrtKey) rsa(2048).getPrivate();
        String token = host.token(owner, Audiences.KEY_VAULT);
        record Case(String what, UnaryOperator<Map<String, Object>> edit, String message) {
        }
        List<Case> cases = List.of(
                new Case("no dp", j -> without(j, "dp"), "'dp'"),
                new Case("no d", j -> without(j, "d"), "'d'"),
                new Case("EC", j -> with(j, "kty", "EC"), "'EC' cannot be imported"),
                new Case("oct", j -> with(without(j, "n"), "kty", "oct"), "'oct' cannot be imported"),
                new Case("d of another key", j -> with(j, "d", b64(other.getPrivateExponent())), "private exponent d"),
                new Case("q of another key", j -> with(j, "q", b64(other.getPrimeQ())), "do not make the modulus"),
                new Case("qi wrong", j -> with(j, "qi", b64(BigInteger.TWO)), "qi"),
                new Case("1024 bits", j -> jwk(rsa(1024)), "too small"),
                new Case("not base64", j -> with(j, "p", "!!!"), "'p'"));
        for (Case c : cases) {
            Map<String, Object> bad = c.edit().apply(new java.util.LinkedHashMap<>(good));
            HttpResponse<String> r = sdk.raw("PUT", VAULT, "keys/" + keyName() + "?api-version=7.5", token,
                    "{\"key\":" + json(bad) + "}");
            assertThat(r.statusCode()).as(c.what() + ": " + r.body()).isEqualTo(400);
            assertThat(r.body()).as(c.what()).contains("\"code\":\"BadParameter\"").contains(c.message());
            for (Object value : bad.values()) {
                if (value instanceof String s && s.length() > 8) {
                    assertThat(r.body()).as(c.what() + " echoes key material").doesNotContain(s);
                }
            }
        }
        HttpResponse<String> software = sdk.raw("PUT", VAULT, "keys/" + keyName() + "?api-version=7.6", token,
                "{\"Hsm\":false,\"key\":" + json(good) + "}");
        assertThat(software.statusCode()).isEqualTo(400);
        assertThat(software.body()).contains("Hsm false");
        HttpResponse<String> released = sdk.raw("PUT", VAULT, "keys/" + keyName() + "?api-version=7.6", token,
                "{\"key\":" + json(good) + ",\"release_policy\":{\"contentType\":\"application/json\"}}");
        assertThat(released.statusCode()).isEqualTo(400);
        assertThat(released.body()).contains("release_policy");
    }

    @Test
    void backupDeletePurgeRestoreBringsBackEveryVersionAndOldWrappedDataUnwraps() {
        KeyClient keys = sdk.keyClient(VAULT, owner);
        String name = keyName();
        KeyVaultKey first = keys.createRsaKey(new CreateRsaKeyOptions(name).setKeySize(2048)
                .setTags(Map.of("team", "data")));
        KeyVaultKey second = keys.importKey(name, JsonWebKey.fromRsa(rsa(2048)));
        byte[] aek = aek();
        byte[] wrapped = sdk.remoteCrypto(first.getId(), owner).wrapKey(KeyWrapAlgorithm.RSA_OAEP, aek).getEncryptedKey();

        byte[] blob = keys.backupKey(name);
        keys.beginDeleteKey(name).waitForCompletion();
        keys.purgeDeletedKey(name);
        assertStatus(() -> keys.getKey(name), 404, "not found");

        KeyVaultKey restored = keys.restoreKeyBackup(blob);
        assertThat(restored.getId()).isEqualTo(second.getId());
        assertThat(StreamSupport.stream(keys.listPropertiesOfKeyVersions(name).spliterator(), false)
                .map(KeyProperties::getVersion))
                .containsExactlyInAnyOrder(first.getProperties().getVersion(), second.getProperties().getVersion());
        KeyVaultKey firstBack = keys.getKey(name, first.getProperties().getVersion());
        assertThat(firstBack.getProperties().getTags()).isEqualTo(Map.of("team", "data"));
        assertThat(firstBack.getProperties().getCreatedOn()).isEqualTo(first.getProperties().getCreatedOn());
        assertThat(firstBack.getKey().getN()).isEqualTo(first.getKey().getN());
        assertThat(sdk.remoteCrypto(first.getId(), owner).unwrapKey(KeyWrapAlgorithm.RSA_OAEP, wrapped).getKey()).isEqualTo(aek);
    }

    @Test
    void aRestoreOverAnExistingNameIsAConflict() {
        KeyClient keys = sdk.keyClient(VAULT, owner);
        String name = keyName();
        keys.createRsaKey(new CreateRsaKeyOptions(name).setKeySize(2048));
        byte[] blob = keys.backupKey(name);
        assertStatus(() -> keys.restoreKeyBackup(blob), 409, "already exists");
        keys.beginDeleteKey(name).waitForCompletion();
        // soft-deleted still holds the name, as on Key Vault
        assertStatus(() -> keys.restoreKeyBackup(blob), 409, "already exists");
    }

    @Test
    void aBlobEditedInAnyByteOrFromAnotherHsmIsRefused() throws Exception {
        KeyClient keys = sdk.keyClient(VAULT, owner);
        String name = keyName();
        keys.createRsaKey(new CreateRsaKeyOptions(name).setKeySize(2048));
        byte[] blob = keys.backupKey(name);
        keys.beginDeleteKey(name).waitForCompletion();
        keys.purgeDeletedKey(name);
        String token = host.token(owner, Audiences.KEY_VAULT);
        // every byte of the header (magic, format, backup key id, length, wrapped content key, nonce), then samples
        // of the ciphertext and its tag
        int header = 4 + 1 + 16 + 2 + (((blob[21] & 0xff) << 8) | (blob[22] & 0xff)) + 12;
        for (int i = 0; i < blob.length; i += i < header ? 1 : 97) {
            byte[] edited = blob.clone();
            edited[i] ^= 0x01;
            HttpResponse<String> r = sdk.raw("POST", VAULT, "keys/restore?api-version=7.6", token,
                    "{\"value\":\"" + B64URL.encodeToString(edited) + "\"}");
            assertThat(r.statusCode()).as("byte %d: %s", i, r.body()).isEqualTo(400);
            assertThat(r.body()).contains("BadParameter");
        }
        byte[] last = blob.clone();
        last[last.length - 1] ^= 0x01;
        assertThat(sdk.raw("POST", VAULT, "keys/restore?api-version=7.6", token,
                "{\"value\":\"" + B64URL.encodeToString(last) + "\"}").statusCode()).isEqualTo(400);
        byte[] foreign = blob.clone();
        for (int i = 5; i < 21; i++) {
            foreign[i] = (byte) (i * 7);
        }
        HttpResponse<String> r = sdk.raw("POST", VAULT, "keys/restore?api-version=7.6", token,
                "{\"value\":\"" + B64URL.encodeToString(foreign) + "\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("does not hold");
        // nothing was restored by any of them; the untouched blob still restores
        assertStatus(() -> keys.getKey(name), 404, "not found");
        assertThat(keys.restoreKeyBackup(blob).getName()).isEqualTo(name);
    }

    @Test
    void eachOperationNeedsItsOwnPermission() throws Exception {
        KeyPair pair = rsa(2048);
        String name = keyName();
        assertStatus(() -> sdk.keyClient(VAULT, reader).importKey(name, JsonWebKey.fromRsa(pair)), 403, "import");
        assertStatus(() -> sdk.keyClient(VAULT, backupOnly).importKey(name, JsonWebKey.fromRsa(pair)), 403, "import");
        sdk.keyClient(VAULT, importer).importKey(name, JsonWebKey.fromRsa(pair));

        assertStatus(() -> sdk.keyClient(VAULT, reader).backupKey(name), 403, "backup");
        assertStatus(() -> sdk.keyClient(VAULT, importer).backupKey(name), 403, "backup");
        byte[] blob = sdk.keyClient(VAULT, backupOnly).backupKey(name);

        assertStatus(() -> sdk.keyClient(VAULT, reader).restoreKeyBackup(blob), 403, "restore");
        assertStatus(() -> sdk.keyClient(VAULT, backupOnly).restoreKeyBackup(blob), 403, "restore");
        // into another vault of this Keyward, where the caller may restore
        KeyVaultKey there = sdk.keyClient(OTHER_VAULT, restorer).restoreKeyBackup(blob);
        assertThat(there.getId()).startsWith(host.vaultUri(OTHER_VAULT) + "keys/" + name + "/");
        byte[] aek = aek();
        assertThat(sdk.remoteCrypto(there.getId(), owner).unwrapKey(KeyWrapAlgorithm.RSA_OAEP,
                oaep(Cipher.ENCRYPT_MODE, pair, aek)).getKey()).isEqualTo(aek);
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Every row of every table, as JSON (bytea as hex): none holds d, p or q in any of the encodings a row could. */
    private void assertPrivatePartsNotInTheDatabase(RSAPrivateCrtKey k) throws Exception {
        List<String> needles = new java.util.ArrayList<>();
        for (BigInteger part : List.of(k.getPrivateExponent(), k.getPrimeP(), k.getPrimeQ())) {
            String hex = part.toString(16);
            needles.add(hex.substring(0, 32));
            needles.add(b64(part).substring(0, 24));
            needles.add(Base64.getEncoder().encodeToString(part.toByteArray()).substring(4, 28));
        }
        var db = host.host().database();
        int rows = 0;
        try (var c = java.sql.DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             var tables = c.createStatement().executeQuery(
                     "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")) {
            List<String> names = new java.util.ArrayList<>();
            while (tables.next()) {
                names.add(tables.getString(1));
            }
            for (String t : names) {
                try (var r = c.createStatement().executeQuery("SELECT row_to_json(x)::text FROM \"" + t + "\" x")) {
                    while (r.next()) {
                        rows++;
                        String row = r.getString(1).toLowerCase(java.util.Locale.ROOT);
                        for (String n : needles) {
                            assertThat(row).as("a row of %s", t).doesNotContain(n.toLowerCase(java.util.Locale.ROOT));
                        }
                    }
                }
            }
        }
        assertThat(rows).as("rows scanned").isPositive();
    }

    private static KeyPair rsa(int bits) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(bits);
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RSA-OAEP with SHA-1 (Key Vault's RSA-OAEP) with the caller's own copy of the key. */
    private static byte[] oaep(int mode, KeyPair pair, byte[] input) throws Exception {
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
        c.init(mode, mode == Cipher.ENCRYPT_MODE ? pair.getPublic() : pair.getPrivate(),
                new OAEPParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT));
        return c.doFinal(input);
    }

    private static Map<String, Object> jwk(KeyPair pair) {
        RSAPrivateCrtKey k = (RSAPrivateCrtKey) pair.getPrivate();
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("kty", "RSA");
        m.put("n", b64(k.getModulus()));
        m.put("e", b64(k.getPublicExponent()));
        m.put("d", b64(k.getPrivateExponent()));
        m.put("p", b64(k.getPrimeP()));
        m.put("q", b64(k.getPrimeQ()));
        m.put("dp", b64(k.getPrimeExponentP()));
        m.put("dq", b64(k.getPrimeExponentQ()));
        m.put("qi", b64(k.getCrtCoefficient()));
        return m;
    }

    private static String b64(BigInteger i) {
        byte[] b = i.toByteArray();
        return B64URL.encodeToString(b[0] == 0 && b.length > 1 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b);
    }

    private static Map<String, Object> without(Map<String, Object> m, String key) {
        m.remove(key);
        return m;
    }

    private static Map<String, Object> with(Map<String, Object> m, String key, String value) {
        m.put(key, value);
        return m;
    }

    private static String json(Map<String, Object> m) {
        StringBuilder b = new StringBuilder("{");
        m.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append('"').append(k).append("\":\"").append(v).append('"'));
        return b.append('}').toString();
    }

    private static String keyName() {
        return "x-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static byte[] aek() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
