package io.keyward.app.keyhealth;

import io.keyward.app.base.SqlTransactions;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@code cmk_key_health} (schema/ V9, V10). Times come from the database clock, as for async_operations' leases. */
@Singleton
class KeyHealthRepository {

    private final SqlTransactions transactions;

    KeyHealthRepository(SqlTransactions transactions) {
        this.transactions = transactions;
    }

    /** {@code unavailableFor}: how long the current outage lasts by the database clock (null unless Unavailable). */
    record Health(UUID clusterId, KeyState state, @Nullable Instant lastSuccessfulUnwrap, @Nullable String lastError,
                  @Nullable Instant lastCheckedAt, @Nullable Instant unavailableSince, @Nullable Duration unavailableFor) {
    }

    /** Adds a row (due now, Unknown) for every cluster that has a wrapped AEK and none yet. */
    int enrol() {
        return write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO cmk_key_health (resource_uuid, key_state, next_check_at)"
                    + " SELECT resource_uuid, 'Unknown', clock_timestamp() FROM cmk_aeks WHERE active ON CONFLICT DO NOTHING")) {
                return ps.executeUpdate();
            }
        });
    }

    /**
     * Claims up to {@code batch} due clusters nobody holds (or whose lease expired). SKIP LOCKED lets concurrent
     * pollers pass over rows another is claiming; the lease keeps the claim after the row lock is gone.
     */
    List<UUID> claim(String owner, int batch, Duration lease) {
        return write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE cmk_key_health SET lease_owner = ?,"
                    + " lease_expires_at = clock_timestamp() + ?::float8 * interval '1 millisecond'"
                    + " WHERE resource_uuid IN (SELECT resource_uuid FROM cmk_key_health WHERE next_check_at <= clock_timestamp()"
                    + " AND (lease_expires_at IS NULL OR lease_expires_at <= clock_timestamp())"
                    + " ORDER BY next_check_at LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING resource_uuid")) {
                ps.setString(1, owner);
                ps.setLong(2, lease.toMillis());
                ps.setInt(3, batch);
                List<UUID> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getObject(1, UUID.class));
                    }
                }
                return ids;
            }
        });
    }

    /**
     * Renews {@code owner}'s lease on one claimed cluster just before checking it; false when the claim was lost (the
     * lease expired and another poller took the cluster): then this poller must not check it.
     */
    boolean renew(UUID clusterId, String owner, Duration lease) {
        return write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE cmk_key_health SET"
                    + " lease_expires_at = clock_timestamp() + ?::float8 * interval '1 millisecond'"
                    + " WHERE resource_uuid = ? AND lease_owner = ? AND lease_expires_at > clock_timestamp()")) {
                ps.setLong(1, lease.toMillis());
                ps.setObject(2, clusterId);
                ps.setString(3, owner);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * Records a check and releases the lease; {@code state} null keeps the state (no key). {@link KeyState#Unavailable}
     * starts an outage (or continues it: {@code unavailable_since} keeps its first failure) but never lifts a
     * revocation: an unreachable vault proves nothing about access. Any other state ends the outage. A poller whose
     * lease was taken over records nothing (false).
     */
    boolean record(UUID clusterId, String owner, @Nullable KeyState state, boolean unwrapped, @Nullable String error, Duration period) {
        return write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE cmk_key_health SET key_state = CASE"
                    + " WHEN ? IS NULL THEN key_state WHEN ? = 'Unavailable' AND key_state = 'Revoked' THEN key_state ELSE ? END,"
                    + " unavailable_since = CASE WHEN ? IS NULL THEN unavailable_since"
                    + " WHEN ? = 'Unavailable' AND key_state <> 'Revoked' THEN coalesce(unavailable_since, clock_timestamp())"
                    + " WHEN ? = 'Unavailable' THEN unavailable_since ELSE NULL END,"
                    + " last_successful_unwrap = CASE WHEN ? THEN clock_timestamp() ELSE last_successful_unwrap END,"
                    + " last_error = ?, last_checked_at = clock_timestamp(),"
                    + " next_check_at = clock_timestamp() + ?::float8 * interval '1 millisecond',"
                    + " lease_owner = NULL, lease_expires_at = NULL WHERE resource_uuid = ? AND lease_owner = ?")) {
                String s = state == null ? null : state.name();
                for (int i = 1; i <= 6; i++) {
                    ps.setString(i, s);
                }
                ps.setBoolean(7, unwrapped);
                ps.setString(8, error);
                ps.setLong(9, period.toMillis());
                ps.setObject(10, clusterId);
                ps.setString(11, owner);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * A failed unwrap seen outside the poller (the data plane's own unwrap on a cold cache): starts the outage now if
     * the key was not already Unavailable or Revoked, without touching the poller's schedule or lease.
     */
    void outageSeen(UUID clusterId, String error) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE cmk_key_health SET key_state = 'Unavailable',"
                    + " unavailable_since = coalesce(unavailable_since, clock_timestamp()), last_error = ?"
                    + " WHERE resource_uuid = ? AND key_state IN ('Accessible', 'Unknown', 'Unavailable')")) {
                ps.setString(1, error);
                ps.setObject(2, clusterId);
                return ps.executeUpdate();
            }
        });
    }

    Optional<Health> find(UUID clusterId) {
        return transactions.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT key_state, last_successful_unwrap, last_error, last_checked_at,"
                    + " unavailable_since, extract(epoch FROM clock_timestamp() - unavailable_since) * 1000"
                    + " FROM cmk_key_health WHERE resource_uuid = ?")) {
                ps.setObject(1, clusterId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Health>empty();
                    }
                    double millis = rs.getDouble(6);
                    Duration unavailableFor = rs.wasNull() ? null : Duration.ofMillis((long) Math.max(0, millis));
                    return Optional.of(new Health(clusterId, KeyState.valueOf(rs.getString(1)), instant(rs, 2), rs.getString(3),
                            instant(rs, 4), instant(rs, 5), unavailableFor));
                }
            }
        }, KeyHealthRepository::failure);
    }

    private static @Nullable Instant instant(ResultSet rs, int column) throws SQLException {
        java.sql.Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private <T> T write(SqlTransactions.SqlWork<T> work) {
        return transactions.inTransaction(work, KeyHealthRepository::failure);
    }

    private static RuntimeException failure(SQLException e) {
        return new IllegalStateException("cmk_key_health: " + e.getMessage(), e);
    }
}
