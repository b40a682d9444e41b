package io.keyward.app.base;

import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The bridge from the repositories still written against JDBC directly into the app's one transaction manager,
 * Micronaut Data's: their work runs in the current transaction when there is one (so it commits or rolls back with the
 * Micronaut Data repositories and the services' transactions around it), else in a new one that commits when the work
 * returns and rolls back when it throws. Used by {@code identity}'s repositories ({@link #plain}), {@code keyhealth}'s,
 * {@code cmk.CmkAekRepository} and the engine's transactions; everything else uses Micronaut Data repositories and
 * {@code TransactionOperations} directly. Each repository turns {@link SQLException} into its own store exception, so
 * callers can still tell a name race (SQLSTATE 23505) from an outage without seeing JDBC.
 */
@Singleton
public final class SqlTransactions {

    /** Work on the transaction's connection; may throw what JDBC throws. Never commit, roll back or close it. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    private final TransactionOperations<Connection> transactions;

    SqlTransactions(TransactionOperations<Connection> transactions) {
        this.transactions = transactions;
    }

    /**
     * The pool itself behind the {@code DataSource} bean. With Micronaut Data that bean is a proxy whose connections
     * belong to the current Micronaut-managed connection or transaction (and fail outside one); code that manages a
     * connection of its own (a lookup in auto-commit, a test's set-up) takes the pool directly.
     */
    public static DataSource plain(DataSource dataSource) {
        return DelegatingDataSource.unwrapDataSource(dataSource);
    }

    /** Runs {@code work} in the current transaction, or in a new one. */
    public <T> T inTransaction(SqlWork<T> work, Function<SQLException, ? extends RuntimeException> failure) {
        try {
            return transactions.executeWrite(status -> {
                try {
                    return work.run(status.getConnection());
                } catch (SQLException e) {
                    throw new Sql(e);
                }
            });
        } catch (Sql e) {
            throw failure.apply((SQLException) e.getCause());
        }
    }

    /** A read: the same as {@link #inTransaction}; a read that joins a writing transaction sees its writes. */
    public <T> T read(SqlWork<T> work, Function<SQLException, ? extends RuntimeException> failure) {
        return inTransaction(work, failure);
    }

    /** Carries a JDBC failure out of the transaction template, which rolls back on any runtime exception. */
    private static final class Sql extends RuntimeException {
        Sql(SQLException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }
}
