package io.keyward.app.arm;

import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;

/**
 * The one way repositories run JDBC work: in a transaction that commits when the work returns and rolls back when
 * it throws, or as a plain read. Each repository turns {@link SQLException} into its own store exception, so
 * callers can still tell a name race (SQLSTATE 23505) from an outage without seeing JDBC.
 */
public final class SqlTransactions {

    /** Work on one connection; may throw what JDBC throws. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    private SqlTransactions() {
    }

    /**
     * The pool itself behind the {@code DataSource} bean. With Micronaut Data on the classpath that bean is a proxy whose
     * connections belong to the current Micronaut-managed connection or transaction (and fail outside one); the plain
     * JDBC repositories manage their connections and transactions themselves, so they take the pool directly.
     */
    public static DataSource plain(DataSource dataSource) {
        return DelegatingDataSource.unwrapDataSource(dataSource);
    }

    public static <T> T inTransaction(DataSource dataSource, SqlWork<T> work,
                                      Function<SQLException, ? extends RuntimeException> failure) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure.apply(e);
        }
    }

    public static <T> T read(DataSource dataSource, SqlWork<T> work,
                             Function<SQLException, ? extends RuntimeException> failure) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw failure.apply(e);
        }
    }
}
