package io.keyward.app.base;

import java.sql.SQLException;

/**
 * Whether a failed write lost a race for a unique key (SQLSTATE 23505, unique_violation), wherever the driver's
 * exception sits in the cause chain (Micronaut Data wraps it): the answer a service turns into an ARM conflict ("a
 * concurrent request took the name") rather than an outage.
 */
public final class UniqueViolation {

    private static final String SQLSTATE = "23505";

    private UniqueViolation() {
    }

    public static boolean in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException e && SQLSTATE.equals(e.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
