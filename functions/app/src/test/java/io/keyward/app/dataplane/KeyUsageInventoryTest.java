package io.keyward.app.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyward.app.TestApp;
import io.keyward.app.hsm.KeyUsageAudit;
import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.keyward.app.vault.AccessPolicy;
import io.keyward.app.vault.KeyPermission;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.keys.KeyChanges;
import io.keyward.app.vault.keys.KeyKind;
import io.keyward.app.vault.keys.KeyName;
import io.keyward.app.vault.keys.KeyOperation;
import io.keyward.app.vault.keys.KeySpec;
import io.keyward.app.vault.keys.KeyVaultException;
import io.keyward.app.vault.keys.KeyVersion;
import io.keyward.app.vault.keys.VaultKeys;
import io.keyward.devenv.LocalDatabase;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyObject;
import io.keyward.hsm.KeyType;
import io.keyward.hsm.KeyUsage;
import io.keyward.hsm.KeyVersionRef;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Least privilege in the token, on a SoftHSM2 token of its own and real PostgreSQL: after the app has made its keys
 * (the token-signing key, the platform KEK, vault keys with different key_ops, one changed, one soft-deleted) and the
 * start-up check has corrected keys made before least privilege, every private, public and secret key object in the
 * token has exactly the usage attributes of its one use, and every private and secret one is sensitive, never
 * extractable for Keyward's own keys and only wrapped by a trusted key for vault keys. (In the data-plane package only to reach {@link PlatformKeys}, which makes the platform KEK.)
 */
class KeyUsageInventoryTest {

    private static final String TENANT = "11111111-1111-1111-1111-111111111111";
    private static final Principal OWNER = new Principal(TENANT, UUID.randomUUID().toString(), PrincipalType.SERVICE_PRINCIPAL,
            "owner");
    private static TestApp app;
    private static ApplicationContext ctx;
    private static Hsm hsm;

    @BeforeAll
    static void start() {
        // run by the test, not in the background at start
        app = TestApp.start("target/postgres-key-usages", "keyward-usage", Map.of("keyward.hsm.audit-key-usages", "false"));
        ctx = app.context();
        hsm = ctx.getBean(Hsm.class);
        // The token is this test's alone, kept across runs: start from an empty one, and from tables that do not
        // remember keys from an earlier run.
        hsm.keys().inventory().forEach(o -> o.ref().ifPresent(ref -> hsm.keys().delete(ref)));
        LocalDatabase db = app.database();
        try (var c = java.sql.DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()); var s = c.createStatement()) {
            s.execute("DELETE FROM identity_signing_keys; DELETE FROM vault_keys; DELETE FROM workspace_platform_aeks");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void everyKeyObjectInTheTokenCanDoOnlyWhatItIsFor() {
        // Made as Keyward made keys before least privilege: every usage on.
        KeyVersionRef oldKek = hsm.keys().create(PlatformKeys.KEK_NAME, KeyType.RSA_2048, EnumSet.allOf(KeyUsage.class)).ref();
        KeyVersionRef oldSigner = hsm.keys().create("keyward/token-issuer", KeyType.RSA_2048, EnumSet.allOf(KeyUsage.class)).ref();

        // What the app makes now.
        IdentityService identities = ctx.getBean(IdentityService.class);
        identities.issueToken(identities.createPrincipal(TENANT, PrincipalType.USER, "u"), Audiences.ARM, Duration.ofMinutes(1));
        ctx.getBean(PlatformKeys.class).aek(UUID.randomUUID()).close();
        VaultKeys keys = ctx.getBean(VaultKeys.class);
        Vault vault = vault();
        Map<String, List<KeyOperation>> expected = new HashMap<>();
        expect(expected, keys.create(vault, OWNER, new KeyName("rsa-default"), spec(KeyKind.RSA_HSM, null)));
        expect(expected, keys.create(vault, OWNER, new KeyName("rsa-kek"),
                spec(KeyKind.RSA_HSM, List.of(KeyOperation.WRAP_KEY, KeyOperation.UNWRAP_KEY))));
        expect(expected, keys.create(vault, OWNER, new KeyName("rsa-encrypt"), spec(KeyKind.RSA_HSM, List.of(KeyOperation.ENCRYPT))));
        expect(expected, keys.create(vault, OWNER, new KeyName("rsa-nothing"), spec(KeyKind.RSA_HSM, List.of(KeyOperation.EXPORT))));
        expect(expected, keys.create(vault, OWNER, new KeyName("oct-default"), spec(KeyKind.OCT_HSM, null)));
        expect(expected, keys.create(vault, OWNER, new KeyName("oct-unwrap"), spec(KeyKind.OCT_HSM, List.of(KeyOperation.UNWRAP_KEY))));
        KeyVersion narrowed = keys.create(vault, OWNER, new KeyName("rsa-narrowed"), spec(KeyKind.RSA_HSM, null));
        expect(expected, keys.update(vault, OWNER, narrowed.name(), narrowed.version(),
                new KeyChanges(List.of(KeyOperation.UNWRAP_KEY, KeyOperation.SIGN), null, null, null, null)));
        KeyVersion deleted = keys.create(vault, OWNER, new KeyName("rsa-deleted"), spec(KeyKind.RSA_HSM, List.of(KeyOperation.WRAP_KEY)));
        keys.delete(vault, OWNER, deleted.name());
        expect(expected, deleted);
        // one made before least privilege: key_ops say wrap and unwrap, the token object could do anything
        KeyVersion oldCustomer = keys.create(vault, OWNER, new KeyName("rsa-old"),
                spec(KeyKind.RSA_HSM, List.of(KeyOperation.WRAP_KEY, KeyOperation.UNWRAP_KEY)));
        hsm.keys().setUsages(oldCustomer.hsmRef(), EnumSet.allOf(KeyUsage.class));
        expect(expected, oldCustomer);

        KeyUsageAudit.Report report = ctx.getBean(KeyUsageAudit.class).run();

        assertThat(report.corrected()).containsExactlyInAnyOrder(oldKek, oldSigner, oldCustomer.hsmRef());
        assertThat(report.refused()).isEmpty();
        assertThat(report.unowned()).isZero();
        List<KeyObject> objects = hsm.keys().inventory();
        // two RSA pairs of Keyward's own (the old versions and the ones made now: the old KEK is still used) and the
        // vault keys: 2 objects per RSA key, 1 per oct-HSM key
        assertThat(objects).hasSize(2 * 3 + 2 * 7 + 2);
        for (KeyObject o : objects) {
            assertThat(o.ref()).as("%s %s is named as Keyward names keys", o.kind(), o.label()).isPresent();
            if (o.kind() != KeyObject.Kind.PUBLIC) {
                assertThat(o.sensitive()).as("%s %s sensitive", o.kind(), o.label()).isTrue();
                // Keyward's own keys never leave the token; vault keys only wrapped by the trusted backup key
                boolean vaultKey = o.label().startsWith("kv/");
                assertThat(o.extractable()).as("%s %s extractable", o.kind(), o.label()).isEqualTo(vaultKey);
                assertThat(o.wrapWithTrusted()).as("%s %s wrap with trusted", o.kind(), o.label()).isEqualTo(vaultKey);
            }
            assertThat(o.recoverOrDerive()).as("%s %s recover or derive", o.kind(), o.label()).isFalse();
            assertThat(o.usages()).as("%s %s/%s", o.kind(), o.label(), o.id()).isEqualTo(usagesFor(o, expected));
        }
    }

    @Test
    void keyOpsTheTokenCannotFollowAreNotChanged() {
        VaultKeys keys = ctx.getBean(VaultKeys.class);
        Vault vault = vault();
        KeyVersion k = keys.create(vault, OWNER, new KeyName("gone-from-token"), spec(KeyKind.RSA_HSM, List.of(KeyOperation.WRAP_KEY)));
        hsm.keys().delete(k.hsmRef());

        assertThatThrownBy(() -> keys.update(vault, OWNER, k.name(), k.version(),
                new KeyChanges(List.of(KeyOperation.UNWRAP_KEY), null, null, null, null)))
                .isInstanceOfSatisfying(KeyVaultException.class, e -> assertThat(e.status()).isEqualTo(503));
        assertThat(keys.get(vault, OWNER, k.name(), k.version()).operations()).containsExactly(KeyOperation.WRAP_KEY);
        // tags alone need no change in the token
        assertThat(keys.update(vault, OWNER, k.name(), k.version(), new KeyChanges(null, null, null, null, Map.of("a", "b")))
                .tags()).containsEntry("a", "b");
    }

    /** What each object may do: Keyward's own keys by their preset, vault keys by their key_ops, split by kind. */
    private static Set<KeyUsage> usagesFor(KeyObject o, Map<String, List<KeyOperation>> vaultKeys) {
        KeyVersionRef ref = o.ref().orElseThrow();
        if (ref.name().equals("keyward/token-issuer")) {
            return o.kind() == KeyObject.Kind.PRIVATE ? Set.of(KeyUsage.SIGN) : Set.of(KeyUsage.VERIFY);
        }
        if (ref.name().equals(PlatformKeys.KEK_NAME)) {
            return o.kind() == KeyObject.Kind.PRIVATE ? Set.of(KeyUsage.UNWRAP) : Set.of(KeyUsage.WRAP);
        }
        List<KeyOperation> ops = vaultKeys.get(ref.toString());
        assertThat(ops).as("a vault key of this test: %s", ref).isNotNull();
        Set<KeyUsage> out = EnumSet.noneOf(KeyUsage.class);
        for (KeyOperation op : ops) {
            switch (op) {
                case SIGN -> addIf(out, o.kind() != KeyObject.Kind.PUBLIC, KeyUsage.SIGN);
                case DECRYPT -> addIf(out, o.kind() != KeyObject.Kind.PUBLIC, KeyUsage.DECRYPT);
                case UNWRAP_KEY -> addIf(out, o.kind() != KeyObject.Kind.PUBLIC, KeyUsage.UNWRAP);
                case VERIFY -> addIf(out, o.kind() != KeyObject.Kind.PRIVATE, KeyUsage.VERIFY);
                case ENCRYPT -> addIf(out, o.kind() != KeyObject.Kind.PRIVATE, KeyUsage.ENCRYPT);
                case WRAP_KEY -> addIf(out, o.kind() != KeyObject.Kind.PRIVATE, KeyUsage.WRAP);
                default -> {
                }
            }
        }
        return out;
    }

    private static void addIf(Set<KeyUsage> set, boolean applies, KeyUsage usage) {
        if (applies) {
            set.add(usage);
        }
    }

    private static void expect(Map<String, List<KeyOperation>> expected, KeyVersion v) {
        expected.put(v.hsmRef().toString(), v.operations());
    }

    private static KeySpec spec(KeyKind kind, List<KeyOperation> ops) {
        return new KeySpec(kind, null, ops, null, null, null, Map.of());
    }

    private static Vault vault() {
        String name = "kv" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        return new Vault("/subscriptions/" + UUID.randomUUID() + "/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/"
                + name, UUID.randomUUID().toString(), "rg", name, "westeurope", TENANT, "premium", true, 7, false,
                List.of(new AccessPolicy(TENANT, OWNER.objectId(), EnumSet.allOf(KeyPermission.class))), Instant.now());
    }
}
