package io.keyward.app.keyhealth;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.devenv.Databases;
import io.keyward.devenv.LocalDatabase;
import io.keyward.devenv.SoftHsmToken;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Key-health claims on real PostgreSQL (schema/'s migrations): concurrent pollers share the due clusters, never check
 * one twice in a round, and take over the claims of a poller that crashed once its lease expired. Every check is
 * counted by a trigger on {@code cmk_key_health.last_checked_at}, in the database itself. The clusters here have no
 * wrapped AEK, so a check is the poller's full round trip without a vault (the CMK core finds no AEK for them).
 */
@MicronautTest(startApplication = false, transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyHealthClaimTest implements TestPropertyProvider {

    private LocalDatabase db;

    @Inject
    KeyHealthJob job;

    @Inject
    KeyHealthRepository repository;

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
                "keyward.hsm.pin", token.pin(),
                // small batches: two pollers interleave many claims in one round
                "keyward.keyhealth.batch", "2",
                "keyward.keyhealth.period", "10m");
    }

    @BeforeEach
    void onlyThisTestsRows() throws SQLException {
        // the rows a previous run left (no cmk_aeks row: nothing else polls them), and a fresh check counter
        sql("DELETE FROM cmk_key_health h WHERE NOT EXISTS (SELECT 1 FROM cmk_aeks a WHERE a.resource_uuid = h.resource_uuid)");
        sql("CREATE TABLE IF NOT EXISTS test_key_checks (resource_uuid uuid NOT NULL, owner text)");
        sql("TRUNCATE test_key_checks");
        sql("CREATE OR REPLACE FUNCTION test_count_key_check() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                + " INSERT INTO test_key_checks VALUES (NEW.resource_uuid, OLD.lease_owner); RETURN NEW; END $$");
        sql("DROP TRIGGER IF EXISTS test_count_key_check ON cmk_key_health");
        sql("CREATE TRIGGER test_count_key_check AFTER UPDATE OF last_checked_at ON cmk_key_health FOR EACH ROW"
                + " EXECUTE FUNCTION test_count_key_check()");
    }

    @AfterAll
    void stopDatabase() throws SQLException {
        if (db != null) {
            sql("DROP TRIGGER IF EXISTS test_count_key_check ON cmk_key_health");
            db.close();
        }
    }

    @Test
    void twoPollersInParallelCheckEveryDueClusterExactlyOnce() throws Exception {
        List<UUID> clusters = dueClusters(60);
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<CompletableFuture<KeyHealthJob.Round>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runs.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return job.runDue();
                }, pool));
            }
            int checked = 0;
            for (CompletableFuture<KeyHealthJob.Round> run : runs) {
                checked += run.get().checked();
            }
            assertThat(checked).isEqualTo(clusters.size());
        } finally {
            pool.shutdownNow();
        }
        assertThat(count("SELECT count(*) FROM test_key_checks")).isEqualTo(clusters.size());
        assertThat(count("SELECT count(DISTINCT resource_uuid) FROM test_key_checks")).isEqualTo(clusters.size());
        assertThat(count("SELECT count(DISTINCT owner) FROM test_key_checks")).as("both pollers took part").isEqualTo(2);
        assertThat(count("SELECT count(*) FROM cmk_key_health WHERE last_checked_at IS NULL OR lease_owner IS NOT NULL"
                + " OR next_check_at <= clock_timestamp()")).isZero();
        // a second round right after finds nothing due
        assertThat(job.runDue().checked()).isZero();
    }

    @Test
    void aCrashedPollersClaimIsTakenOverOnceItsLeaseExpiredAndItsLateResultIsIgnored() throws Exception {
        List<UUID> clusters = dueClusters(3);
        List<UUID> claimed = repository.claim("crashed-poller", 10, Duration.ofMinutes(1));
        assertThat(claimed).containsExactlyInAnyOrderElementsOf(clusters);

        // the poller crashed holding them: until the lease expires nobody else checks them
        assertThat(job.runDue().checked()).isZero();
        assertThat(count("SELECT count(*) FROM test_key_checks")).isZero();

        sql("UPDATE cmk_key_health SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE lease_owner = 'crashed-poller'");
        assertThat(job.runDue().checked()).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM test_key_checks")).isEqualTo(3);

        // the crashed poller comes back: it may neither renew its old claim nor record a result over the new owner's
        UUID first = clusters.get(0);
        assertThat(renew(first, "crashed-poller")).isFalse();
        assertThat(record(first, "crashed-poller", KeyState.Revoked, false, "late", Duration.ofMinutes(1))).isFalse();
        assertThat(repository.find(first).orElseThrow().state()).isEqualTo(KeyState.Unknown);
        assertThat(count("SELECT count(*) FROM test_key_checks")).isEqualTo(3);
    }

    @Test
    void aPollerWhoseLeaseWasTakenOverMidBatchDoesNotCheckTheCluster() throws Exception {
        UUID cluster = dueClusters(1).get(0);
        assertThat(repository.claim("slow-poller", 10, Duration.ofMinutes(1))).containsExactly(cluster);
        assertThat(renew(cluster, "slow-poller")).isTrue();
        // its batch took longer than the lease (vault time-outs); another poller took the cluster over
        sql("UPDATE cmk_key_health SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE lease_owner = 'slow-poller'");
        assertThat(repository.claim("other-poller", 10, Duration.ofMinutes(1))).containsExactly(cluster);
        assertThat(renew(cluster, "slow-poller")).isFalse();
        assertThat(renew(cluster, "other-poller")).isTrue();
    }

    @Test
    void anOutageStartsAtTheFirstFailureAndARevocationIsNotLiftedByIt() throws Exception {
        List<UUID> clusters = dueClusters(2);
        UUID outage = clusters.get(0);
        UUID revoked = clusters.get(1);
        assertThat(repository.claim("p", 10, Duration.ofMinutes(1))).hasSize(2);
        assertThat(record(outage, "p", KeyState.Unavailable, false, "down", Duration.ZERO)).isTrue();
        assertThat(record(revoked, "p", KeyState.Revoked, false, "403", Duration.ZERO)).isTrue();
        sql("UPDATE cmk_key_health SET unavailable_since = clock_timestamp() - interval '3 minutes' WHERE resource_uuid = '"
                + outage + "'");

        assertThat(repository.claim("p", 10, Duration.ofMinutes(1))).hasSize(2);
        assertThat(record(outage, "p", KeyState.Unavailable, false, "still down", Duration.ZERO)).isTrue();
        assertThat(record(revoked, "p", KeyState.Unavailable, false, "down", Duration.ZERO)).isTrue();
        KeyHealthRepository.Health o = repository.find(outage).orElseThrow();
        assertThat(o.state()).isEqualTo(KeyState.Unavailable);
        assertThat(o.unavailableFor()).as("counted from the first failure").isBetween(Duration.ofMinutes(3), Duration.ofMinutes(4));
        KeyHealthRepository.Health r = repository.find(revoked).orElseThrow();
        assertThat(r.state()).isEqualTo(KeyState.Revoked);
        assertThat(r.unavailableSince()).isNull();

        assertThat(repository.claim("p", 10, Duration.ofMinutes(1))).hasSize(2);
        assertThat(record(outage, "p", KeyState.Accessible, true, null, Duration.ofMinutes(1))).isTrue();
        assertThat(repository.find(outage).orElseThrow().unavailableSince()).as("the outage ended").isNull();
    }

    @Test
    void aRefusalSeenSinceTheClaimOutranksThePollsOlderSuccess() throws Exception {
        UUID cluster = dueClusters(1).get(0);
        assertThat(repository.claim("p", 10, Duration.ofMinutes(1))).containsExactly(cluster);
        // while the poller's unwrap was under way, a data-plane unwrap saw the vault refuse the key
        repository.refusalSeen(cluster, "403 seen by the data plane");
        assertThat(record(cluster, "p", KeyState.Accessible, true, null, Duration.ZERO)).isTrue();
        KeyHealthRepository.Health h = repository.find(cluster).orElseThrow();
        assertThat(h.state()).isEqualTo(KeyState.Revoked);
        assertThat(h.lastError()).isEqualTo("403 seen by the data plane");

        // the next poll, claimed after the refusal, may restore it
        assertThat(repository.claim("p", 10, Duration.ofMinutes(1))).containsExactly(cluster);
        assertThat(record(cluster, "p", KeyState.Accessible, true, null, Duration.ofMinutes(1))).isTrue();
        assertThat(repository.find(cluster).orElseThrow().state()).isEqualTo(KeyState.Accessible);
    }

    @Test
    void anInactiveResourceIsNotClaimedAndKeepsWhatWasRecorded() throws Exception {
        List<UUID> clusters = dueClusters(2);
        repository.setActive(clusters.get(0), false);
        assertThat(repository.claim("p", 10, Duration.ofMinutes(1))).containsExactly(clusters.get(1));
        repository.setActive(clusters.get(0), true);
        assertThat(repository.claim("p", 10, Duration.ofMinutes(1))).containsExactly(clusters.get(0));
    }

    @Test
    void oneStatementRecordsABatchAndOnlyTheRowsThePollerStillHolds() throws Exception {
        List<UUID> clusters = dueClusters(3);
        assertThat(repository.claim("p", 10, Duration.ofMinutes(1))).hasSize(3);
        sql("UPDATE cmk_key_health SET lease_owner = 'other' WHERE resource_uuid = '" + clusters.get(2) + "'");
        assertThat(repository.renew(clusters, "p", Duration.ofMinutes(1))).containsExactlyInAnyOrder(clusters.get(0), clusters.get(1));
        List<UUID> recorded = repository.record("p", List.of(
                new KeyHealthRepository.Outcome(clusters.get(0), KeyState.Accessible, true, null),
                new KeyHealthRepository.Outcome(clusters.get(1), KeyState.Revoked, false, "it's \"refused\"\n"),
                new KeyHealthRepository.Outcome(clusters.get(2), KeyState.Revoked, false, "late")), Duration.ofMinutes(1));
        assertThat(recorded).containsExactlyInAnyOrder(clusters.get(0), clusters.get(1));
        assertThat(count("SELECT count(*) FROM test_key_checks")).isEqualTo(2);
        assertThat(repository.find(clusters.get(0)).orElseThrow().state()).isEqualTo(KeyState.Accessible);
        assertThat(repository.find(clusters.get(0)).orElseThrow().lastSuccessfulUnwrap()).isNotNull();
        assertThat(repository.find(clusters.get(1)).orElseThrow().lastError()).isEqualTo("it's \"refused\"\n");
        assertThat(repository.find(clusters.get(2)).orElseThrow().state()).isEqualTo(KeyState.Unknown);
    }

    private boolean renew(UUID cluster, String owner) {
        return repository.renew(List.of(cluster), owner, Duration.ofMinutes(1)).contains(cluster);
    }

    private boolean record(UUID cluster, String owner, KeyState state, boolean unwrapped, String error, Duration period) {
        return repository.record(owner, List.of(new KeyHealthRepository.Outcome(cluster, state, unwrapped, error)), period).contains(cluster);
    }

    private List<UUID> dueClusters(int n) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        try (Connection c = connect();
             PreparedStatement ps = c.prepareStatement("INSERT INTO cmk_key_health (resource_uuid, key_state, next_check_at)"
                     + " VALUES (?, 'Unknown', clock_timestamp() - interval '1 second')")) {
            for (int i = 0; i < n; i++) {
                UUID id = UUID.randomUUID();
                ps.setObject(1, id);
                ps.executeUpdate();
                ids.add(id);
            }
        }
        return ids;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private long count(String query) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
