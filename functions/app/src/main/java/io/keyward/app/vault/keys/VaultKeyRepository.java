package io.keyward.app.vault.keys;

import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.RsaPublicKey;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.annotation.TypeDef;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.DataType;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code vault_keys} and {@code vault_key_versions} (schema/ V4). Both tables are keyed by (vault id, lower-case name
 * [, version]); every query here is native and names the whole key, so the {@code @Id}s below only satisfy the mapping.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface VaultKeyRepository extends GenericRepository<VaultKeyRepository.KeyRow, String> {

    /** The key's columns a version read carries along. */
    String WITH_KEY = "SELECT k.name, k.hsm_label, k.latest_version, k.deleted_at, k.scheduled_purge_at, v.*"
            + " FROM vault_keys k JOIN vault_key_versions v ON v.vault_id = k.vault_id AND v.name_key = k.name_key";

    /** A key name's row: which version is latest and whether the key is soft-deleted. */
    @MappedEntity("vault_keys")
    record KeyRow(String vaultId, @Id String nameKey, String name, String hsmLabel, String latestVersion, @Nullable Instant deletedAt,
                  @Nullable Instant scheduledPurgeAt) {
    }

    /** A version joined with its key's row. */
    @MappedEntity("vault_key_versions")
    record VersionRow(String vaultId, String nameKey, @Id String version, String kty, int keySize,
                      @TypeDef(type = DataType.STRING_ARRAY) String[] keyOps, boolean enabled, @Nullable Instant notBefore,
                      @Nullable Instant expires, @TypeDef(type = DataType.JSON) Map<String, String> tags, Instant createdAt, Instant updatedAt,
                      @Nullable byte[] rsaModulus, @Nullable byte[] rsaExponent, String name, String hsmLabel, String latestVersion,
                      @Nullable Instant deletedAt, @Nullable Instant scheduledPurgeAt) {

        KeyVersion keyVersion() {
            return new KeyVersion(vaultId, new KeyName(name), version, KeyKind.fromWire(kty), keySize,
                    Arrays.stream(keyOps).map(KeyOperation::fromWire).toList(),
                    new KeyAttributes(enabled, notBefore, expires, createdAt, updatedAt), tags == null ? Map.of() : tags,
                    rsaModulus == null ? null : new RsaPublicKey(new BigInteger(rsaModulus), new BigInteger(rsaExponent)), hsmLabel);
        }

        KeyRow key() {
            return new KeyRow(vaultId, nameKey, name, hsmLabel, latestVersion, deletedAt, scheduledPurgeAt);
        }
    }

    @Query("SELECT * FROM vault_keys WHERE vault_id = :vaultId AND name_key = :nameKey")
    Optional<KeyRow> findKey(String vaultId, String nameKey);

    /** Every key of a vault, deleted or not: for a vault purge. */
    @Query("SELECT * FROM vault_keys WHERE vault_id = :vaultId")
    List<KeyRow> keysOfVault(String vaultId);

    @Query(WITH_KEY + " WHERE k.vault_id = :vaultId AND k.name_key = :nameKey AND v.version = :version")
    Optional<VersionRow> findVersionRow(String vaultId, String nameKey, String version);

    /**
     * A version of a live (not soft-deleted) key, the latest when {@code version} is null: one query, since every crypto
     * operation starts here.
     */
    @Query("SELECT k.name, k.hsm_label, k.latest_version, k.deleted_at, k.scheduled_purge_at, v.*"
            + " FROM vault_keys k JOIN vault_key_versions v ON v.vault_id = k.vault_id AND v.name_key = k.name_key"
            + " AND v.version = COALESCE(:version, k.latest_version)"
            + " WHERE k.vault_id = :vaultId AND k.name_key = :nameKey AND k.deleted_at IS NULL")
    Optional<VersionRow> findLiveVersionRow(String vaultId, String nameKey, @Nullable String version);

    /** The latest version of each key, deleted or live, ordered by name. */
    @Query(WITH_KEY + " AND v.version = k.latest_version WHERE k.vault_id = :vaultId AND (k.deleted_at IS NOT NULL) = :deleted"
            + " ORDER BY k.name_key OFFSET :offset LIMIT :limit")
    List<VersionRow> latestRows(String vaultId, boolean deleted, int offset, int limit);

    /** Versions of one key, oldest first. */
    @Query(WITH_KEY + " WHERE k.vault_id = :vaultId AND k.name_key = :nameKey ORDER BY v.created_at, v.version OFFSET :offset LIMIT :limit")
    List<VersionRow> versionRows(String vaultId, String nameKey, int offset, int limit);

    /** The key's row on its first version, else its latest version moved on; 0 (nothing written) while it is soft-deleted. */
    @Query("INSERT INTO vault_keys (vault_id, name_key, name, hsm_label, latest_version) VALUES (:vaultId, :nameKey, :name, :hsmLabel,"
            + " :version) ON CONFLICT (vault_id, name_key) DO UPDATE SET latest_version = EXCLUDED.latest_version"
            + " WHERE vault_keys.deleted_at IS NULL")
    int upsertKey(String vaultId, String nameKey, String name, String hsmLabel, String version);

    @Query("INSERT INTO vault_key_versions (vault_id, name_key, version, kty, key_size, key_ops, enabled, not_before, expires, tags,"
            + " created_at, updated_at, rsa_modulus, rsa_exponent) VALUES (:vaultId, :nameKey, :version, :kty, :keySize, :keyOps, :enabled,"
            + " :notBefore, :expires, CAST(:tags AS jsonb), :createdAt, :updatedAt, :rsaModulus, :rsaExponent)")
    void insertVersion(String vaultId, String nameKey, String version, String kty, int keySize,
                       @TypeDef(type = DataType.STRING_ARRAY) String[] keyOps, boolean enabled, @Nullable Instant notBefore,
                       @Nullable Instant expires, @TypeDef(type = DataType.JSON) Map<String, String> tags, Instant createdAt,
                       Instant updatedAt, @Nullable byte[] rsaModulus, @Nullable byte[] rsaExponent);

    @Query("UPDATE vault_key_versions SET key_ops = :keyOps, enabled = :enabled, not_before = :notBefore, expires = :expires,"
            + " tags = CAST(:tags AS jsonb), updated_at = :updatedAt WHERE vault_id = :vaultId AND name_key = :nameKey AND version = :version")
    void updateVersion(String vaultId, String nameKey, String version, @TypeDef(type = DataType.STRING_ARRAY) String[] keyOps,
                       boolean enabled, @Nullable Instant notBefore, @Nullable Instant expires,
                       @TypeDef(type = DataType.JSON) Map<String, String> tags, Instant updatedAt);

    /** Soft-deletes a live key; 0 when it was not live (already deleted or gone). */
    @Query("UPDATE vault_keys SET deleted_at = :deletedAt, scheduled_purge_at = :scheduledPurgeAt"
            + " WHERE vault_id = :vaultId AND name_key = :nameKey AND deleted_at IS NULL")
    int markDeleted(String vaultId, String nameKey, Instant deletedAt, Instant scheduledPurgeAt);

    /** Recovers a soft-deleted key; 0 when it was not soft-deleted. */
    @Query("UPDATE vault_keys SET deleted_at = NULL, scheduled_purge_at = NULL"
            + " WHERE vault_id = :vaultId AND name_key = :nameKey AND deleted_at IS NOT NULL")
    int clearDeleted(String vaultId, String nameKey);

    /** Removes a key and (by their foreign key) all its versions' rows. */
    @Query("DELETE FROM vault_keys WHERE vault_id = :vaultId AND name_key = :nameKey")
    void deleteKey(String vaultId, String nameKey);

    // --- the domain's view

    default Optional<KeyVersion> findVersion(String vaultId, String nameKey, String version) {
        return findVersionRow(vaultId, nameKey, version).map(VersionRow::keyVersion);
    }

    default Optional<KeyVersion> findLiveVersion(String vaultId, String nameKey, @Nullable String version) {
        return findLiveVersionRow(vaultId, nameKey, version).map(VersionRow::keyVersion);
    }

    /** The latest version of each key, with its key's row; one more than {@code limit} if any. */
    default List<Map.Entry<KeyRow, KeyVersion>> latest(String vaultId, boolean deleted, int offset, int limit) {
        return latestRows(vaultId, deleted, offset, limit + 1).stream().map(r -> Map.entry(r.key(), r.keyVersion())).toList();
    }

    /** Versions of one key, oldest first; one more than {@code limit} if any. */
    default List<KeyVersion> versions(String vaultId, String nameKey, int offset, int limit) {
        return versionRows(vaultId, nameKey, offset, limit == Integer.MAX_VALUE ? limit : limit + 1).stream().map(VersionRow::keyVersion)
                .toList();
    }

    /** Records a new version's row (its key's row already moved on to it, {@link #upsertKey}). */
    default void insertVersion(KeyVersion v) {
        KeyAttributes a = v.attributes();
        RsaPublicKey pub = v.publicKey();
        insertVersion(v.vaultId(), v.name().key(), v.version(), v.kind().wireName(), v.size(), operations(v), a.enabled(), a.notBefore(),
                a.expires(), v.tags(), a.created(), a.updated(), pub == null ? null : pub.modulus().toByteArray(),
                pub == null ? null : pub.publicExponent().toByteArray());
    }

    default void updateVersion(KeyVersion v) {
        KeyAttributes a = v.attributes();
        updateVersion(v.vaultId(), v.name().key(), v.version(), operations(v), a.enabled(), a.notBefore(), a.expires(), v.tags(), a.updated());
    }

    private static String[] operations(KeyVersion v) {
        return v.operations().stream().map(KeyOperation::wireName).toArray(String[]::new);
    }

    /** Every version's token label and key_ops, soft-deleted keys' too (their token objects stay until purged). */
    @Query(WITH_KEY)
    List<VersionRow> allVersionRows();

    /**
     * The key_ops of every version by its token object: what the start-up check of the token's key usages compares with.
     */
    default Map<KeyVersionRef, List<KeyOperation>> operationsByTokenObject() {
        Map<KeyVersionRef, List<KeyOperation>> out = new java.util.HashMap<>();
        for (VersionRow v : allVersionRows()) {
            out.put(new KeyVersionRef(v.hsmLabel(), v.version()), Arrays.stream(v.keyOps()).map(KeyOperation::fromWire).toList());
        }
        return out;
    }
}
