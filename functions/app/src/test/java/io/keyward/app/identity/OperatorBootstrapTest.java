package io.keyward.app.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.devenv.Databases;
import io.keyward.devenv.LocalDatabase;
import io.keyward.devenv.SoftHsmToken;
import io.micronaut.context.ApplicationContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator bootstrap across restarts of the application, on PostgreSQL migrated by schema/ and a SoftHSM2
 * token: first start registers and writes a 600 file, later starts leave it alone, and credentials that no longer
 * sign in are replaced.
 */
class OperatorBootstrapTest {

    private static LocalDatabase db;
    private static SoftHsmToken token;

    @BeforeAll
    static void start() {
        token = SoftHsmToken.init(Path.of("target/softhsm"));
        db = Databases.start(Path.of("target/postgres-identity"), System.getenv());
    }

    @AfterAll
    static void stop() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void writesAnOwnerOnlyFileOnceAndKeepsItAcrossRestarts() throws Exception {
        Path file = Path.of("target/identity-" + UUID.randomUUID() + "/identity/operator.json");

        String first;
        try (ApplicationContext ctx = start(file)) {
            assertThat(file).exists();
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            first = Files.readString(file);
            OperatorBootstrap.OperatorFile op = ctx.getBean(OperatorBootstrap.class).ensure();
            assertThat(first).contains(op.clientId()).contains(op.clientSecret());
            Directory directory = ctx.getBean(Directory.class);
            assertThat(directory.signIn(op.tenantId(), op.clientId(), op.clientSecret())).hasValueSatisfying(s ->
                    assertThat(directory.isOperator(s.principal())).isTrue());
            assertThat(storedSecretColumns(op.clientId())).doesNotContain(op.clientSecret());
        }
        FileTime written = Files.getLastModifiedTime(file);

        try (ApplicationContext ignored = start(file)) {
            assertThat(Files.readString(file)).isEqualTo(first);
            assertThat(Files.getLastModifiedTime(file)).isEqualTo(written);
        }

        // credentials that no longer sign in (a database that was reset, a file that was edited) are replaced
        Files.writeString(file, first.replaceAll("\"clientSecret\":\"[^\"]+\"", "\"clientSecret\":\"stale\""));
        try (ApplicationContext ctx = start(file)) {
            OperatorBootstrap.OperatorFile op = ctx.getBean(OperatorBootstrap.class).ensure();
            assertThat(Files.readString(file)).isNotEqualTo(first).contains(op.clientSecret());
            assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
    }

    private static ApplicationContext start(Path operatorFile) {
        return ApplicationContext.builder().properties(Map.of(
                "keyward.database.url", db.jdbcUrl(),
                "keyward.database.user", db.user(),
                "keyward.database.password", db.password(),
                "keyward.hsm.library", token.library().toString(),
                "keyward.hsm.token-label", token.label(),
                "keyward.hsm.pin", token.pin(),
                "keyward.identity.operator-file", operatorFile.toAbsolutePath().toString())).start();
    }

    /** What the database holds for a client, as text: the secret must not be in it in any form we can read back. */
    private static String storedSecretColumns(String clientId) throws Exception {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("SELECT row_to_json(identity_clients)::text, secret_salt, secret_hash "
                     + "FROM identity_clients WHERE client_id = ?")) {
            ps.setObject(1, UUID.fromString(clientId));
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getBytes(3)).hasSize(32);
                return rs.getString(1) + new String(rs.getBytes(2), StandardCharsets.ISO_8859_1)
                        + new String(rs.getBytes(3), StandardCharsets.ISO_8859_1);
            }
        }
    }
}
