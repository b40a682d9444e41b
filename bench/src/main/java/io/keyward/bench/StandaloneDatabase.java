package io.keyward.bench;

import io.keyward.devenv.Databases;
import io.keyward.devenv.LocalDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CountDownLatch;

/**
 * An embedded PostgreSQL in a process of its own, for bench/coldstart.sh's "database already running" starts (as on
 * Azure, where PostgreSQL is a service): {@code StandaloneDatabase DATA_DIR URL_FILE}. Writes the JDBC URL to
 * URL_FILE once the server accepts connections and stops it on SIGTERM.
 */
public final class StandaloneDatabase {

    private StandaloneDatabase() {
    }

    public static void main(String[] args) throws Exception {
        LocalDatabase db = Databases.startEmbedded(Path.of(args[0]));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            db.close();
            stopped.countDown();
        }, "standalone-database-stop"));
        Path urlFile = Path.of(args[1]);
        Path tmp = urlFile.resolveSibling(urlFile.getFileName() + ".tmp");
        Files.writeString(tmp, db.jdbcUrl());
        Files.move(tmp, urlFile, StandardCopyOption.ATOMIC_MOVE);
        stopped.await();
    }
}
