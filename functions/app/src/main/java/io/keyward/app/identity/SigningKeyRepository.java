package io.keyward.app.identity;

import io.keyward.app.base.SqlTransactions;
import jakarta.inject.Singleton;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javax.sql.DataSource;

/** {@code identity_signing_keys} (schema/ V2): the public halves of the HSM's token signing keys. */
@Singleton
class SigningKeyRepository {

    record StoredKey(String kid, String hsmKeyName, BigInteger modulus, BigInteger exponent) {
    }

    private final DataSource dataSource;

    SigningKeyRepository(DataSource dataSource) {
        this.dataSource = SqlTransactions.plain(dataSource);
    }

    /** Active keys, newest first. */
    List<StoredKey> active() {
        try (Connection c = dataSource.getConnection()) {
            return active(c);
        } catch (SQLException e) {
            throw new IllegalStateException("could not read signing keys", e);
        }
    }

    /**
     * Runs {@code work} holding a cluster-wide lock, so that instances starting together make one signing key, not
     * one each. The lock is a transaction-scoped advisory lock: a crashed instance releases it with its connection.
     */
    <T> T locked(Function<Connection, T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext('keyward.identity.signing-key'))")) {
                    ps.execute();
                }
                T result = work.apply(c);
                c.commit();
                return result;
            } catch (RuntimeException | SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not update signing keys", e);
        }
    }

    static List<StoredKey> active(Connection c) {
        String sql = """
                SELECT kid, hsm_key_name, modulus, exponent FROM identity_signing_keys
                 WHERE retired_at IS NULL ORDER BY created_at DESC, kid""";
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            List<StoredKey> keys = new ArrayList<>();
            while (rs.next()) {
                keys.add(new StoredKey(rs.getString(1), rs.getString(2), new BigInteger(1, rs.getBytes(3)),
                        new BigInteger(1, rs.getBytes(4))));
            }
            return keys;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read signing keys", e);
        }
    }

    static void insert(Connection c, StoredKey key) {
        String sql = "INSERT INTO identity_signing_keys (kid, hsm_key_name, algorithm, modulus, exponent) VALUES (?, ?, 'RS256', ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, key.kid());
            ps.setString(2, key.hsmKeyName());
            ps.setBytes(3, unsigned(key.modulus()));
            ps.setBytes(4, unsigned(key.exponent()));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not store signing key", e);
        }
    }

    static void retire(Connection c, String kid) {
        try (PreparedStatement ps = c.prepareStatement("UPDATE identity_signing_keys SET retired_at = now() WHERE kid = ?")) {
            ps.setString(1, kid);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not retire signing key", e);
        }
    }

    private static byte[] unsigned(BigInteger n) {
        byte[] b = n.toByteArray();
        return b.length > 1 && b[0] == 0 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
    }
}
