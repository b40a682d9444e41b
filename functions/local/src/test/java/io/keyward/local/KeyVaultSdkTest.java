package io.keyward.local;

import static io.keyward.local.VaultSdk.assertStatus;
import static io.keyward.local.VaultSdk.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.security.keyvault.keys.KeyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClient;
import com.azure.security.keyvault.keys.cryptography.CryptographyClientBuilder;
import com.azure.security.keyvault.keys.cryptography.models.EncryptionAlgorithm;
import com.azure.security.keyvault.keys.cryptography.models.KeyWrapAlgorithm;
import com.azure.security.keyvault.keys.models.CreateRsaKeyOptions;
import com.azure.security.keyvault.keys.models.DeletedKey;
import com.azure.security.keyvault.keys.models.KeyProperties;
import com.azure.security.keyvault.keys.models.KeyType;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.ClientCredentials;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.SignAlgorithm;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Key Vault compatibility, proven with the official, unmodified Azure SDK clients ({@code KeyClient},
 * {@code CryptographyClient} 4.10.3) against the local host over HTTPS. The clients get nothing but trust material,
 * a credential that fetches real tokens from Keyward's token endpoint, and
 * {@code disableChallengeResourceVerification()} (the challenge names 127.0.0.1, not a vault.azure.net host).
 * Vaults are made through the ARM API; key names are random because the host's database outlives a run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyVaultSdkTest {
    private static final String TENANT = "c0000000-0000-4000-8000-00000000c001";
    private static final String OTHER_TENANT = "c0000000-0000-4000-8000-00000000c002";
    private static final String SUBSCRIPTION = "c0000000-0000-4000-8000-0000000005b1";
    /** soft delete, no purge protection */
    private static final String VAULT = "kwkeys1";
    /** soft delete and purge protection */
    private static final String PROTECTED_VAULT = "kwkeys2";
    private static final Pattern PRIVATE_JWK_MEMBER = Pattern.compile("\"(d|p|q|dp|dq|qi|k)\"\\s*:");

    private TestHost host;
    private VaultSdk sdk;
    private ClientCredentials owner;
    private ClientCredentials noUnwrap;
    private ClientCredentials localWrapper;
    private ClientCredentials stranger;

    @BeforeAll
    void vaults() throws Exception {
        host = TestHost.get();
        sdk = new VaultSdk(host);
        owner = host.owner(host.newClient(TENANT, "keys-owner"), SUBSCRIPTION);
        noUnwrap = host.newClient(TENANT, "keys-no-unwrap");
        localWrapper = host.newClient(TENANT, "keys-local-wrapper");
        stranger = host.newClient(OTHER_TENANT, "keys-stranger");
        String policies = policy(owner, "\"all\"") + "," + policy(noUnwrap, "\"get\",\"list\",\"wrapKey\",\"encrypt\"")
                + "," + policy(localWrapper, "\"get\",\"unwrapKey\"");
        sdk.putVault(owner, SUBSCRIPTION, "rg-keys", VAULT, false, policies);
        sdk.putVault(owner, SUBSCRIPTION, "rg-keys", PROTECTED_VAULT, true, policies);
    }

    @Test
    void createsRsaKeysWithVersionsAndNeverShowsPrivateParts() throws Exception {
        KeyClient keys = sdk.keyClient(VAULT, owner);
        String name = keyName();
        KeyVaultKey first = keys.createRsaKey(new CreateRsaKeyOptions(name).setKeySize(2048));
        KeyVaultKey second = keys.createRsaKey(new CreateRsaKeyOptions(name).setKeySize(2048));

        assertThat(first.getKeyType()).isIn(KeyType.RSA, KeyType.RSA_HSM);
        assertThat(first.getKey().getN()).hasSize(256);
        assertThat(first.getKey().hasPrivateKey()).isFalse();
        assertThat(first.getId()).startsWith(host.vaultUri(VAULT) + "keys/" + name + "/");
        assertThat(keys.getKey(name).getProperties().getVersion()).isEqualTo(second.getProperties().getVersion());
        assertThat(keys.getKey(name, first.getProperties().getVersion()).getKey().getN()).isEqualTo(first.getKey().getN());
        assertThat(StreamSupport.stream(keys.listPropertiesOfKeyVersions(name).spliterator(), false)
                .map(KeyProperties::getVersion))
                .containsExactlyInAnyOrder(first.getProperties().getVersion(), second.getProperties().getVersion());
        assertThat(StreamSupport.stream(keys.listPropertiesOfKeys().spliterator(), false).map(KeyProperties::getName))
                .contains(name);

        String token = host.token(owner, Audiences.KEY_VAULT);
        HttpResponse<String> got = sdk.raw("GET", VAULT, "keys/" + name + "?api-version=7.6", token, null);
        HttpResponse<String> created = sdk.raw("POST", VAULT, "keys/" + name + "/create?api-version=7.5", token,
                "{\"kty\":\"RSA\",\"key_size\":3072}");
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(created.statusCode()).isEqualTo(200);
        for (HttpResponse<String> r : List.of(got, created)) {
            assertThat(PRIVATE_JWK_MEMBER.matcher(r.body()).find()).as(r.body()).isFalse();
            assertThat(r.body()).contains("\"kty\":\"RSA-HSM\"").contains("\"recoveryLevel\":\"CustomizedRecoverable+Purgeable\"");
        }
        assertThat(sdk.raw("GET", VAULT, "keys/" + name + "?api-version=1999-01-01", token, null).statusCode())
                .isEqualTo(400);
    }

    @Test
    void aDisabledKeyRefusesWrapAndUnwrapUntilEnabledAgain() {
        KeyClient keys = sdk.keyClient(VAULT, owner);
        KeyVaultKey key = keys.createRsaKey(new CreateRsaKeyOptions(keyName()).setKeySize(2048));
        CryptographyClient crypto = sdk.remoteCrypto(key.getId(), owner);
        byte[] aek = aek();
        byte[] wrapped = crypto.wrapKey(KeyWrapAlgorithm.RSA_OAEP, aek).getEncryptedKey();

        keys.updateKeyProperties(key.getProperties().setEnabled(false));
        assertStatus(() -> crypto.wrapKey(KeyWrapAlgorithm.RSA_OAEP, aek), 403, "disabled");
        assertStatus(() -> crypto.unwrapKey(KeyWrapAlgorithm.RSA_OAEP, wrapped), 403, "disabled");

        keys.updateKeyProperties(key.getProperties().setEnabled(true));
        assertThat(crypto.unwrapKey(KeyWrapAlgorithm.RSA_OAEP, wrapped).getKey()).isEqualTo(aek);
    }

    @Test
    void deleteGetDeletedRecoverAndPurge() {
        KeyClient keys = sdk.keyClient(VAULT, owner);
        String name = keyName();
        KeyVaultKey key = keys.createRsaKey(new CreateRsaKeyOptions(name).setKeySize(2048));

        DeletedKey deleted = keys.beginDeleteKey(name).waitForCompletion().getValue();
        assertThat(deleted.getRecoveryId()).isEqualTo(host.vaultUri(VAULT) + "deletedkeys/" + name);
        assertThat(deleted.getScheduledPurgeDate()).isAfter(deleted.getDeletedOn());
        assertThat(keys.getDeletedKey(name).getId()).isEqualTo(key.getId());
        assertThat(StreamSupport.stream(keys.listDeletedKeys().spliterator(), false).map(d -> d.getName()))
                .contains(name);
        assertThatThrownBy(() -> keys.getKey(name)).isInstanceOf(ResourceNotFoundException.class);

        keys.beginRecoverDeletedKey(name).waitForCompletion();
        assertThat(keys.getKey(name).getId()).isEqualTo(key.getId());

        keys.beginDeleteKey(name).waitForCompletion();
        keys.purgeDeletedKey(name);
        assertThatThrownBy(() -> keys.getDeletedKey(name)).isInstanceOf(ResourceNotFoundException.class);
        assertThat(host.bean(Hsm.class).keys().versions(hsmLabelOf(key))).as("token objects destroyed").isEmpty();
    }

    @Test
    void purgeProtectionRefusesPurge() {
        KeyClient keys = sdk.keyClient(PROTECTED_VAULT, owner);
        String name = keyName();
        keys.createRsaKey(new CreateRsaKeyOptions(name).setKeySize(2048));
        keys.beginDeleteKey(name).waitForCompletion();

        assertStatus(() -> keys.purgeDeletedKey(name), 403, "purge protection");
        assertThat(keys.getDeletedKey(name).getRecoveryId()).isNotNull();
    }

    @Test
    void wrapsLocallyWithTheCachedKeyAndUnwrapsInTheVault() {
        KeyVaultKey key = sdk.keyClient(VAULT, owner).createRsaKey(new CreateRsaKeyOptions(keyName()).setKeySize(2048));
        byte[] aek = aek();

        // localWrapper may get and unwrapKey, not wrapKey: its wrap can only have happened in the client
        CryptographyClient caching = sdk.cachingCrypto(key.getId(), localWrapper);
        byte[] wrapped = caching.wrapKey(KeyWrapAlgorithm.RSA_OAEP, aek).getEncryptedKey();
        assertThat(caching.unwrapKey(KeyWrapAlgorithm.RSA_OAEP, wrapped).getKey()).isEqualTo(aek);
        assertStatus(() -> sdk.remoteCrypto(key.getId(), localWrapper).wrapKey(KeyWrapAlgorithm.RSA_OAEP, aek), 403,
                "wrapKey");

        // and the same from a client built on the JsonWebKey alone, wrapping with no call at all
        CryptographyClient offline = new CryptographyClientBuilder().jsonWebKey(key.getKey()).buildClient();
        byte[] wrappedOffline = offline.wrapKey(KeyWrapAlgorithm.RSA_OAEP, aek).getEncryptedKey();
        assertThat(sdk.remoteCrypto(key.getId(), owner).unwrapKey(KeyWrapAlgorithm.RSA_OAEP, wrappedOffline).getKey())
                .isEqualTo(aek);

        CryptographyClient remote = sdk.remoteCrypto(key.getId(), owner);
        byte[] ct = remote.encrypt(EncryptionAlgorithm.RSA_OAEP, "secret".getBytes(StandardCharsets.UTF_8))
                .getCipherText();
        assertThat(remote.decrypt(EncryptionAlgorithm.RSA_OAEP, ct).getPlainText())
                .isEqualTo("secret".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void rsaOaep256IsAClearErrorNotAServerError() throws Exception {
        KeyVaultKey key = sdk.keyClient(VAULT, owner).createRsaKey(new CreateRsaKeyOptions(keyName()).setKeySize(2048));
        CryptographyClient remote = sdk.remoteCrypto(key.getId(), owner);
        HttpResponseException wrap = assertStatus(() -> remote.wrapKey(KeyWrapAlgorithm.RSA_OAEP_256, aek()), 400,
                "RSA-OAEP-256");
        assertThat(wrap.getMessage()).contains("BadParameter").contains("not supported by the HSM");

        // Wrapped outside with SHA-256 OAEP (the JCE can), for the token that cannot unwrap it.
        Cipher oaep256 = Cipher.getInstance("RSA/ECB/OAEPPadding");
        oaep256.init(Cipher.ENCRYPT_MODE, key.getKey().toRsa().getPublic(), new OAEPParameterSpec("SHA-256", "MGF1",
                MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
        byte[] wrapped = oaep256.doFinal(aek());
        HttpResponseException unwrap = assertStatus(() -> remote.unwrapKey(KeyWrapAlgorithm.RSA_OAEP_256, wrapped),
                400, "RSA-OAEP-256");
        assertThat(unwrap.getMessage()).contains("not supported by the HSM");
    }

    @Test
    void aPrincipalWithoutUnwrapKeyIsRefused() {
        KeyVaultKey key = sdk.keyClient(VAULT, owner).createRsaKey(new CreateRsaKeyOptions(keyName()).setKeySize(2048));
        byte[] wrapped = sdk.remoteCrypto(key.getId(), noUnwrap).wrapKey(KeyWrapAlgorithm.RSA_OAEP, aek()).getEncryptedKey();
        assertStatus(() -> sdk.remoteCrypto(key.getId(), noUnwrap).unwrapKey(KeyWrapAlgorithm.RSA_OAEP, wrapped), 403,
                "does not have keys unwrapKey permission");
    }

    @Test
    void aCallerFromAnotherTenantIsRefused() {
        KeyVaultKey key = sdk.keyClient(VAULT, owner).createRsaKey(new CreateRsaKeyOptions(keyName()).setKeySize(2048));
        assertStatus(() -> sdk.keyClient(VAULT, stranger).getKey(key.getName()), 403, "Forbidden");
    }

    @Test
    void forgedExpiredAndMissingTokensAre401() throws Exception {
        KeyVaultKey key = sdk.keyClient(VAULT, owner).createRsaKey(new CreateRsaKeyOptions(keyName()).setKeySize(2048));
        String path = "keys/" + key.getName() + "?api-version=7.6";
        String token = host.token(owner, Audiences.KEY_VAULT);
        assertThat(sdk.raw("GET", VAULT, path, token, null).statusCode()).isEqualTo(200);

        String[] parts = token.split("\\.");
        byte[] sig = Base64.getUrlDecoder().decode(parts[2]);
        sig[10] ^= 1;
        String forged = parts[0] + "." + parts[1] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
        assertThat(sdk.raw("GET", VAULT, path, forged, null).statusCode()).isEqualTo(401);

        assertThat(sdk.raw("GET", VAULT, path, expired(token), null).statusCode()).isEqualTo(401);
        HttpResponse<String> none = sdk.raw("GET", VAULT, path, null, null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                v -> assertThat(v).contains(TENANT).contains("resource=\"https://vault.azure.net\""));
    }

    @Test
    void unknownVaultHostIs404() throws Exception {
        String token = host.token(owner, Audiences.KEY_VAULT);
        HttpResponse<String> r = sdk.raw("GET", "kwkeys3", "keys?api-version=7.6", token, null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("VaultNotFound");
    }

    // ---------------------------------------------------------------------------------------------------------

    /** The same claims, signed by the real issuer key in the HSM, but expired an hour ago. */
    private String expired(String token) {
        String[] parts = token.split("\\.");
        String header = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        long past = System.currentTimeMillis() / 1000 - 3600;
        payload = payload.replaceAll("\"exp\"\\s*:\\s*\\d+", "\"exp\":" + past)
                .replaceAll("\"nbf\"\\s*:\\s*\\d+", "\"nbf\":" + (past - 600))
                .replaceAll("\"iat\"\\s*:\\s*\\d+", "\"iat\":" + (past - 600));
        Matcher kid = Pattern.compile("\"kid\"\\s*:\\s*\"([0-9a-f]{32})\"").matcher(header);
        assertThat(kid.find()).as(header).isTrue();
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String input = parts[0] + "." + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        byte[] sig = host.bean(Hsm.class).sign(new KeyVersionRef("keyward/token-issuer", kid.group(1)),
                SignAlgorithm.RS256, input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + b64.encodeToString(sig);
    }

    private static String hsmLabelOf(KeyVaultKey key) {
        // Not visible on the wire; the token holds every version under one label ending in the key's name.
        return host().bean(io.keyward.app.vault.VaultService.class).findActiveByName(VAULT)
                .map(v -> "kv/" + sha256Prefix(v.id()) + "/" + key.getName().toLowerCase(java.util.Locale.ROOT))
                .orElseThrow();
    }

    private static TestHost host() {
        return TestHost.get();
    }

    private static String sha256Prefix(String vaultId) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(vaultId.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d, 0, 10);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String keyName() {
        return "k-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static byte[] aek() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
