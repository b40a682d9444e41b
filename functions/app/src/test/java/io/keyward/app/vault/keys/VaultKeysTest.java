package io.keyward.app.vault.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.keyward.app.vault.AccessPolicy;
import io.keyward.app.vault.KeyPermission;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.VaultPurged;
import io.keyward.devenv.Databases;
import io.keyward.devenv.LocalDatabase;
import io.keyward.devenv.SoftHsmToken;
import io.keyward.app.vault.keys.wire.KeyVaultError;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.HsmException;
import io.keyward.hsm.HsmFailure;
import io.micronaut.http.HttpResponse;
import io.micronaut.context.event.ApplicationEventPublisher;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Cipher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The keys service on real things: PostgreSQL migrated by schema/'s scripts and a SoftHSM2 token. Vaults are plain
 * records here; the HTTP surface and the Azure SDK are covered in functions/local.
 */
@MicronautTest(startApplication = false, transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VaultKeysTest implements TestPropertyProvider {
    private static final String TENANT = "11111111-1111-1111-1111-111111111111";
    private static final Principal OWNER = new Principal(TENANT, UUID.randomUUID().toString(),
            PrincipalType.SERVICE_PRINCIPAL, "owner");
    private static final Principal UNWRAP_ONLY = new Principal(TENANT, UUID.randomUUID().toString(),
            PrincipalType.SERVICE_PRINCIPAL, "unwrap-only");
    private static final Principal STRANGER = new Principal("22222222-2222-2222-2222-222222222222",
            OWNER.objectId(), PrincipalType.SERVICE_PRINCIPAL, "other tenant, same oid");

    private LocalDatabase db;

    @Inject
    VaultKeys keys;

    @Inject
    Hsm hsm;

    @Inject
    ApplicationEventPublisher<VaultPurged> events;

    @Override
    public Map<String, String> getProperties() {
        SoftHsmToken token = SoftHsmToken.init(Path.of("target/softhsm"));
        // A data directory of its own: the embedded cluster is kept across runs and other tests own target/postgres.
        db = Databases.start(Path.of("target/postgres-vault-keys"), System.getenv());
        return Map.of(
                "keyward.database.url", db.jdbcUrl(),
                "keyward.database.user", db.user(),
                "keyward.database.password", db.password(),
                "keyward.hsm.library", token.library().toString(),
                "keyward.hsm.token-label", token.label(),
                "keyward.hsm.pin", token.pin());
    }

    @AfterAll
    void stopDatabase() {
        if (db != null) {
            db.close();
        }
    }

    private static Vault vault(boolean softDelete, boolean purgeProtection) {
        String name = "kv" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        return new Vault("/subscriptions/" + UUID.randomUUID() + "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/"
                + name, UUID.randomUUID().toString(), "rg", name, "westeurope", TENANT, "premium", softDelete, 7,
                purgeProtection, List.of(
                        new AccessPolicy(TENANT, OWNER.objectId(), EnumSet.allOf(KeyPermission.class)),
                        new AccessPolicy(TENANT, UNWRAP_ONLY.objectId(), Set.of(KeyPermission.UNWRAP_KEY))),
                Instant.now());
    }

    private static KeySpec rsa() {
        return new KeySpec(KeyKind.RSA_HSM, 2048, null, null, null, null, Map.of("env", "test"));
    }

    @Test
    void createsVersionsInTheHsmAndKeepsMetadataInPostgres() {
        Vault v = vault(true, false);
        KeyName name = new KeyName("Cmk-1");
        KeyVersion first = keys.create(v, OWNER, name, rsa());
        KeyVersion second = keys.create(v, OWNER, new KeyName("cmk-1"), rsa());

        assertThat(first.kind()).isEqualTo(KeyKind.RSA_HSM);
        assertThat(first.publicKey().bits()).isEqualTo(2048);
        assertThat(first.operations()).contains(KeyOperation.WRAP_KEY, KeyOperation.UNWRAP_KEY);
        assertThat(second.name().value()).as("first spelling kept").isEqualTo("Cmk-1");
        assertThat(hsm.keys().versions(first.hsmLabel())).hasSize(2);
        assertThat(keys.get(v, OWNER, name, null).version()).isEqualTo(second.version());
        assertThat(keys.get(v, OWNER, name, first.version()).tags()).containsEntry("env", "test");
        assertThat(keys.versions(v, OWNER, name, 0, 25).items()).extracting(KeyVersion::version)
                .containsExactlyInAnyOrder(first.version(), second.version()); // Key Vault promises no order
        KeyPage<KeyVersion> page = keys.versions(v, OWNER, name, 0, 1);
        assertThat(page.items()).hasSize(1);
        assertThat(page.nextOffset()).isEqualTo(1);
        assertThat(keys.list(v, OWNER, 0, 25).items()).hasSize(1);
    }

    @Test
    void wrapsAndUnwrapsInTheTokenAndTheWrapIsStandardOaep() throws Exception {
        Vault v = vault(false, false);
        KeyVersion k = keys.create(v, OWNER, new KeyName("kek"), rsa());
        byte[] aek = new byte[32];
        new SecureRandom().nextBytes(aek);

        byte[] wrapped = keys.wrap(v, OWNER, k.name(), k.version(), "RSA-OAEP", aek).value();
        assertThat(keys.unwrap(v, UNWRAP_ONLY, k.name(), "", "RSA-OAEP", wrapped).value()).isEqualTo(aek);

        // wrapped by the public key outside the vault (what the SDK does with a cached key), unwrapped inside
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
        oaep.init(Cipher.ENCRYPT_MODE, k.publicKey().toJca());
        byte[] local = oaep.doFinal(aek);
        assertThat(keys.unwrap(v, OWNER, k.name(), k.version(), "RSA-OAEP", local).value()).isEqualTo(aek);

        byte[] plain = "hello".getBytes(StandardCharsets.UTF_8);
        byte[] ct = keys.encrypt(v, OWNER, k.name(), k.version(), "RSA1_5", plain).value();
        assertThat(keys.decrypt(v, OWNER, k.name(), k.version(), "RSA1_5", ct).value()).isEqualTo(plain);
    }

    @Test
    void cryptoFailuresAreCallerErrorsWithClearMessages() {
        Vault v = vault(false, false);
        KeyVersion k = keys.create(v, OWNER, new KeyName("kek"), rsa());

        assertThatThrownBy(() -> keys.wrap(v, OWNER, k.name(), k.version(), "RSA-OAEP-256", new byte[32]))
                .isInstanceOfSatisfying(KeyVaultException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("BadParameter");
                    assertThat(e.getMessage()).contains("RSA-OAEP-256").contains("not supported by the HSM");
                });
        assertThatThrownBy(() -> keys.unwrap(v, OWNER, k.name(), k.version(), "RSA-OAEP", new byte[256]))
                .isInstanceOfSatisfying(KeyVaultException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> keys.unwrap(v, OWNER, k.name(), k.version(), "A256KW", new byte[40]))
                .isInstanceOfSatisfying(KeyVaultException.class, e -> assertThat(e.code()).isEqualTo("BadParameter"));
        assertThatThrownBy(() -> keys.unwrap(v, OWNER, k.name(), k.version(), "NOPE", new byte[40]))
                .isInstanceOfSatisfying(KeyVaultException.class, e -> assertThat(e.code()).isEqualTo("BadParameter"));
    }

    @Test
    void disabledNotYetValidAndExpiredKeysRefuseCrypto() {
        Vault v = vault(false, false);
        KeyVersion k = keys.create(v, OWNER, new KeyName("kek"), rsa());
        keys.update(v, OWNER, k.name(), k.version(), new KeyChanges(null, false, null, null, null));
        assertForbidden(() -> keys.wrap(v, OWNER, k.name(), k.version(), "RSA-OAEP", new byte[32]), "KeyDisabled");
        assertThat(keys.get(v, OWNER, k.name(), null).attributes().enabled()).isFalse();

        keys.update(v, OWNER, k.name(), k.version(), new KeyChanges(null, true, Instant.now().plusSeconds(3600),
                null, null));
        assertForbidden(() -> keys.wrap(v, OWNER, k.name(), k.version(), "RSA-OAEP", new byte[32]), "KeyNotYetValid");

        keys.update(v, OWNER, k.name(), k.version(), new KeyChanges(null, true, Instant.now().minusSeconds(7200),
                Instant.now().minusSeconds(3600), null));
        assertForbidden(() -> keys.wrap(v, OWNER, k.name(), k.version(), "RSA-OAEP", new byte[32]), "KeyExpired");

        keys.update(v, OWNER, k.name(), k.version(), new KeyChanges(List.of(KeyOperation.UNWRAP_KEY), true,
                null, Instant.now().plusSeconds(3600), Map.of("a", "b")));
        assertForbidden(() -> keys.wrap(v, OWNER, k.name(), k.version(), "RSA-OAEP", new byte[32]),
                "OperationNotAllowed");
    }

    @Test
    void accessPoliciesAndTenantsAreChecked() {
        Vault v = vault(false, false);
        KeyVersion k = keys.create(v, OWNER, new KeyName("kek"), rsa());
        assertForbidden(() -> keys.wrap(v, UNWRAP_ONLY, k.name(), k.version(), "RSA-OAEP", new byte[32]),
                "AccessDenied");
        assertForbidden(() -> keys.get(v, STRANGER, k.name(), null), "AccessDenied");
        assertThatThrownBy(() -> keys.get(v, UNWRAP_ONLY, k.name(), null))
                .hasMessageContaining("does not have keys get permission");
    }

    @Test
    void softDeleteRecoverAndPurge() {
        Vault v = vault(true, false);
        KeyVersion k = keys.create(v, OWNER, new KeyName("kek"), rsa());
        keys.create(v, OWNER, k.name(), rsa());

        DeletedKey d = keys.delete(v, OWNER, k.name());
        assertThat(d.scheduledPurgeAt()).isEqualTo(d.deletedAt().plusSeconds(7 * 86400));
        assertNotFound(() -> keys.get(v, OWNER, k.name(), null));
        assertThat(keys.listDeleted(v, OWNER, 0, 25).items()).hasSize(1);
        assertThatThrownBy(() -> keys.create(v, OWNER, k.name(), rsa()))
                .isInstanceOfSatisfying(KeyVaultException.class, e -> assertThat(e.status()).isEqualTo(409));

        keys.recover(v, OWNER, k.name());
        assertThat(keys.get(v, OWNER, k.name(), k.version()).version()).isEqualTo(k.version());
        assertNotFound(() -> keys.getDeleted(v, OWNER, k.name()));

        keys.delete(v, OWNER, k.name());
        keys.purge(v, OWNER, k.name());
        assertNotFound(() -> keys.getDeleted(v, OWNER, k.name()));
        assertThat(hsm.keys().versions(k.hsmLabel())).as("every version destroyed in the token").isEmpty();
    }

    @Test
    void purgeProtectionRefusesPurgeBeforeTheScheduledDate() {
        Vault v = vault(true, true);
        KeyVersion k = keys.create(v, OWNER, new KeyName("kek"), rsa());
        keys.delete(v, OWNER, k.name());
        assertForbidden(() -> keys.purge(v, OWNER, k.name()), "PurgeProtectionEnabled");
        assertThat(hsm.keys().versions(k.hsmLabel())).hasSize(1);
    }

    @Test
    void hardDeleteWithoutSoftDeleteDestroysTheTokenObjects() {
        Vault v = vault(false, false);
        KeyVersion k = keys.create(v, OWNER, new KeyName("kek"), rsa());
        DeletedKey d = keys.delete(v, OWNER, k.name());
        assertThat(d.deletedAt()).isNull();
        assertNotFound(() -> keys.getDeleted(v, OWNER, k.name()));
        assertThat(hsm.keys().versions(k.hsmLabel())).isEmpty();
    }

    @Test
    void aPurgedVaultTakesItsKeysWithIt() {
        Vault v = vault(true, false);
        KeyVersion live = keys.create(v, OWNER, new KeyName("live"), rsa());
        KeyVersion deleted = keys.create(v, OWNER, new KeyName("gone"),
                new KeySpec(KeyKind.OCT_HSM, null, null, null, null, null, null));
        keys.delete(v, OWNER, deleted.name());

        events.publishEvent(new VaultPurged(v.id(), v.name()));

        assertThat(hsm.keys().versions(live.hsmLabel())).isEmpty();
        assertThat(hsm.keys().versions(deleted.hsmLabel())).isEmpty();
        assertThat(keys.list(v, OWNER, 0, 25).items()).isEmpty();
        assertThat(keys.listDeleted(v, OWNER, 0, 25).items()).isEmpty();
    }

    @Test
    void recoveryLevelFollowsTheVault() {
        assertThat(KeyRecovery.of(vault(false, false))).isEqualTo(new KeyRecovery("Purgeable", null));
        assertThat(KeyRecovery.of(vault(true, false))).isEqualTo(new KeyRecovery("CustomizedRecoverable+Purgeable", 7));
        assertThat(KeyRecovery.of(vault(true, true))).isEqualTo(new KeyRecovery("CustomizedRecoverable", 7));
    }

    @Test
    void hsmOutagesAre503WithRetryAfter() {
        KeyVaultErrorHandler handler = new KeyVaultErrorHandler();
        HttpResponse<?> busy = handler.handle(null, VaultKeys.unavailable(new HsmException(HsmFailure.BUSY, "pool")));
        assertThat(busy.getStatus().getCode()).isEqualTo(503);
        assertThat(busy.getHeaders().get("Retry-After")).isEqualTo("1");
        HttpResponse<?> down = handler.handle(null,
                VaultKeys.unavailable(new HsmException(HsmFailure.DEVICE_FAILED, "CKR_DEVICE_ERROR")));
        assertThat(down.getStatus().getCode()).isEqualTo(503);
        assertThat(((KeyVaultError) down.body()).error().message()).doesNotContain("CKR_");
    }

    private static void assertForbidden(Runnable call, String innerCode) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(KeyVaultException.class, e -> {
            assertThat(e.status()).isEqualTo(403);
            assertThat(e.innerCode()).isEqualTo(innerCode);
        });
    }

    private static void assertNotFound(Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(KeyVaultException.class,
                e -> assertThat(e.status()).isEqualTo(404));
    }
}
