package io.keyward.app.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.base.SettableClock;
import io.keyward.app.hsm.HsmProbe;
import io.keyward.devenv.Databases;
import io.keyward.devenv.LocalDatabase;
import io.keyward.devenv.SoftHsmToken;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The heartbeat on real things: PostgreSQL migrated by schema/'s Flyway scripts, and a SoftHSM2 token. */
@MicronautTest(startApplication = false, transactional = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeartbeatJobTest implements TestPropertyProvider {

    private LocalDatabase db;
    private SoftHsmToken token;

    @Inject
    HeartbeatJob job;

    @Inject
    HeartbeatRepository heartbeats;

    @Inject
    HsmProbe probe;

    @Override
    public Map<String, String> getProperties() {
        token = SoftHsmToken.init(Path.of("target/softhsm"));
        db = Databases.start(Path.of("target/postgres"), System.getenv());
        return Map.of(
                "keyward.database.url", db.jdbcUrl(),
                "keyward.database.user", db.user(),
                "keyward.database.password", db.password(),
                "keyward.hsm.library", token.library().toString(),
                "keyward.hsm.token-label", token.label(),
                "keyward.hsm.pin", token.pin(),
                "keyward.instance-id", "heartbeat-job-test");
    }

    @AfterAll
    void stopDatabase() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void recordsThisInstanceWithTheTokenItReached() {
        Heartbeat beat = job.run();

        assertThat(beat.instanceId()).isEqualTo("heartbeat-job-test");
        assertThat(beat.hsmOk()).as("probe detail: %s", beat.detail()).isTrue();
        assertThat(beat.hsmToken()).isEqualTo(token.label());
        assertThat(heartbeats.find("heartbeat-job-test")).contains(beat);
    }

    @Test
    void laterBeatsUpdateTheSameRow() {
        SettableClock clock = new SettableClock(Instant.now());
        HeartbeatJob ticking = new HeartbeatJob(probe, heartbeats, clock, "heartbeat-job-test");
        Heartbeat first = ticking.run();
        clock.advance(Duration.ofSeconds(30));
        Heartbeat second = ticking.run();

        assertThat(second.lastBeat()).isAfter(first.lastBeat());
        assertThat(heartbeats.find("heartbeat-job-test")).contains(second);
    }
}
