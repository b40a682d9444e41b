package io.keyward.app.cmk;

import io.keyward.app.base.SqlTransactions;
import io.keyward.app.arm.StoreException;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** {@code cmk_aeks} and, for shredding, {@code cmk_key_health} (schema/ V6, V10). */
@Singleton
class CmkAekRepository {

    private final SqlTransactions transactions;

    CmkAekRepository(SqlTransactions transactions) {
        this.transactions = transactions;
    }

    /** A row with what unwrapping needs. */
    record Stored(UUID uuid, String kind, String name, String tenantId, UUID principalId, boolean followsLatest, boolean active,
                  WrappedAek aek) {
        Principal identity() {
            return new Principal(tenantId, principalId.toString(), PrincipalType.MANAGED_IDENTITY, name);
        }
    }

    <T> T read(SqlTransactions.SqlWork<T> work) {
        return transactions.read(work, e -> new StoreException("cmk", e));
    }

    <T> T write(SqlTransactions.SqlWork<T> work) {
        return transactions.inTransaction(work, e -> new StoreException("cmk", e));
    }

    Optional<WrappedAek> find(Connection c, UUID uuid) {
        return findStored(c, uuid).map(Stored::aek);
    }

    Optional<Stored> findStored(Connection c, UUID uuid) {
        try (PreparedStatement ps = c.prepareStatement("SELECT resource_kind, resource_name, tenant_id, principal_id, follows_latest,"
                + " active, key_id, key_version, algorithm, wrapped_aek FROM cmk_aeks WHERE resource_uuid = ?")) {
            ps.setObject(1, uuid);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Stored(uuid, rs.getString(1), rs.getString(2), rs.getString(3), rs.getObject(4, UUID.class),
                        rs.getBoolean(5), rs.getBoolean(6), new WrappedAek(rs.getString(7), rs.getString(8), rs.getString(9), rs.getBytes(10))));
            }
        } catch (SQLException e) {
            throw new StoreException("cmk", e);
        }
    }

    void save(Connection c, CmkResource r, WrappedAek aek, boolean followsLatest, Instant now) {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO cmk_aeks (resource_uuid, resource_kind, resource_name, tenant_id,"
                + " principal_id, follows_latest, active, key_id, key_version, algorithm, wrapped_aek, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, true, ?, ?, ?, ?, ?, ?) ON CONFLICT (resource_uuid) DO UPDATE SET"
                + " follows_latest = excluded.follows_latest, key_id = excluded.key_id, key_version = excluded.key_version,"
                + " algorithm = excluded.algorithm, wrapped_aek = excluded.wrapped_aek, updated_at = excluded.updated_at")) {
            ps.setObject(1, r.uuid());
            ps.setString(2, r.kind());
            ps.setString(3, r.name());
            ps.setString(4, r.tenantId());
            ps.setObject(5, r.principalId());
            ps.setBoolean(6, followsLatest);
            ps.setString(7, aek.keyId());
            ps.setString(8, aek.keyVersion());
            ps.setString(9, aek.algorithm());
            ps.setBytes(10, aek.wrapped());
            ps.setTimestamp(11, Timestamp.from(now));
            ps.setTimestamp(12, Timestamp.from(now));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cmk", e);
        }
        // The key was just proven usable: whatever the poller last saw (revoked, unavailable) no longer applies; the
        // resource is polled again at once, as a newly enrolled one.
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM cmk_key_health WHERE resource_uuid = ?")) {
            ps.setObject(1, r.uuid());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cmk", e);
        }
    }

    /** Replaces the wrapped AEK only if it is still the one {@code expectedVersion} wrapped. */
    boolean replaceIfVersion(Connection c, UUID uuid, String expectedVersion, WrappedAek aek) {
        try (PreparedStatement ps = c.prepareStatement("UPDATE cmk_aeks SET key_id = ?, key_version = ?, algorithm = ?, wrapped_aek = ?,"
                + " updated_at = clock_timestamp() WHERE resource_uuid = ? AND key_version = ?")) {
            ps.setString(1, aek.keyId());
            ps.setString(2, aek.keyVersion());
            ps.setString(3, aek.algorithm());
            ps.setBytes(4, aek.wrapped());
            ps.setObject(5, uuid);
            ps.setString(6, expectedVersion);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new StoreException("cmk", e);
        }
    }

    void setActive(Connection c, UUID uuid, boolean active) {
        try (PreparedStatement ps = c.prepareStatement("UPDATE cmk_aeks SET active = ? WHERE resource_uuid = ?")) {
            ps.setBoolean(1, active);
            ps.setObject(2, uuid);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cmk", e);
        }
    }

    boolean delete(Connection c, UUID uuid) {
        try (PreparedStatement health = c.prepareStatement("DELETE FROM cmk_key_health WHERE resource_uuid = ?");
             PreparedStatement aek = c.prepareStatement("DELETE FROM cmk_aeks WHERE resource_uuid = ?")) {
            health.setObject(1, uuid);
            health.executeUpdate();
            aek.setObject(1, uuid);
            return aek.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new StoreException("cmk", e);
        }
    }
}
