package io.keyward.app.vault.keys;

import io.keyward.app.arm.SqlTransactions;
import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.RsaPublicKey;
import io.micronaut.core.type.Argument;
import io.micronaut.serde.ObjectMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** {@code vault_keys} and {@code vault_key_versions} (schema/ V4). Plain JDBC, PostgreSQL dialect. */
@Singleton
class VaultKeyRepository {

    /** A key name's row: which version is latest and whether the key is soft-deleted. */
    record KeyRow(String vaultId, String nameKey, String name, String hsmLabel, String latestVersion,
                  Instant deletedAt, Instant scheduledPurgeAt) {
    }

    private static final String VERSION_COLUMNS = """
            k.name, k.hsm_label, k.deleted_at, k.scheduled_purge_at, v.vault_id, v.version, v.kty, v.key_size,
            v.key_ops, v.enabled, v.not_before, v.expires, v.tags::text, v.created_at, v.updated_at,
            v.rsa_modulus, v.rsa_exponent""";

    private final DataSource dataSource;
    private final ObjectMapper json;

    VaultKeyRepository(DataSource dataSource, ObjectMapper json) {
        this.dataSource = SqlTransactions.plain(dataSource);
        this.json = json;
    }

    Optional<KeyRow> findKey(String vaultId, String nameKey) {
        String sql = """
                SELECT vault_id, name_key, name, hsm_label, latest_version, deleted_at, scheduled_purge_at
                  FROM vault_keys WHERE vault_id = ? AND name_key = ?""";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, vaultId);
            ps.setString(2, nameKey);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(keyRow(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read vault key", e);
        }
    }

    /** Every key of a vault, deleted or not: for a vault purge. */
    List<KeyRow> keysOfVault(String vaultId) {
        String sql = """
                SELECT vault_id, name_key, name, hsm_label, latest_version, deleted_at, scheduled_purge_at
                  FROM vault_keys WHERE vault_id = ?""";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, vaultId);
            try (ResultSet rs = ps.executeQuery()) {
                List<KeyRow> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(keyRow(rs));
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not list vault keys", e);
        }
    }

    Optional<KeyVersion> findVersion(String vaultId, String nameKey, String version) {
        String sql = "SELECT " + VERSION_COLUMNS + """
                  FROM vault_keys k JOIN vault_key_versions v ON v.vault_id = k.vault_id AND v.name_key = k.name_key
                 WHERE k.vault_id = ? AND k.name_key = ? AND v.version = ?""";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, vaultId);
            ps.setString(2, nameKey);
            ps.setString(3, version);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(version(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read key version", e);
        }
    }

    /**
     * A version of a live (not soft-deleted) key, the latest when {@code version} is null: one query, since every
     * crypto operation starts here.
     */
    Optional<KeyVersion> findLiveVersion(String vaultId, String nameKey, String version) {
        String sql = "SELECT " + VERSION_COLUMNS + """
                  FROM vault_keys k JOIN vault_key_versions v
                    ON v.vault_id = k.vault_id AND v.name_key = k.name_key
                   AND v.version = COALESCE(?, k.latest_version)
                 WHERE k.vault_id = ? AND k.name_key = ? AND k.deleted_at IS NULL""";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, version);
            ps.setString(2, vaultId);
            ps.setString(3, nameKey);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(version(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read key version", e);
        }
    }

    /** The latest version of each key, deleted or live, ordered by name; one more than {@code limit} if any. */
    List<Map.Entry<KeyRow, KeyVersion>> latest(String vaultId, boolean deleted, int offset, int limit) {
        String sql = "SELECT " + VERSION_COLUMNS + ", k.latest_version, k.name_key" + """
                  FROM vault_keys k JOIN vault_key_versions v
                    ON v.vault_id = k.vault_id AND v.name_key = k.name_key AND v.version = k.latest_version
                 WHERE k.vault_id = ? AND (k.deleted_at IS NOT NULL) = ?
                 ORDER BY k.name_key OFFSET ? LIMIT ?""";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, vaultId);
            ps.setBoolean(2, deleted);
            ps.setInt(3, offset);
            ps.setInt(4, limit + 1);
            try (ResultSet rs = ps.executeQuery()) {
                List<Map.Entry<KeyRow, KeyVersion>> rows = new ArrayList<>();
                while (rs.next()) {
                    KeyVersion v = version(rs);
                    KeyRow k = new KeyRow(vaultId, rs.getString("name_key"), rs.getString("name"),
                            rs.getString("hsm_label"), rs.getString("latest_version"),
                            instant(rs.getTimestamp("deleted_at")), instant(rs.getTimestamp("scheduled_purge_at")));
                    rows.add(Map.entry(k, v));
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not list vault keys", e);
        }
    }

    /** Versions of one key, oldest first; one more than {@code limit} if any. */
    List<KeyVersion> versions(String vaultId, String nameKey, int offset, int limit) {
        String sql = "SELECT " + VERSION_COLUMNS + """
                  FROM vault_keys k JOIN vault_key_versions v ON v.vault_id = k.vault_id AND v.name_key = k.name_key
                 WHERE k.vault_id = ? AND k.name_key = ?
                 ORDER BY v.created_at, v.version OFFSET ? LIMIT ?""";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, vaultId);
            ps.setString(2, nameKey);
            ps.setInt(3, offset);
            ps.setInt(4, limit == Integer.MAX_VALUE ? limit : limit + 1);
            try (ResultSet rs = ps.executeQuery()) {
                List<KeyVersion> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(version(rs));
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not list key versions", e);
        }
    }

    /**
     * Records a new version and makes it the latest, creating the key's row on its first version. Returns false,
     * writing nothing, when the name is held by a soft-deleted key (a race with a delete).
     */
    boolean insertVersion(KeyVersion v) {
        String upsertKey = """
                INSERT INTO vault_keys (vault_id, name_key, name, hsm_label, latest_version)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (vault_id, name_key) DO UPDATE SET latest_version = EXCLUDED.latest_version
                 WHERE vault_keys.deleted_at IS NULL""";
        String insertVersion = """
                INSERT INTO vault_key_versions (vault_id, name_key, version, kty, key_size, key_ops, enabled,
                    not_before, expires, tags, created_at, updated_at, rsa_modulus, rsa_exponent)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)""";
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(upsertKey)) {
                    ps.setString(1, v.vaultId());
                    ps.setString(2, v.name().key());
                    ps.setString(3, v.name().value());
                    ps.setString(4, v.hsmLabel());
                    ps.setString(5, v.version());
                    if (ps.executeUpdate() == 0) {
                        c.rollback();
                        return false;
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(insertVersion)) {
                    KeyAttributes a = v.attributes();
                    ps.setString(1, v.vaultId());
                    ps.setString(2, v.name().key());
                    ps.setString(3, v.version());
                    ps.setString(4, v.kind().wireName());
                    ps.setInt(5, v.size());
                    ps.setArray(6, operations(c, v.operations()));
                    ps.setBoolean(7, a.enabled());
                    ps.setTimestamp(8, timestamp(a.notBefore()));
                    ps.setTimestamp(9, timestamp(a.expires()));
                    ps.setString(10, tags(v.tags()));
                    ps.setTimestamp(11, timestamp(a.created()));
                    ps.setTimestamp(12, timestamp(a.updated()));
                    if (v.publicKey() == null) {
                        ps.setNull(13, Types.BINARY);
                        ps.setNull(14, Types.BINARY);
                    } else {
                        ps.setBytes(13, v.publicKey().modulus().toByteArray());
                        ps.setBytes(14, v.publicKey().publicExponent().toByteArray());
                    }
                    ps.executeUpdate();
                }
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not record key version", e);
        }
    }

    void updateVersion(KeyVersion v) {
        String sql = """
                UPDATE vault_key_versions SET key_ops = ?, enabled = ?, not_before = ?, expires = ?, tags = ?::jsonb,
                       updated_at = ?
                 WHERE vault_id = ? AND name_key = ? AND version = ?""";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            KeyAttributes a = v.attributes();
            ps.setArray(1, operations(c, v.operations()));
            ps.setBoolean(2, a.enabled());
            ps.setTimestamp(3, timestamp(a.notBefore()));
            ps.setTimestamp(4, timestamp(a.expires()));
            ps.setString(5, tags(v.tags()));
            ps.setTimestamp(6, timestamp(a.updated()));
            ps.setString(7, v.vaultId());
            ps.setString(8, v.name().key());
            ps.setString(9, v.version());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not update key version", e);
        }
    }

    /** Soft-deletes a live key; false when it was not live (already deleted or gone). */
    boolean markDeleted(String vaultId, String nameKey, Instant deletedAt, Instant scheduledPurgeAt) {
        String sql = """
                UPDATE vault_keys SET deleted_at = ?, scheduled_purge_at = ?
                 WHERE vault_id = ? AND name_key = ? AND deleted_at IS NULL""";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setTimestamp(1, timestamp(deletedAt));
            ps.setTimestamp(2, timestamp(scheduledPurgeAt));
            ps.setString(3, vaultId);
            ps.setString(4, nameKey);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("could not delete key", e);
        }
    }

    /** Recovers a soft-deleted key; false when it was not soft-deleted. */
    boolean clearDeleted(String vaultId, String nameKey) {
        String sql = """
                UPDATE vault_keys SET deleted_at = NULL, scheduled_purge_at = NULL
                 WHERE vault_id = ? AND name_key = ? AND deleted_at IS NOT NULL""";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, vaultId);
            ps.setString(2, nameKey);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("could not recover key", e);
        }
    }

    /** Removes a key and all its versions' rows. */
    void deleteKey(String vaultId, String nameKey) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM vault_keys WHERE vault_id = ? AND name_key = ?")) {
            ps.setString(1, vaultId);
            ps.setString(2, nameKey);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not remove key", e);
        }
    }

    /**
     * The key_ops of every version by its token label and version, soft-deleted keys' too (their token objects stay
     * until purged): what the start-up check of the token's key usages compares with.
     */
    Map<KeyVersionRef, List<KeyOperation>> operationsByTokenObject() {
        String sql = "SELECT k.hsm_label, v.version, v.key_ops FROM vault_key_versions v JOIN vault_keys k USING (vault_id, name_key)";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            Map<KeyVersionRef, List<KeyOperation>> out = new HashMap<>();
            while (rs.next()) {
                out.put(new KeyVersionRef(rs.getString(1), rs.getString(2)),
                        Arrays.stream((String[]) rs.getArray(3).getArray()).map(KeyOperation::fromWire).toList());
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("could not list vault key versions", e);
        }
    }

    private static KeyRow keyRow(ResultSet rs) throws SQLException {
        return new KeyRow(rs.getString("vault_id"), rs.getString("name_key"), rs.getString("name"),
                rs.getString("hsm_label"), rs.getString("latest_version"), instant(rs.getTimestamp("deleted_at")),
                instant(rs.getTimestamp("scheduled_purge_at")));
    }

    private KeyVersion version(ResultSet rs) throws SQLException {
        byte[] n = rs.getBytes("rsa_modulus");
        byte[] e = rs.getBytes("rsa_exponent");
        Array ops = rs.getArray("key_ops");
        List<KeyOperation> operations = Arrays.stream((String[]) ops.getArray()).map(KeyOperation::fromWire).toList();
        return new KeyVersion(rs.getString("vault_id"), new KeyName(rs.getString("name")), rs.getString("version"),
                KeyKind.fromWire(rs.getString("kty")), rs.getInt("key_size"), operations,
                new KeyAttributes(rs.getBoolean("enabled"), instant(rs.getTimestamp("not_before")),
                        instant(rs.getTimestamp("expires")), instant(rs.getTimestamp("created_at")),
                        instant(rs.getTimestamp("updated_at"))),
                tags(rs.getString("tags")),
                n == null ? null : new RsaPublicKey(new BigInteger(n), new BigInteger(e)),
                rs.getString("hsm_label"));
    }

    private static Array operations(Connection c, List<KeyOperation> ops) throws SQLException {
        return c.createArrayOf("text", ops.stream().map(KeyOperation::wireName).toArray());
    }

    private String tags(Map<String, String> tags) {
        try {
            return json.writeValueAsString(tags);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Map<String, String> tags(String text) {
        try {
            Map<String, String> m = json.readValue(text, Argument.mapOf(String.class, String.class));
            return m == null ? Map.of() : m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Timestamp timestamp(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
