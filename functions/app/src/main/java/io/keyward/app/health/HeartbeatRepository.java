package io.keyward.app.health;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.Optional;

/** {@code host_heartbeat} (schema/ V1): each instance upserts its own row. */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface HeartbeatRepository extends GenericRepository<Heartbeat, String> {

    @Query("""
            INSERT INTO host_heartbeat (instance_id, last_beat, hsm_token, hsm_ok, detail)
            VALUES (:instanceId, :lastBeat, :hsmToken, :hsmOk, :detail)
            ON CONFLICT (instance_id) DO UPDATE
               SET last_beat = EXCLUDED.last_beat, hsm_token = EXCLUDED.hsm_token,
                   hsm_ok = EXCLUDED.hsm_ok, detail = EXCLUDED.detail""")
    void upsert(String instanceId, Instant lastBeat, @Nullable String hsmToken, boolean hsmOk, @Nullable String detail);

    Optional<Heartbeat> findById(String instanceId);

    default void upsert(Heartbeat beat) {
        upsert(beat.instanceId(), beat.lastBeat(), beat.hsmToken(), beat.hsmOk(), beat.detail());
    }

    default Optional<Heartbeat> find(String instanceId) {
        return findById(instanceId);
    }
}
