package io.keyward.app.vault.keys;

import io.keyward.app.identity.Principal;
import io.keyward.app.vault.KeyPermission;
import io.keyward.app.vault.Vault;
import io.keyward.app.vault.keys.wire.ImportedJwk;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.HsmException;
import io.keyward.hsm.HsmFailure;
import io.keyward.hsm.KeyExport;
import io.keyward.hsm.KeyType;
import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.RsaPublicKey;
import io.micronaut.serde.ObjectMapper;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.math.BigInteger;
import java.security.interfaces.RSAPrivateCrtKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key Vault's ImportKey, BackupKey and RestoreKey over the HSM. An imported key goes into the token as any created
 * key (sensitive, exportable only wrapped by the HSM's trusted backup key); a backup carries every version's secret
 * half wrapped inside the token by that key, and a restore unwraps it inside a token that holds the same key. No key
 * material is ever in PostgreSQL, a log line or an error. See docs/key-backup.md.
 */
@Singleton
public class KeyTransfers {
    private static final Logger LOG = LoggerFactory.getLogger(KeyTransfers.class);
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64URL_DECODER = Base64.getUrlDecoder();

    private final VaultKeys keys;
    private final VaultKeyRepository repository;
    private final Hsm hsm;
    private final TransactionOperations<?> transactions;
    private final ObjectMapper json;

    KeyTransfers(VaultKeys keys, VaultKeyRepository repository, Hsm hsm, TransactionOperations<?> transactions,
                 ObjectMapper json) {
        this.keys = keys;
        this.repository = repository;
        this.hsm = hsm;
        this.transactions = transactions;
        this.json = json;
    }

    /** What an import asks for besides the key; null fields take Key Vault's defaults. */
    public record ImportRequest(ImportedJwk key, Boolean hsm, Boolean enabled, Instant notBefore, Instant expires,
                                Map<String, String> tags) {
    }

    /** ImportKey: a new key, or a new version of {@code name}, made from the caller's RSA key inside the token. */
    public KeyVersion importKey(Vault vault, Principal caller, KeyName name, ImportRequest request) {
        keys.authorize(vault, caller, KeyPermission.IMPORT, name, false);
        if (Boolean.FALSE.equals(request.hsm())) {
            throw KeyVaultException.badParameter("Hsm false (a software-protected key) is not offered: every key here"
                    + " is kept in the HSM; send Hsm true or leave it out.");
        }
        RSAPrivateCrtKey key = JwkImport.rsaPrivateKey(request.key());
        List<KeyOperation> operations = request.key().keyOps() == null || request.key().keyOps().isEmpty()
                ? KeyKind.RSA_HSM.defaultOperations()
                : request.key().keyOps().stream().map(KeyOperation::fromWire).distinct().toList();
        KeySpec spec = new KeySpec(KeyKind.RSA_HSM, key.getModulus().bitLength(), operations, request.enabled(),
                request.notBefore(), request.expires(), request.tags());
        KeyVersion v = keys.addVersion(vault, name, spec, operations, label -> hsm.keys().importRsa(label, key,
                VaultKeys.usages(operations), KeyExport.WRAPPED_BY_TRUSTED_KEY));
        LOG.info("key '{}' version {} of vault {} imported into the HSM", v.name(), v.version(), vault.name());
        return v;
    }

    /** BackupKey: every version of a live key, its attributes and tags, sealed for this HSM. */
    public byte[] backup(Vault vault, Principal caller, KeyName name) {
        keys.authorize(vault, caller, KeyPermission.BACKUP, name, false);
        VaultKeyRepository.KeyRow row = keys.liveRow(vault, name);
        List<KeyVersion> versions = repository.versions(vault.id(), row.nameKey(), 0, Integer.MAX_VALUE);
        if (versions.stream().anyMatch(v -> v.kind() != KeyKind.RSA_HSM)) {
            throw KeyVaultException.badParameter("Key '" + row.name() + "' is an oct-HSM key; this HSM cannot restore "
                    + "AES keys, so their backup is not offered.");
        }
        String keyId = backupKeyId();
        List<KeyBackupBlob.Version> out = new ArrayList<>();
        for (KeyVersion v : versions) {
            byte[] wrapped;
            try {
                wrapped = hsm.backup().wrapOut(keyId, v.hsmRef());
            } catch (HsmException e) {
                if (e.failure() == HsmFailure.KEY_UNUSABLE) {
                    throw KeyVaultException.badParameter("Version " + v.version() + " of key '" + row.name()
                            + "' was made never to leave the HSM, not even wrapped, so the key cannot be backed up.");
                }
                throw VaultKeys.unavailable(e);
            }
            KeyAttributes a = v.attributes();
            out.add(new KeyBackupBlob.Version(v.version(), v.kind().wireName(), v.size(),
                    v.operations().stream().map(KeyOperation::wireName).toList(), a.enabled(), seconds(a.notBefore()),
                    seconds(a.expires()), a.created().getEpochSecond(), a.updated().getEpochSecond(), v.tags(),
                    B64URL.encodeToString(v.publicKey().modulus().toByteArray()),
                    B64URL.encodeToString(v.publicKey().publicExponent().toByteArray()), B64URL.encodeToString(wrapped)));
        }
        byte[] content;
        try {
            content = json.writeValueAsBytes(new KeyBackupBlob.Content(row.name(), row.latestVersion(), out));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a backup's content");
        }
        byte[] contentKey = hsm.random(32);
        try {
            byte[] wrappedContentKey = VaultKeys.hsmCall(() -> hsm.backup().wrapSecret(keyId, contentKey));
            byte[] blob = KeyBackupBlob.seal(keyId, wrappedContentKey, contentKey, content);
            LOG.info("key '{}' of vault {} backed up ({} versions)", row.name(), vault.name(), out.size());
            return blob;
        } finally {
            Arrays.fill(contentKey, (byte) 0);
            Arrays.fill(content, (byte) 0);
        }
    }

    /** RestoreKey: a key from a blob of this HSM into {@code vault}, with its versions' ids, attributes and tags. */
    public KeyVersion restore(Vault vault, Principal caller, byte[] blob) {
        keys.authorize(vault, caller, KeyPermission.RESTORE, null, false);
        KeyBackupBlob.Sealed sealed = KeyBackupBlob.parse(blob);
        if (sealed == null) {
            throw corrupt();
        }
        if (!VaultKeys.hsmCall(() -> hsm.backup().holds(sealed.backupKeyId()))) {
            throw KeyVaultException.badParameter("The backup blob was made by a Keyward whose HSM key this Keyward's "
                    + "HSM does not hold; it can be restored only where that HSM key is.");
        }
        KeyBackupBlob.Content content = open(sealed);
        KeyName name;
        try {
            name = new KeyName(content.name());
        } catch (KeyVaultException e) {
            throw corrupt();
        }
        if (repository.findKey(vault.id(), name.key()).isPresent()) {
            throw conflict(name);
        }
        String label = VaultKeys.hsmLabel(vault, name);
        List<KeyVersion> restored = new ArrayList<>();
        try {
            for (KeyBackupBlob.Version v : content.versions()) {
                restored.add(restoreVersion(vault, name, label, sealed.backupKeyId(), v));
            }
            KeyVersion latest = restored.stream().filter(v -> v.version().equals(content.latest())).findFirst()
                    .orElseThrow(KeyTransfers::corrupt);
            boolean recorded = transactions.executeWrite(status -> {
                if (repository.findKey(vault.id(), name.key()).isPresent()) {
                    return false;
                }
                repository.upsertKey(vault.id(), name.key(), name.value(), label, latest.version());
                restored.forEach(repository::insertVersion);
                return true;
            });
            if (!recorded) {
                throw conflict(name);
            }
            LOG.info("key '{}' restored into vault {} ({} versions)", name, vault.name(), restored.size());
            return latest;
        } catch (RuntimeException e) {
            restored.forEach(v -> keys.destroyQuietly(v.hsmRef()));
            throw e;
        }
    }

    private KeyVersion restoreVersion(Vault vault, KeyName name, String label, String keyId, KeyBackupBlob.Version v) {
        KeyVersion version;
        try {
            List<KeyOperation> ops = v.keyOps().stream().map(KeyOperation::fromWire).toList();
            RsaPublicKey pub = new RsaPublicKey(new BigInteger(B64URL_DECODER.decode(v.n())),
                    new BigInteger(B64URL_DECODER.decode(v.e())));
            version = new KeyVersion(vault.id(), name, v.version(), KeyKind.fromWire(v.kty()), v.size(), ops,
                    new KeyAttributes(v.enabled(), instant(v.nbf()), instant(v.exp()), Instant.ofEpochSecond(v.created()),
                            Instant.ofEpochSecond(v.updated())), v.tags() == null ? Map.of() : v.tags(), pub, label);
            KeyType type = KeyType.rsa(v.size());
            byte[] wrapped = B64URL_DECODER.decode(v.wrapped());
            hsm.backup().restore(keyId, new KeyVersionRef(label, v.version()), type, wrapped,
                    VaultKeys.usages(ops), pub);
        } catch (HsmException e) {
            if (e.failure() == HsmFailure.BAD_INPUT || e.failure() == HsmFailure.UNSUPPORTED_ALGORITHM) {
                throw corrupt();
            }
            throw VaultKeys.unavailable(e);
        } catch (IllegalArgumentException | NullPointerException e) {
            // a blob that GCM accepted but whose content is not what Keyward writes
            throw corrupt();
        }
        return version;
    }

    private KeyBackupBlob.Content open(KeyBackupBlob.Sealed sealed) {
        byte[] contentKey;
        try {
            contentKey = hsm.backup().unwrapSecret(sealed.backupKeyId(), sealed.wrappedContentKey());
        } catch (HsmException e) {
            if (e.failure() == HsmFailure.BAD_INPUT) {
                throw corrupt();
            }
            throw VaultKeys.unavailable(e);
        }
        byte[] content = null;
        try {
            if (contentKey.length != 32) {
                throw corrupt();
            }
            content = KeyBackupBlob.open(sealed, contentKey);
            if (content == null) {
                throw corrupt();
            }
            KeyBackupBlob.Content c = json.readValue(content, KeyBackupBlob.Content.class);
            if (c == null || c.name() == null || c.latest() == null || c.versions() == null || c.versions().isEmpty()) {
                throw corrupt();
            }
            return c;
        } catch (IOException e) {
            throw corrupt();
        } finally {
            Arrays.fill(contentKey, (byte) 0);
            if (content != null) {
                Arrays.fill(content, (byte) 0);
            }
        }
    }

    private String backupKeyId() {
        return VaultKeys.hsmCall(() -> hsm.backup().keyId()).orElseThrow(() -> KeyVaultException.unavailable(
                "The HSM has no trusted backup key, so keys cannot be backed up or restored; the HSM's security officer"
                        + " provisions one (docs/key-backup.md).", null));
    }

    private static KeyVaultException corrupt() {
        return KeyVaultException.badParameter("Backup blob contains invalid or corrupt version.");
    }

    private static KeyVaultException conflict(KeyName name) {
        return KeyVaultException.conflict("There was a conflict restoring the key '" + name + "'. Key '" + name
                + "' already exists in this vault (or is deleted and recoverable); delete and purge it, or restore into "
                + "another vault.");
    }

    private static Long seconds(Instant i) {
        return i == null ? null : i.getEpochSecond();
    }

    private static Instant instant(Long seconds) {
        return seconds == null ? null : Instant.ofEpochSecond(seconds);
    }
}
