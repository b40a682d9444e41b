package io.keyward.app.keyhealth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.cmk.CmkResource;
import io.keyward.app.cmk.WrappedAek;
import io.keyward.devenv.Databases;
import io.keyward.devenv.LocalDatabase;
import io.keyward.devenv.SoftHsmToken;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Key health learns about resources only from the CMK core's events, in the core's transaction: a bound key resets the
 * health row and makes it due now, a paused resource is not claimed, a shredded one's row goes; a rolled-back bind leaves
 * the row as it was. Real PostgreSQL (schema/'s migrations); no vault is called (nothing here unwraps).
 */
@MicronautTest(startApplication = false, transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AekEventsTest implements TestPropertyProvider {

    /** Claims here take every due row of the shared database: released after each test, with this test's rows. */
    private static final String OWNER = "aek-events-test";
    /** the key ids of this test's AEKs (no such vault: nothing here is unwrapped) */
    private static final String KEYS = "https://kwevents.vault.localhost/keys/k/";

    private LocalDatabase db;
    private final List<UUID> created = new ArrayList<>();

    @Inject
    CmkKeys cmk;

    @Inject
    KeyHealthRepository repository;

    @Inject
    TransactionOperations<Connection> transactions;

    @Override
    public Map<String, String> getProperties() {
        SoftHsmToken token = SoftHsmToken.init(Path.of("target/softhsm"));
        db = Databases.start(Path.of("target/postgres"), System.getenv());
        return Map.of(
                "keyward.database.url", db.jdbcUrl(),
                "keyward.database.user", db.user(),
                "keyward.database.password", db.password(),
                "keyward.hsm.library", token.library().toString(),
                "keyward.hsm.token-label", token.label(),
                "keyward.hsm.pin", token.pin());
    }

    @AfterAll
    void stopDatabase() {
        if (db != null) {
            db.close();
        }
    }

    @BeforeAll
    void removeRowsAnInterruptedRunLeft() throws SQLException {
        execute("DELETE FROM cmk_key_health h USING cmk_aeks a WHERE a.resource_uuid = h.resource_uuid AND a.key_id LIKE '" + KEYS + "%'");
        execute("DELETE FROM cmk_aeks WHERE key_id LIKE '" + KEYS + "%'");
    }

    @AfterEach
    void removeThisTestsRowsAndClaims() throws SQLException {
        created.forEach(cmk::shred);
        created.clear();
        execute("UPDATE cmk_key_health SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = '" + OWNER + "'");
    }

    private CmkResource resource() {
        CmkResource r = new CmkResource(UUID.randomUUID(), "Microsoft.OperationalInsights/clusters", "events-" + UUID.randomUUID(),
                "e0000000-0000-4000-8000-00000000e0e1", UUID.randomUUID(), "westeurope");
        created.add(r.uuid());
        return r;
    }

    private static WrappedAek aek(String version) {
        return new WrappedAek(KEYS + version, version, "RSA-OAEP", new byte[256]);
    }

    @Test
    void aBoundKeyForgetsWhatWasRecordedAndIsDueNowInTheBindsTransaction() throws Exception {
        CmkResource r = resource();
        cmk.save(r, cmk.sealed(r, aek("v1")), false, Instant.now());
        assertThat(repository.find(r.uuid()).orElseThrow().state()).isEqualTo(KeyState.Unknown);
        assertThat(repository.claim(OWNER, 1000, Duration.ofMinutes(1))).contains(r.uuid());
        repository.refusalSeen(r.uuid(), "refused");
        assertThat(repository.find(r.uuid()).orElseThrow().state()).isEqualTo(KeyState.Revoked);

        // a bind whose transaction rolls back changes nothing of key health
        Binding.Bound v2 = cmk.sealed(r, aek("v2")); // the HSM call before the transaction, as in the product
        assertThatThrownBy(() -> transactions.executeWrite(status -> {
            cmk.save(r, v2, false, Instant.now());
            throw new IllegalStateException("rolled back");
        })).hasMessage("rolled back");
        assertThat(repository.find(r.uuid()).orElseThrow().state()).isEqualTo(KeyState.Revoked);
        assertThat(text("SELECT key_version FROM cmk_aeks WHERE resource_uuid = '" + r.uuid() + "'")).isEqualTo("v1");

        cmk.save(r, cmk.sealed(r, aek("v2")), false, Instant.now());
        KeyHealthRepository.Health h = repository.find(r.uuid()).orElseThrow();
        assertThat(h.state()).isEqualTo(KeyState.Unknown);
        assertThat(h.lastError()).isNull();
        assertThat(text("SELECT (lease_owner IS NULL AND next_check_at <= clock_timestamp())::text FROM cmk_key_health"
                + " WHERE resource_uuid = '" + r.uuid() + "'")).as("released and due").isEqualTo("true");
    }

    @Test
    void aPausedResourceIsNotClaimedUntilItIsActiveAgainAndAShreddedOnesRowGoes() throws Exception {
        CmkResource r = resource();
        cmk.save(r, cmk.sealed(r, aek("v1")), false, Instant.now());
        cmk.setActive(r.uuid(), false);
        assertThat(repository.claim(OWNER, 1000, Duration.ofMinutes(1))).doesNotContain(r.uuid());
        // a re-bind of a paused resource keeps it paused (the surface decides when it runs again)
        cmk.save(r, cmk.sealed(r, aek("v2")), false, Instant.now());
        assertThat(repository.claim(OWNER, 1000, Duration.ofMinutes(1))).doesNotContain(r.uuid());
        cmk.setActive(r.uuid(), true);
        assertThat(repository.claim(OWNER, 1000, Duration.ofMinutes(1))).contains(r.uuid());

        assertThat(cmk.shred(r.uuid())).isTrue();
        assertThat(repository.find(r.uuid())).isEmpty();
        assertThat(text("SELECT count(*)::text FROM cmk_aeks WHERE resource_uuid = '" + r.uuid() + "'")).isEqualTo("0");
    }

    private void execute(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private String text(String query) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
