package io.keyward.app.arm;

import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * {@code async_operations} and {@code async_operation_steps} (schema/ V5). Plain JDBC like the rest of the app.
 *
 * <p>Every lease decision uses {@code clock_timestamp()}, the database's wall clock: {@code now()} is the start of
 * the transaction, which for a step transaction is before the handler ran, and would let a runner whose lease
 * expired during a slow step still pass the guard.
 */
@Singleton
class AsyncOperationRepository {

    private static final String COLUMNS = "id, provider, location, subscription_id, tenant_id, resource_id, kind, status, step,"
            + " payload, start_time, end_time, percent_complete, error_code, error_message, attempts";
    /** A runner's guard: the operation is still at the step it ran and the runner still holds an unexpired lease. */
    private static final String GUARD = " WHERE id = ? AND step = ? AND lease_owner = ? AND lease_expires_at > clock_timestamp()";
    private static final String DUE = "end_time IS NULL AND not_before <= clock_timestamp()"
            + " AND (lease_expires_at IS NULL OR lease_expires_at <= clock_timestamp())";

    private final DataSource dataSource;

    AsyncOperationRepository(DataSource dataSource) {
        this.dataSource = SqlTransactions.plain(dataSource);
    }

    /** An operation with what only the runner needs: how many times its current step has failed. */
    record Claimed(AsyncOperation op, int attempts) {
    }

    Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    AsyncOperation insert(Connection c, UUID id, NewOperation op) throws SQLException {
        String sql = "INSERT INTO async_operations (id, provider, location, subscription_id, tenant_id, resource_id, kind, status,"
                + " payload, not_before, start_time, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, clock_timestamp(), clock_timestamp(), clock_timestamp()) RETURNING " + COLUMNS;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, id);
            ps.setString(2, op.provider());
            ps.setString(3, op.location());
            ps.setString(4, op.subscriptionId());
            ps.setString(5, op.tenantId());
            ps.setString(6, op.resourceId());
            ps.setString(7, op.kind());
            ps.setString(8, op.runningStatus().name());
            ps.setString(9, op.payloadJson());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return map(rs);
            }
        }
    }

    Optional<AsyncOperation> find(UUID id) throws SQLException {
        try (Connection c = connection();
             PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM async_operations WHERE id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    boolean hasActive(String resourceId) throws SQLException {
        try (Connection c = connection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT 1 FROM async_operations WHERE lower(resource_id) = lower(?) AND end_time IS NULL LIMIT 1")) {
            ps.setString(1, resourceId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Takes the lease of the longest-due operation that nobody holds (or whose lease expired), or of {@code only}
     * when given. One statement: SKIP LOCKED lets concurrent runners pass over a row another is claiming instead of
     * queueing behind it, and the lease is what keeps the claim after the statement's row lock is gone.
     */
    Optional<Claimed> claim(@Nullable UUID only, String owner, Duration lease) throws SQLException {
        String sql = "UPDATE async_operations SET lease_owner = ?, lease_expires_at = clock_timestamp() + ?::float8 * interval '1 millisecond',"
                + " updated_at = clock_timestamp()"
                + " WHERE id = (SELECT id FROM async_operations WHERE " + DUE + (only == null ? "" : " AND id = ?")
                + " ORDER BY not_before LIMIT 1 FOR UPDATE SKIP LOCKED)"
                + " RETURNING " + COLUMNS;
        try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, owner);
            ps.setLong(2, lease.toMillis());
            if (only != null) {
                ps.setObject(3, only);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Claimed(map(rs), rs.getInt("attempts"))) : Optional.empty();
            }
        }
    }

    /** The step committed and the next one is due; the lease is extended for it. False: lease lost. */
    boolean advance(Connection c, AsyncOperation op, String owner, Duration lease, @Nullable String payload,
                    @Nullable Integer percentComplete) throws SQLException {
        String sql = "UPDATE async_operations SET step = step + 1, payload = COALESCE(?, payload),"
                + " percent_complete = COALESCE(?, percent_complete), attempts = 0,"
                + " lease_expires_at = clock_timestamp() + ?::float8 * interval '1 millisecond', updated_at = clock_timestamp()" + GUARD;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, payload);
            setInteger(ps, 2, percentComplete);
            ps.setLong(3, lease.toMillis());
            bindGuard(ps, 4, op, owner);
            return ps.executeUpdate() == 1;
        }
    }

    /** The step committed and ended the operation with {@code status}. False: lease lost. */
    boolean finish(Connection c, AsyncOperation op, String owner, OperationStatus status, @Nullable String payload,
                   @Nullable String errorCode, @Nullable String errorMessage) throws SQLException {
        String sql = "UPDATE async_operations SET step = step + 1, status = ?, payload = COALESCE(?, payload),"
                + " percent_complete = CASE WHEN ? THEN 100 ELSE percent_complete END, error_code = ?, error_message = ?,"
                + " end_time = clock_timestamp(), lease_owner = NULL, lease_expires_at = NULL, updated_at = clock_timestamp()" + GUARD;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, status.name());
            ps.setString(2, payload);
            ps.setBoolean(3, status == OperationStatus.Succeeded);
            ps.setString(4, errorCode);
            ps.setString(5, errorMessage);
            bindGuard(ps, 6, op, owner);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * The same step again after {@code delay}, by whoever claims it then; the lease is given up. {@code failed} counts
     * the attempt toward the bound (an exception), a RetryLater does not. False: lease lost.
     */
    boolean postpone(Connection c, AsyncOperation op, String owner, Duration delay, boolean failed) throws SQLException {
        String sql = "UPDATE async_operations SET not_before = clock_timestamp() + ?::float8 * interval '1 millisecond',"
                + " attempts = attempts + ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = clock_timestamp()" + GUARD;
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, delay.toMillis());
            ps.setInt(2, failed ? 1 : 0);
            bindGuard(ps, 3, op, owner);
            return ps.executeUpdate() == 1;
        }
    }

    /** Proof of the step's commit: a second commit of one step fails on the primary key. */
    void recordStep(Connection c, AsyncOperation op, String outcome, String owner) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO async_operation_steps (operation_id, step, outcome, runner) VALUES (?, ?, ?, ?)")) {
            ps.setObject(1, op.id());
            ps.setInt(2, op.step());
            ps.setString(3, outcome);
            ps.setString(4, owner);
            ps.executeUpdate();
        }
    }

    private static void bindGuard(PreparedStatement ps, int first, AsyncOperation op, String owner) throws SQLException {
        ps.setObject(first, op.id());
        ps.setInt(first + 1, op.step());
        ps.setString(first + 2, owner);
    }

    private static void setInteger(PreparedStatement ps, int index, @Nullable Integer value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.INTEGER);
        } else {
            ps.setInt(index, value);
        }
    }

    private static AsyncOperation map(ResultSet rs) throws SQLException {
        String code = rs.getString("error_code");
        Timestamp end = rs.getTimestamp("end_time");
        int percent = rs.getInt("percent_complete");
        Integer percentComplete = rs.wasNull() ? null : percent;
        return new AsyncOperation(rs.getObject("id", UUID.class), rs.getString("provider"), rs.getString("location"),
                rs.getString("subscription_id"), rs.getString("tenant_id"), rs.getString("resource_id"), rs.getString("kind"),
                OperationStatus.valueOf(rs.getString("status")), rs.getInt("step"), rs.getString("payload"),
                rs.getTimestamp("start_time").toInstant(), end == null ? null : end.toInstant(), percentComplete,
                code == null ? null : new ErrorEnvelope.Body(code, rs.getString("error_message")));
    }
}
