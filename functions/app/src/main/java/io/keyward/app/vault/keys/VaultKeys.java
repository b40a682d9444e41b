package io.keyward.app.vault.keys;

import io.keyward.app.authorization.Authorization;
import io.keyward.app.authorization.Scope;
import io.keyward.app.base.Recent;
import io.keyward.app.hsm.KeyUsagePolicy;
import io.keyward.app.identity.Principal;
import io.keyward.app.vault.KeyPermission;
import io.keyward.app.vault.Vault;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.HsmException;
import io.keyward.hsm.HsmFailure;
import io.keyward.hsm.KeyExport;
import io.keyward.hsm.KeyType;
import io.keyward.hsm.KeyUsage;
import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.RsaPublicKey;
import io.keyward.hsm.UnsupportedAlgorithmException;
import io.keyward.hsm.WrapAlgorithm;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.context.annotation.Value;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key Vault's keys over the HSM. Every key version is generated in the token by crypto-hsm and used there; this
 * service keeps what Key Vault shows about it in PostgreSQL, decides who may do what (the vault's tenant and
 * access policies, the key's attributes and key_ops) and turns HSM failures into Key Vault's answers.
 */
@Singleton
public class VaultKeys implements KeyUsagePolicy {
    private static final Logger LOG = LoggerFactory.getLogger(VaultKeys.class);
    /** Key Vault pages at most 25 items. */
    public static final int MAX_PAGE = 25;

    private final Hsm hsm;
    private final VaultKeyRepository keys;
    private final Authorization authorization;
    private final Clock clock;
    private final TransactionOperations<?> transactions;
    /** Live key versions for {@link #recent}; {@code version} "" is the latest. */
    private final Recent<Held, KeyVersion> recent;

    private record Held(String vaultId, String nameKey, String version) {
    }

    VaultKeys(Hsm hsm, VaultKeyRepository keys, Clock clock, TransactionOperations<?> transactions, Authorization authorization,
              @Value("${keyward.vault.metadata-cache-ttl:5s}") Duration metadataCacheTtl) {
        this.authorization = authorization;
        this.recent = new Recent<>(metadataCacheTtl, 10_000);
        this.hsm = hsm;
        this.keys = keys;
        this.clock = clock;
        this.transactions = transactions;
    }

    public KeyVersion create(Vault vault, Principal caller, KeyName name, KeySpec spec) {
        authorize(vault, caller, KeyPermission.CREATE, name, false);
        KeyType type = spec.kind().hsmType(spec.size());
        List<KeyOperation> operations = spec.operations() == null ? spec.kind().defaultOperations() : spec.operations();
        // The token object may do what key_ops allow and nothing else (Keyward checks key_ops too, below the token);
        // exportable only wrapped by the HSM's trusted backup key, for Key Vault's backup (docs/key-backup.md).
        return addVersion(vault, name, spec, operations, label -> hsm.keys().create(label, type, usages(operations),
                KeyExport.WRAPPED_BY_TRUSTED_KEY));
    }

    /**
     * Makes a new version of {@code name} in the token with {@code inToken} (given the key's token label) and records
     * it, the key's row on its first version; a version the database does not take is destroyed again. Create and
     * import; the caller has authorized.
     */
    KeyVersion addVersion(Vault vault, KeyName name, KeySpec spec, List<KeyOperation> operations,
                          Function<String, io.keyward.hsm.KeyVersion> inToken) {
        Optional<VaultKeyRepository.KeyRow> existing = keys.findKey(vault.id(), name.key());
        if (existing.isPresent() && existing.get().deletedAt() != null) {
            throw deletedNameConflict(name);
        }
        String label = existing.map(VaultKeyRepository.KeyRow::hsmLabel).orElseGet(() -> hsmLabel(vault, name));
        KeyName spelled = existing.map(r -> new KeyName(r.name())).orElse(name);
        io.keyward.hsm.KeyVersion made = hsmCall(() -> inToken.apply(label));
        KeyType type = made.type();
        try {
            RsaPublicKey pub = type.family() == KeyType.Family.RSA
                    ? hsmCall(() -> hsm.keys().publicKey(made.ref())) : null;
            Instant now = now();
            KeyVersion v = new KeyVersion(vault.id(), spelled, made.ref().version(), spec.kind(), type.bits(), operations,
                    new KeyAttributes(spec.enabled() == null || spec.enabled(), seconds(spec.notBefore()),
                            seconds(spec.expires()), now, now),
                    spec.tags() == null ? Map.of() : spec.tags(), pub, label);
            if (!record(v)) {
                throw deletedNameConflict(name);
            }
            return v;
        } catch (RuntimeException e) {
            // Nothing refers to the new version: leave no orphan object in the token.
            destroyQuietly(made.ref());
            throw e;
        }
    }

    /** A version, or the latest when {@code version} is null or empty. Disabled versions are shown too. */
    public KeyVersion get(Vault vault, Principal caller, KeyName name, String version) {
        authorize(vault, caller, KeyPermission.GET, name, false);
        return live(vault, name, version);
    }

    public KeyPage<KeyVersion> list(Vault vault, Principal caller, int offset, int limit) {
        authorize(vault, caller, KeyPermission.LIST, null, false);
        List<Map.Entry<VaultKeyRepository.KeyRow, KeyVersion>> rows = keys.latest(vault.id(), false, offset, limit);
        return page(rows.stream().map(Map.Entry::getValue).toList(), offset, limit);
    }

    public KeyPage<KeyVersion> versions(Vault vault, Principal caller, KeyName name, int offset, int limit) {
        authorize(vault, caller, KeyPermission.LIST, name, false);
        liveRow(vault, name);
        return page(keys.versions(vault.id(), name.key(), offset, limit), offset, limit);
    }

    public KeyVersion update(Vault vault, Principal caller, KeyName name, String version, KeyChanges changes) {
        authorize(vault, caller, KeyPermission.UPDATE, name, false);
        KeyVersion current = live(vault, name, version);
        KeyAttributes a = current.attributes();
        KeyAttributes updated = new KeyAttributes(
                changes.enabled() == null ? a.enabled() : changes.enabled(),
                changes.notBefore() == null ? a.notBefore() : seconds(changes.notBefore()),
                changes.expires() == null ? a.expires() : seconds(changes.expires()),
                a.created(), now());
        KeyVersion v = current.with(changes.operations() == null ? current.operations() : changes.operations(),
                updated, changes.tags() == null ? current.tags() : changes.tags());
        Set<KeyUsage> before = usages(current.operations());
        Set<KeyUsage> after = usages(v.operations());
        if (!after.equals(before)) {
            setUsages(current, after);
        }
        try {
            keys.updateVersion(v);
        } catch (RuntimeException e) {
            if (!after.equals(before)) {
                setUsagesQuietly(current, before);
            }
            throw e;
        } finally {
            changed(vault.id(), name);
        }
        return v;
    }

    /** Keeps the token object in step with key_ops: changed in the token first, so it never can more than key_ops say. */
    private void setUsages(KeyVersion key, Set<KeyUsage> usages) {
        try {
            hsm.keys().setUsages(key.hsmRef(), usages);
        } catch (HsmException e) {
            if (e.failure() == HsmFailure.KEY_UNUSABLE) {
                LOG.warn("the HSM refused to change the usages of key version {}", key.hsmRef());
                throw KeyVaultException.badParameter("The HSM that holds key '" + key.name() + "' does not allow the"
                        + " operations of its versions to be changed; key_ops stay "
                        + key.operations().stream().map(KeyOperation::wireName).toList() + ".");
            }
            throw unavailable(e);
        }
    }

    private void setUsagesQuietly(KeyVersion key, Set<KeyUsage> usages) {
        try {
            hsm.keys().setUsages(key.hsmRef(), usages);
        } catch (RuntimeException e) {
            LOG.warn("could not restore the usages of key version {} ({}); the start-up check corrects them",
                    key.hsmRef(), e.getClass().getSimpleName());
        }
    }

    /** The token usages Key Vault's key_ops allow; import and export are none: keys never leave the token. */
    static Set<KeyUsage> usages(List<KeyOperation> operations) {
        Set<KeyUsage> out = EnumSet.noneOf(KeyUsage.class);
        for (KeyOperation op : operations) {
            switch (op) {
                case ENCRYPT -> out.add(KeyUsage.ENCRYPT);
                case DECRYPT -> out.add(KeyUsage.DECRYPT);
                case SIGN -> out.add(KeyUsage.SIGN);
                case VERIFY -> out.add(KeyUsage.VERIFY);
                case WRAP_KEY -> out.add(KeyUsage.WRAP);
                case UNWRAP_KEY -> out.add(KeyUsage.UNWRAP);
                case IMPORT, EXPORT -> {
                }
            }
        }
        return out;
    }

    /** Every version of every vault key, soft-deleted ones too, may do what its key_ops allow. */
    @Override
    public Map<KeyVersionRef, Set<KeyUsage>> usages(Set<KeyVersionRef> present) {
        Map<KeyVersionRef, Set<KeyUsage>> out = new HashMap<>();
        keys.operationsByTokenObject().forEach((ref, ops) -> {
            if (present.contains(ref)) {
                out.put(ref, usages(ops));
            }
        });
        return out;
    }

    /**
     * Deletes a key with all its versions: soft when the vault keeps deleted objects, else at once, destroying
     * the token objects. Returns the deleted key; its dates are null after a hard delete.
     */
    public DeletedKey delete(Vault vault, Principal caller, KeyName name) {
        authorize(vault, caller, KeyPermission.DELETE, name, false);
        VaultKeyRepository.KeyRow row = liveRow(vault, name);
        KeyVersion latest = version(vault, row, row.latestVersion());
        if (!vault.softDeleteEnabled()) {
            destroy(vault, row);
            return new DeletedKey(latest, null, null);
        }
        Instant now = now();
        Instant purgeAt = now.plus(Duration.ofDays(vault.softDeleteRetentionDays()));
        int marked = keys.markDeleted(vault.id(), row.nameKey(), now, purgeAt);
        changed(vault.id(), name);
        if (marked != 1) {
            throw notFound(vault, name);
        }
        return new DeletedKey(latest, now, purgeAt);
    }

    public DeletedKey getDeleted(Vault vault, Principal caller, KeyName name) {
        authorize(vault, caller, KeyPermission.GET, name, true);
        VaultKeyRepository.KeyRow row = deletedRow(vault, name);
        return new DeletedKey(version(vault, row, row.latestVersion()), row.deletedAt(), row.scheduledPurgeAt());
    }

    public KeyPage<DeletedKey> listDeleted(Vault vault, Principal caller, int offset, int limit) {
        authorize(vault, caller, KeyPermission.LIST, null, true);
        List<DeletedKey> items = keys.latest(vault.id(), true, offset, limit).stream()
                .map(e -> new DeletedKey(e.getValue(), e.getKey().deletedAt(), e.getKey().scheduledPurgeAt()))
                .toList();
        return page(items, offset, limit);
    }

    public KeyVersion recover(Vault vault, Principal caller, KeyName name) {
        authorize(vault, caller, KeyPermission.RECOVER, name, false);
        VaultKeyRepository.KeyRow row = deletedRow(vault, name);
        int cleared = keys.clearDeleted(vault.id(), row.nameKey());
        changed(vault.id(), name);
        if (cleared != 1) {
            throw deletedNotFound(vault, name);
        }
        return version(vault, row, row.latestVersion());
    }

    /** Purges a soft-deleted key: its rows and every version's token objects. */
    public void purge(Vault vault, Principal caller, KeyName name) {
        authorize(vault, caller, KeyPermission.PURGE, name, false);
        VaultKeyRepository.KeyRow row = deletedRow(vault, name);
        if (vault.purgeProtectionEnabled() && now().isBefore(row.scheduledPurgeAt())) {
            throw KeyVaultException.forbidden("PurgeProtectionEnabled", "Key '" + row.name()
                    + "' cannot be purged: purge protection is enabled on vault '" + vault.name()
                    + "', so it will be purged automatically after " + row.scheduledPurgeAt() + ".");
        }
        destroy(vault, row);
    }

    public CryptoResult wrap(Vault vault, Principal caller, KeyName name, String version, String alg, byte[] value) {
        authorize(vault, caller, KeyPermission.WRAP_KEY, name, false);
        return crypto(vault, name, version, KeyOperation.WRAP_KEY, alg, value);
    }

    public CryptoResult unwrap(Vault vault, Principal caller, KeyName name, String version, String alg, byte[] value) {
        authorize(vault, caller, KeyPermission.UNWRAP_KEY, name, false);
        return crypto(vault, name, version, KeyOperation.UNWRAP_KEY, alg, value);
    }

    public CryptoResult encrypt(Vault vault, Principal caller, KeyName name, String version, String alg,
                                byte[] value) {
        authorize(vault, caller, KeyPermission.ENCRYPT, name, false);
        requireRsaAlgorithm(alg, "encrypt");
        return crypto(vault, name, version, KeyOperation.ENCRYPT, alg, value);
    }

    public CryptoResult decrypt(Vault vault, Principal caller, KeyName name, String version, String alg,
                                byte[] value) {
        authorize(vault, caller, KeyPermission.DECRYPT, name, false);
        requireRsaAlgorithm(alg, "decrypt");
        return crypto(vault, name, version, KeyOperation.DECRYPT, alg, value);
    }

    /**
     * Key {@code name} at {@code version} (the latest when null or empty) of {@code vault}, read once for many callers:
     * {@link KeyUse#get} and {@link KeyUse#unwrap} answer each caller exactly what {@link #get} and {@link #unwrap}
     * would (its access first, then the key; the key's nbf/exp against the time of each call), without reading the key
     * again. A snapshot of the vault and the key: the key-health poller takes one per batch, so no decision it makes is
     * older than its batch.
     */
    public KeyUse use(Vault vault, KeyName name, String version) {
        try {
            return new KeyUse(vault, name, live(vault, name, version), null);
        } catch (KeyVaultException e) {
            return new KeyUse(vault, name, null, e);
        }
    }

    /** See {@link #use}. */
    public final class KeyUse {
        private final Vault vault;
        private final KeyName useName;
        private final KeyVersion key;
        private final KeyVaultException missing;

        private KeyUse(Vault vault, KeyName useName, KeyVersion key, KeyVaultException missing) {
            this.vault = vault;
            this.useName = useName;
            this.key = key;
            this.missing = missing;
        }

        public Vault vault() {
            return vault;
        }

        public KeyVersion get(Principal caller) {
            authorize(vault, caller, KeyPermission.GET, keyName(), false);
            return found();
        }

        public CryptoResult unwrap(Principal caller, String alg, byte[] value) {
            authorize(vault, caller, KeyPermission.UNWRAP_KEY, keyName(), false);
            return crypto(found(), KeyOperation.UNWRAP_KEY, alg, value);
        }

        public CryptoResult wrap(Principal caller, String alg, byte[] value) {
            authorize(vault, caller, KeyPermission.WRAP_KEY, keyName(), false);
            return crypto(found(), KeyOperation.WRAP_KEY, alg, value);
        }

        public CryptoResult encrypt(Principal caller, String alg, byte[] value) {
            authorize(vault, caller, KeyPermission.ENCRYPT, keyName(), false);
            requireRsaAlgorithm(alg, "encrypt");
            return crypto(found(), KeyOperation.ENCRYPT, alg, value);
        }

        public CryptoResult decrypt(Principal caller, String alg, byte[] value) {
            authorize(vault, caller, KeyPermission.DECRYPT, keyName(), false);
            requireRsaAlgorithm(alg, "decrypt");
            return crypto(found(), KeyOperation.DECRYPT, alg, value);
        }

        /** The key's name as the caller named it: RBAC assignments at the key's scope apply to it. */
        private KeyName keyName() {
            return useName;
        }

        private KeyVersion found() {
            if (missing != null) {
                throw missing;
            }
            return key;
        }
    }

    /** After a vault is purged: its keys go too, rows and token objects, whatever their state. */
    public int purgeVault(String vaultId) {
        int n = 0;
        for (VaultKeyRepository.KeyRow row : keys.keysOfVault(vaultId)) {
            destroyRow(row);
            n++;
        }
        recent.forget(h -> h.vaultId().equals(vaultId));
        return n;
    }

    /**
     * {@link #use}, with the key version as read at most {@code keyward.vault.metadata-cache-ttl} (5 s) ago: the Key Vault
     * data plane's crypto calls. A change made through this instance (update, delete, recover, purge, a new version) is
     * seen at once, one made through another instance within that time; each call still checks the caller's access,
     * key_ops and nbf/exp against its own time. Revocation checks (key health, the customer-key port) use {@link #use}.
     */
    public KeyUse recent(Vault vault, KeyName name, String version) {
        String wanted = version == null ? "" : version.toLowerCase(Locale.ROOT);
        Optional<KeyVersion> key = recent.get(new Held(vault.id(), name.key(), wanted),
                () -> keys.findLiveVersion(vault.id(), name.key(), wanted.isEmpty() ? null : wanted));
        return key.map(k -> new KeyUse(vault, name, k, null)).orElseGet(() -> new KeyUse(vault, name, null, missing(vault, name, version)));
    }

    /** After a write of a key's rows (committed: none of these runs inside a caller's transaction, they call the HSM). */
    private void changed(String vaultId, KeyName name) {
        String nameKey = name.key();
        recent.forget(h -> h.vaultId().equals(vaultId) && h.nameKey().equals(nameKey));
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * Records a new version and makes it the latest, creating the key's row on its first version, in one transaction (no
     * HSM call in it: the version exists in the token already). False, writing nothing, when the name is held by a
     * soft-deleted key (a race with a delete).
     */
    private boolean record(KeyVersion v) {
        try {
            return recordOnce(v);
        } finally {
            changed(v.vaultId(), v.name()); // the key's latest version moved on
        }
    }

    private boolean recordOnce(KeyVersion v) {
        return transactions.executeWrite(status -> {
            if (keys.upsertKey(v.vaultId(), v.name().key(), v.name().value(), v.hsmLabel(), v.version()) == 0) {
                return false;
            }
            keys.insertVersion(v);
            return true;
        });
    }

    private CryptoResult crypto(Vault vault, KeyName name, String version, KeyOperation op, String alg,
                                byte[] value) {
        return crypto(live(vault, name, version), op, alg, value);
    }

    private CryptoResult crypto(KeyVersion key, KeyOperation op, String alg, byte[] value) {
        KeyVaultException unusable = key.attributes().unusableAt(now(), op.wireName());
        if (unusable != null) {
            throw unusable;
        }
        if (!key.operations().contains(op)) {
            throw KeyVaultException.forbidden("OperationNotAllowed", "Operation " + op.wireName()
                    + " is not permitted by the key_ops of key '" + key.name() + "'.");
        }
        WrapAlgorithm algorithm = algorithm(alg);
        KeyType.Family family = key.kind() == KeyKind.RSA_HSM ? KeyType.Family.RSA : KeyType.Family.AES;
        if (algorithm.family() != family) {
            throw KeyVaultException.badParameter("Algorithm " + alg + " does not apply to a " + key.kind().wireName()
                    + " key.");
        }
        if (value == null || value.length == 0) {
            throw KeyVaultException.badParameter("The value to " + op.wireName() + " is required.");
        }
        try {
            byte[] out = switch (op) {
                case WRAP_KEY -> hsm.wrap(key.hsmRef(), algorithm, value);
                case UNWRAP_KEY -> hsm.unwrap(key.hsmRef(), algorithm, value);
                case ENCRYPT -> hsm.encrypt(key.hsmRef(), algorithm, value);
                case DECRYPT -> hsm.decrypt(key.hsmRef(), algorithm, value);
                default -> throw new IllegalArgumentException("not a crypto operation: " + op);
            };
            return new CryptoResult(key, out);
        } catch (UnsupportedAlgorithmException e) {
            throw KeyVaultException.badParameter("Algorithm " + e.algorithm().jwaName()
                    + " is not supported by the HSM that holds this key; use RSA-OAEP or RSA1_5.");
        } catch (HsmException e) {
            if (e.failure() == HsmFailure.BAD_INPUT) {
                throw KeyVaultException.badParameter("The value is not valid for operation " + op.wireName()
                        + " with algorithm " + alg + " on this key.");
            }
            if (e.failure() == HsmFailure.KEY_UNUSABLE) {
                throw KeyVaultException.badParameter("Operation " + op.wireName() + " with algorithm " + alg
                        + " cannot be done with this key.");
            }
            throw unavailable(e);
        }
    }

    private static WrapAlgorithm algorithm(String alg) {
        if (alg == null || alg.isEmpty()) {
            throw KeyVaultException.badParameter("The algorithm (alg) is required.");
        }
        try {
            return WrapAlgorithm.fromJwaName(alg);
        } catch (IllegalArgumentException e) {
            throw KeyVaultException.badParameter("Algorithm " + alg + " is not supported.");
        }
    }

    /** Key Vault's encrypt/decrypt with AES keys are GCM/CBC, which the token path here does not offer. */
    private static void requireRsaAlgorithm(String alg, String op) {
        if (alg != null && !alg.startsWith("RSA")) {
            throw KeyVaultException.badParameter("Algorithm " + alg + " is not supported for " + op
                    + "; use an RSA algorithm.");
        }
    }

    /**
     * Key Vault's two permission models: a vault with {@code enableRbacAuthorization} ignores its access policies and
     * asks Azure RBAC for the operation's data action, from assignments at the vault or the key (Key Vault Crypto
     * Service Encryption User and its kin); any other vault asks its access policies. The wire and the in-process CMK
     * adapter both come through here, so they decide alike.
     */
    void authorize(Vault vault, Principal caller, KeyPermission permission, @Nullable KeyName name, boolean deletedKey) {
        if (caller == null || !vault.tenantId().equalsIgnoreCase(caller.tenantId())) {
            throw KeyVaultException.forbidden("AccessDenied", "The caller is not from the tenant of key vault '"
                    + vault.name() + "'.");
        }
        if (vault.rbacAuthorization()) {
            String action = dataAction(permission, deletedKey);
            Scope scope = Scope.parse(vault.id()).orElseThrow();
            if (!authorization.permitsData(name == null ? scope : scope.child("keys", name.value()), caller.objectId(), action)) {
                throw KeyVaultException.forbidden("ForbiddenByRbac", "Caller is not authorized to perform action on resource. "
                        + "If role assignments, deny assignments or role definitions were changed recently, please observe propagation"
                        + " time. Caller: appid=;oid=" + caller.objectId() + ";iss= Action: '" + action + "' Resource: '"
                        + (name == null ? scope : scope.child("keys", name.value())).key() + "' Assignment: (not found) "
                        + "Vault: " + vault.name() + ";location=" + vault.location());
            }
            return;
        }
        if (!vault.allows(caller, permission)) {
            throw KeyVaultException.forbidden("AccessDenied", "The user, group or application 'oid="
                    + caller.objectId() + ";tid=" + caller.tenantId() + "' does not have keys "
                    + permission.wireName() + " permission on key vault '" + vault.name() + "'.");
        }
    }

    /** What {@code caller} may do with the vault's keys, vault-wide (RBAC: assignments at the vault or above). */
    public Set<KeyPermission> granted(Vault vault, Principal caller) {
        Set<KeyPermission> granted = EnumSet.noneOf(KeyPermission.class);
        for (KeyPermission p : KeyPermission.values()) {
            try {
                authorize(vault, caller, p, null, false);
                granted.add(p);
            } catch (KeyVaultException e) {
                // not granted
            }
        }
        return granted;
    }

    /** The Key Vault data action of an access-policy permission (Azure's operations of Microsoft.KeyVault/vaults/keys). */
    static String dataAction(KeyPermission p, boolean deletedKey) {
        String keys = "Microsoft.KeyVault/vaults/keys/";
        String deleted = "Microsoft.KeyVault/vaults/deletedKeys/";
        return switch (p) {
            case GET, LIST -> deletedKey ? deleted + "read" : keys + "read";
            case UPDATE -> keys + "update/action";
            case CREATE -> keys + "create/action";
            case IMPORT -> keys + "import/action";
            case DELETE -> keys + "delete";
            case RECOVER -> deleted + "recover/action";
            case PURGE -> deleted + "delete";
            case BACKUP -> keys + "backup/action";
            case RESTORE -> keys + "restore/action";
            case DECRYPT -> keys + "decrypt/action";
            case ENCRYPT -> keys + "encrypt/action";
            case UNWRAP_KEY -> keys + "unwrap/action";
            case WRAP_KEY -> keys + "wrap/action";
            case VERIFY -> keys + "verify/action";
            case SIGN -> keys + "sign/action";
            case RELEASE -> keys + "release/action";
            case ROTATE -> keys + "rotate/action";
            case GET_ROTATION_POLICY -> "Microsoft.KeyVault/vaults/keyrotationpolicies/read";
            case SET_ROTATION_POLICY -> "Microsoft.KeyVault/vaults/keyrotationpolicies/write";
        };
    }

    private KeyVersion live(Vault vault, KeyName name, String version) {
        String wanted = version == null || version.isEmpty() ? null : version.toLowerCase(Locale.ROOT);
        return keys.findLiveVersion(vault.id(), name.key(), wanted).orElseThrow(() -> missing(vault, name, version));
    }

    private static KeyVaultException missing(Vault vault, KeyName name, String version) {
        return version == null || version.isEmpty() ? notFound(vault, name)
                : KeyVaultException.keyNotFound("A key with (name/id) " + name + "/" + version + " was not found in this key vault.");
    }

    private KeyVersion version(Vault vault, VaultKeyRepository.KeyRow row, String version) {
        return keys.findVersion(vault.id(), row.nameKey(), version)
                .orElseThrow(() -> KeyVaultException.keyNotFound("Key '" + row.name() + "' has no version " + version
                        + "."));
    }

    VaultKeyRepository.KeyRow liveRow(Vault vault, KeyName name) {
        return keys.findKey(vault.id(), name.key()).filter(r -> r.deletedAt() == null)
                .orElseThrow(() -> notFound(vault, name));
    }

    private VaultKeyRepository.KeyRow deletedRow(Vault vault, KeyName name) {
        return keys.findKey(vault.id(), name.key()).filter(r -> r.deletedAt() != null)
                .orElseThrow(() -> deletedNotFound(vault, name));
    }

    private void destroy(Vault vault, VaultKeyRepository.KeyRow row) {
        try {
            destroyRow(row);
        } finally {
            recent.forget(h -> h.vaultId().equals(row.vaultId()) && h.nameKey().equals(row.nameKey()));
        }
        LOG.info("key '{}' of vault {} destroyed", row.name(), vault.name());
    }

    /** Token objects first: rows without objects can be retried, objects without rows would be orphans. */
    private void destroyRow(VaultKeyRepository.KeyRow row) {
        for (KeyVersion v : keys.versions(row.vaultId(), row.nameKey(), 0, Integer.MAX_VALUE)) {
            hsmCall(() -> hsm.keys().delete(v.hsmRef()));
        }
        keys.deleteKey(row.vaultId(), row.nameKey());
    }

    void destroyQuietly(KeyVersionRef ref) {
        try {
            hsm.keys().delete(ref);
        } catch (RuntimeException e) {
            LOG.warn("could not destroy unrecorded key version {} ({})", ref, e instanceof HsmException h ? h.failure() : e.getClass().getSimpleName());
        }
    }

    static <T> T hsmCall(Supplier<T> call) {
        try {
            return call.get();
        } catch (HsmException e) {
            throw unavailable(e);
        }
    }

    static KeyVaultException unavailable(HsmException e) {
        LOG.warn("HSM call failed ({})", e.failure());
        if (e.failure() == HsmFailure.BUSY) {
            return KeyVaultException.unavailable("The HSM is busy; retry shortly.", 1);
        }
        if (e.failure() == HsmFailure.KEY_NOT_FOUND) {
            return KeyVaultException.unavailable("The HSM does not hold this key version now; retry later.", 5);
        }
        return KeyVaultException.unavailable("The HSM is not available; retry later.", 5);
    }

    private static KeyVaultException notFound(Vault vault, KeyName name) {
        return KeyVaultException.keyNotFound("A key with (name/id) " + name + " was not found in this key vault. "
                + "If you recently deleted this key you may be able to recover it using the correct recovery "
                + "command.");
    }

    private static KeyVaultException deletedNotFound(Vault vault, KeyName name) {
        return KeyVaultException.keyNotFound("Deleted Key not found: " + name);
    }

    private static KeyVaultException deletedNameConflict(KeyName name) {
        return KeyVaultException.conflict("Key " + name + " is currently in a deleted but recoverable state, and its "
                + "name cannot be reused; in this state, the key can only be recovered or purged.");
    }

    private static <T> KeyPage<T> page(List<T> rows, int offset, int limit) {
        if (rows.size() > limit) {
            return new KeyPage<>(new ArrayList<>(rows.subList(0, limit)), offset + limit);
        }
        return new KeyPage<>(rows, null);
    }

    /** The token label of a key's versions: the vault id is hashed because ARM ids exceed the label's room. */
    static String hsmLabel(Vault vault, KeyName name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(vault.id().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            return "kv/" + HexFormat.of().formatHex(digest, 0, 10) + "/" + name.key();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Key Vault keeps times in whole seconds. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    private static Instant seconds(Instant i) {
        return i == null ? null : i.truncatedTo(ChronoUnit.SECONDS);
    }
}
