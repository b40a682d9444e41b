package io.keyward.app.health;

import io.keyward.app.hsm.HsmHealth;
import io.keyward.app.hsm.HsmProbe;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records that this instance is alive and whether it reaches the HSM, in {@code host_heartbeat}. Run by the
 * {@code Host_Heartbeat} timer function; any number of instances may run it, each owns its row.
 */
@Singleton
public class HeartbeatJob {

    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatJob.class);

    private final HsmProbe probe;
    private final HeartbeatRepository heartbeats;
    private final String instanceId;
    private final Clock clock;

    HeartbeatJob(HsmProbe probe, HeartbeatRepository heartbeats, Clock clock, @Value("${keyward.instance-id:}") String configuredId) {
        this.probe = probe;
        this.clock = clock;
        this.heartbeats = heartbeats;
        this.instanceId = instanceId(configuredId);
    }

    public Heartbeat run() {
        HsmHealth health = probe.check();
        // Microseconds: what timestamptz stores, so the returned value equals the row read back.
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Heartbeat beat = health instanceof HsmHealth.Up up
                ? new Heartbeat(instanceId, now, up.token().label(), true, null)
                : new Heartbeat(instanceId, now, null, false, ((HsmHealth.Down) health).reason());
        heartbeats.upsert(beat);
        LOG.debug("heartbeat {} hsmOk={}", instanceId, beat.hsmOk());
        return beat;
    }

    public String instanceId() {
        return instanceId;
    }

    /** Azure sets WEBSITE_INSTANCE_ID per worker instance; elsewhere host name and pid identify the process. */
    private static String instanceId(String configured) {
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        String azure = System.getenv("WEBSITE_INSTANCE_ID");
        if (azure != null && !azure.isBlank()) {
            return azure;
        }
        return ManagementFactory.getRuntimeMXBean().getName(); // "pid@hostname"
    }
}
