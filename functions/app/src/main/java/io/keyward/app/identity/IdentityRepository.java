package io.keyward.app.identity;

import io.keyward.app.base.SqlTransactions;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/** {@code identity_principals} and {@code identity_clients} (schema/ V2). Plain JDBC, like the other repositories. */
@Singleton
class IdentityRepository {

    /** A client's stored secret check values and the principal it signs in as. */
    record StoredClient(UUID clientId, Principal principal, byte[] salt, byte[] hash) {
    }

    private final DataSource dataSource;

    IdentityRepository(DataSource dataSource) {
        this.dataSource = SqlTransactions.plain(dataSource);
    }

    void insertPrincipal(Principal p, boolean operator) {
        try (Connection c = dataSource.getConnection()) {
            insertPrincipal(c, p, operator);
        } catch (SQLException e) {
            throw new IllegalStateException("could not store principal", e);
        }
    }

    /** The principal and its client in one transaction: a client never exists without its principal. */
    void insertClient(Principal p, boolean operator, UUID clientId, byte[] salt, byte[] hash) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                insertPrincipal(c, p, operator);
                try (PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO identity_clients (client_id, tenant_id, object_id, secret_salt, secret_hash)
                        VALUES (?, ?, ?, ?, ?)""")) {
                    ps.setObject(1, clientId);
                    ps.setString(2, p.tenantId());
                    ps.setObject(3, UUID.fromString(p.objectId()));
                    ps.setBytes(4, salt);
                    ps.setBytes(5, hash);
                    ps.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not store client", e);
        }
    }

    Optional<Principal> findPrincipal(String tenantId, UUID objectId) {
        String sql = "SELECT tenant_id, object_id, type, display_name FROM identity_principals WHERE tenant_id = ? AND object_id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, tenantId);
            ps.setObject(2, objectId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(principal(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read principal", e);
        }
    }

    boolean isOperator(String tenantId, UUID objectId) {
        String sql = "SELECT operator FROM identity_principals WHERE tenant_id = ? AND object_id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, tenantId);
            ps.setObject(2, objectId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read principal", e);
        }
    }

    /** The client, only within its own tenant: a client id presented at another tenant's endpoint is unknown. */
    Optional<StoredClient> findClient(String tenantId, UUID clientId) {
        String sql = """
                SELECT p.tenant_id, p.object_id, p.type, p.display_name, c.client_id, c.secret_salt, c.secret_hash
                  FROM identity_clients c
                  JOIN identity_principals p ON p.tenant_id = c.tenant_id AND p.object_id = c.object_id
                 WHERE c.tenant_id = ? AND c.client_id = ?""";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, tenantId);
            ps.setObject(2, clientId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new StoredClient(rs.getObject(5, UUID.class), principal(rs), rs.getBytes(6), rs.getBytes(7)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read client", e);
        }
    }

    private static void insertPrincipal(Connection c, Principal p, boolean operator) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO identity_principals (tenant_id, object_id, type, display_name, operator)
                VALUES (?, ?, ?, ?, ?)""")) {
            ps.setString(1, p.tenantId());
            ps.setObject(2, UUID.fromString(p.objectId()));
            ps.setString(3, p.type().name());
            ps.setString(4, p.displayName());
            ps.setBoolean(5, operator);
            ps.executeUpdate();
        }
    }

    private static Principal principal(ResultSet rs) throws SQLException {
        return new Principal(rs.getString(1), rs.getObject(2, UUID.class).toString(), PrincipalType.valueOf(rs.getString(3)),
                rs.getString(4));
    }
}
