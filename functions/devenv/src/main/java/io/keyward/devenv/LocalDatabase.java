package io.keyward.devenv;

/**
 * A running PostgreSQL that the app can use. Closing it stops what {@link Databases} started (nothing for an
 * external URL).
 */
public interface LocalDatabase extends AutoCloseable {

    String jdbcUrl();

    String user();

    /** Empty for the embedded server, which trusts local connections. */
    String password();

    /** Where the data lives, for the start-up banner; never contains the password. */
    String description();

    @Override
    void close();
}
