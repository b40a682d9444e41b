package io.keyward.app;

import io.keyward.devenv.Databases;
import io.keyward.devenv.LocalDatabase;
import io.keyward.devenv.SoftHsmToken;
import io.micronaut.context.ApplicationContext;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The app's context on a real PostgreSQL (embedded, its own data directory) and a SoftHSM2 token of the module's
 * test directory, for tests that start one context themselves. Closing it closes both.
 */
public record TestApp(ApplicationContext context, LocalDatabase database) implements AutoCloseable {

    /** {@code tokenLabel} null: the module's shared test token. */
    public static TestApp start(String dataDir, String tokenLabel, Map<String, Object> extra) {
        SoftHsmToken token = SoftHsmToken.init(Path.of("target/softhsm"), tokenLabel);
        LocalDatabase db = Databases.start(Path.of(dataDir), System.getenv());
        Map<String, Object> properties = new HashMap<>(Map.of(
                "keyward.database.url", db.jdbcUrl(),
                "keyward.database.user", db.user(),
                "keyward.database.password", db.password(),
                "keyward.hsm.library", token.library().toString(),
                "keyward.hsm.token-label", token.label(),
                "keyward.hsm.pin", token.pin()));
        properties.putAll(extra);
        try {
            return new TestApp(ApplicationContext.builder().properties(properties).start(), db);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            context.close();
        } finally {
            database.close();
        }
    }
}
