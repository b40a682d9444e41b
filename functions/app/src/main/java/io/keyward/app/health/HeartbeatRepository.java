package io.keyward.app.health;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Optional;
import javax.sql.DataSource;

/** {@code host_heartbeat} (schema/ V1). Plain JDBC: one upsert and one lookup do not need a query generator. */
@Singleton
class HeartbeatRepository {

    private final DataSource dataSource;

    HeartbeatRepository(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void upsert(Heartbeat beat) {
        String sql = """
                INSERT INTO host_heartbeat (instance_id, last_beat, hsm_token, hsm_ok, detail)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (instance_id) DO UPDATE
                   SET last_beat = EXCLUDED.last_beat, hsm_token = EXCLUDED.hsm_token,
                       hsm_ok = EXCLUDED.hsm_ok, detail = EXCLUDED.detail""";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, beat.instanceId());
            ps.setTimestamp(2, Timestamp.from(beat.lastBeat()));
            ps.setString(3, beat.hsmToken());
            ps.setBoolean(4, beat.hsmOk());
            ps.setString(5, beat.detail());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not record heartbeat", e);
        }
    }

    Optional<Heartbeat> find(String instanceId) {
        String sql = "SELECT instance_id, last_beat, hsm_token, hsm_ok, detail FROM host_heartbeat WHERE instance_id = ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, instanceId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Heartbeat(rs.getString(1), rs.getTimestamp(2).toInstant(), rs.getString(3),
                        rs.getBoolean(4), rs.getString(5)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read heartbeat", e);
        }
    }
}
