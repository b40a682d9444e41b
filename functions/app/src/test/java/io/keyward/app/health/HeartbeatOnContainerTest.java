package io.keyward.app.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.devenv.Databases;
import io.micronaut.context.ApplicationContext;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The Docker path of {@link Databases}: the same migrations on a PostgreSQL container. Skipped where no Docker
 * engine answers (this build machine); it must never fail for that reason.
 */
@Testcontainers(disabledWithoutDocker = true)
class HeartbeatOnContainerTest {

    @Container
    static final PostgreSQLContainer<?> PG = new PostgreSQLContainer<>(Databases.CONTAINER_IMAGE);

    @Test
    void migratesAndRecordsAHeartbeatWithoutAnHsm() {
        try (ApplicationContext ctx = ApplicationContext.run(Map.of(
                "keyward.database.url", PG.getJdbcUrl(),
                "keyward.database.user", PG.getUsername(),
                "keyward.database.password", PG.getPassword(),
                "keyward.instance-id", "container-test"))) {
            Heartbeat beat = ctx.getBean(HeartbeatJob.class).run();

            // No HSM configured: the beat is still recorded, as "HSM down" with a reason.
            assertThat(beat.hsmOk()).isFalse();
            assertThat(beat.detail()).contains("KEYWARD_HSM_LIBRARY");
            assertThat(ctx.getBean(HeartbeatRepository.class).find("container-test")).contains(beat);
        }
    }
}
