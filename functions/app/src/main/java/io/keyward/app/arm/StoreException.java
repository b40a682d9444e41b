package io.keyward.app.arm;

import java.sql.SQLException;

/**
 * A database failure in one of the app's stores (plain JDBC repositories), with the SQLSTATE kept for callers that
 * turn a lost race into an ARM answer (a concurrent create took the name first: {@link #uniqueViolation()}).
 */
public final class StoreException extends RuntimeException {

    /** SQLSTATE unique_violation. */
    private static final String UNIQUE_VIOLATION = "23505";

    /** {@code store} names what failed in messages and logs ("cluster", "vault", ...). */
    public StoreException(String store, SQLException cause) {
        super(store + " store failed: SQLSTATE " + cause.getSQLState(), cause);
    }

    public String sqlState() {
        return ((SQLException) getCause()).getSQLState();
    }

    /** A concurrent insert took the unique key (a resource's name) first. */
    public boolean uniqueViolation() {
        return UNIQUE_VIOLATION.equals(sqlState());
    }
}
