package io.keyward.devenv;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * The one place that decides which PostgreSQL the local host and the tests use, in this order:
 * <ol>
 *   <li>{@code KEYWARD_DATABASE_URL} (with {@code KEYWARD_DATABASE_USER} / {@code KEYWARD_DATABASE_PASSWORD}),</li>
 *   <li>a PostgreSQL container when a Docker engine answers,</li>
 *   <li>an embedded PostgreSQL whose data directory is {@code <dataDir>}, kept across starts.</li>
 * </ol>
 * Production never comes here: it is configured with a URL.
 */
public final class Databases {

    /** Same major version as the embedded binaries, so behaviour does not depend on which path was taken. */
    public static final String CONTAINER_IMAGE = "postgres:17-alpine";

    private static final Logger LOG = LoggerFactory.getLogger(Databases.class);

    private Databases() {
    }

    public static LocalDatabase start(Path embeddedDataDir, Map<String, String> env) {
        String url = env.get("KEYWARD_DATABASE_URL");
        if (url != null && !url.isBlank()) {
            return new External(url, env.getOrDefault("KEYWARD_DATABASE_USER", ""),
                    env.getOrDefault("KEYWARD_DATABASE_PASSWORD", ""));
        }
        if (dockerAvailable()) {
            return startContainer();
        }
        return startEmbedded(embeddedDataDir, env);
    }

    /**
     * True only when a Docker engine answers. Any failure of the probe (no socket, no client config, a
     * Testcontainers bug) means "no": the embedded path must then still work.
     */
    public static boolean dockerAvailable() {
        // Testcontainers logs an ERROR with a long explanation when it finds no engine; skip it when there is
        // plainly nothing to find (no DOCKER_HOST, no default socket, no Testcontainers config file).
        boolean hint = System.getenv("DOCKER_HOST") != null
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
        if (!hint) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            LOG.debug("Docker probe failed, treating as unavailable", e);
            return false;
        }
    }

    public static LocalDatabase startContainer() {
        PostgreSQLContainer<?> pg = new PostgreSQLContainer<>(CONTAINER_IMAGE);
        pg.start();
        return new LocalDatabase() {
            @Override public String jdbcUrl() { return pg.getJdbcUrl(); }
            @Override public String user() { return pg.getUsername(); }
            @Override public String password() { return pg.getPassword(); }
            @Override public String description() { return "PostgreSQL container " + CONTAINER_IMAGE + " at " + pg.getJdbcUrl(); }
            @Override public void close() { pg.stop(); }
        };
    }

    /** The embedded PostgreSQL with the process environment's settings ({@link #startEmbedded(Path, Map)}). */
    public static LocalDatabase startEmbedded(Path dataDir) {
        return startEmbedded(dataDir, System.getenv());
    }

    /**
     * The embedded PostgreSQL whose data directory is {@code dataDir}, kept across starts. It starts after any end
     * of the previous one: a host killed with SIGKILL leaves its postgres running on the directory (pg_ctl detaches
     * it), a postgres killed with SIGKILL leaves a {@code postmaster.pid} whose PID the system may give to another
     * process; {@link StalePostmaster} clears both before the start.
     *
     * <p>Durable by default: fsync and synchronous commit on, as in production (zonky passes {@code -F}, which the
     * {@code -c fsync=on} after it overrides). {@code KEYWARD_POSTGRES_FSYNC=off} trades that for speed;
     * {@code KEYWARD_POSTGRES_START_TIMEOUT} (default 60s) bounds the start, crash recovery included.
     */
    public static LocalDatabase startEmbedded(Path dataDir, Map<String, String> env) {
        boolean fsync = !"off".equalsIgnoreCase(env.getOrDefault("KEYWARD_POSTGRES_FSYNC", "on").trim());
        Duration timeout = Duration.parse("PT" + env.getOrDefault("KEYWARD_POSTGRES_START_TIMEOUT", "60s").trim().toUpperCase());
        try {
            Files.createDirectories(dataDir);
            StalePostmaster.clear(dataDir, timeout);
            // Not cleaned: the local host keeps its vaults and keys' metadata across restarts. zonky runs initdb
            // only when the directory holds no cluster yet.
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setPgBinaryResolver(PreparedBinaries.INSTANCE)
                    .setOverrideWorkingDirectory(PreparedBinaries.INSTANCE.workingDirectory())
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setServerConfig("fsync", fsync ? "on" : "off")
                    .setServerConfig("synchronous_commit", fsync ? "on" : "off")
                    .setPGStartupWait(timeout)
                    .start();
            PreparedBinaries.INSTANCE.remember();
            String url = pg.getJdbcUrl("postgres", "postgres");
            String durability = fsync ? "" : ", fsync off";
            return new LocalDatabase() {
                @Override public String jdbcUrl() { return url; }
                @Override public String user() { return "postgres"; }
                @Override public String password() { return ""; }
                @Override public String description() {
                    return "embedded PostgreSQL at " + url + " (data: " + dataDir + durability + ")";
                }
                @Override public void close() {
                    try {
                        pg.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL in " + dataDir, e);
        }
    }

    private record External(String jdbcUrl, String user, String password) implements LocalDatabase {
        @Override
        public String description() {
            // The URL may carry ?password=...: show only scheme, host and database.
            int q = jdbcUrl.indexOf('?');
            return "PostgreSQL at " + (q < 0 ? jdbcUrl : jdbcUrl.substring(0, q)) + " (KEYWARD_DATABASE_URL)";
        }

        @Override
        public String toString() {
            return description();
        }

        @Override
        public void close() {
        }
    }
}
