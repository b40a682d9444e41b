package io.keyward.app.keyhealth;

import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code cmk_key_health} (schema/ V9, V10, V11, V18), this package's own table. Times come from the database clock, as
 * for async_operations' leases. Rows appear and go with the CMK core's events ({@link AekEvents}), never by reading the
 * core's tables.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
abstract class KeyHealthRepository implements GenericRepository<KeyHealthRepository.Row, UUID> {

    private final JsonMapper json;

    KeyHealthRepository(JsonMapper json) {
        this.json = json;
    }

    @MappedEntity("cmk_key_health")
    record Row(@Id UUID resourceUuid, KeyState keyState, @Nullable Instant lastSuccessfulUnwrap, @Nullable String lastError,
               @Nullable Instant lastCheckedAt, Instant nextCheckAt, @Nullable String leaseOwner, @Nullable Instant leaseExpiresAt,
               @Nullable Instant unavailableSince, boolean active, @Nullable Instant claimedAt, @Nullable Instant refusedAt) {
    }

    /** A row as the data plane and GET read it; {@code unavailableMillis}: the outage's age by the database clock. */
    @Introspected
    record Health(UUID resourceUuid, KeyState keyState, @Nullable Instant lastSuccessfulUnwrap, @Nullable String lastError,
                  @Nullable Instant lastCheckedAt, @Nullable Instant unavailableSince, @Nullable Double unavailableMillis) {

        KeyState state() {
            return keyState;
        }

        /** How long the current outage lasts (null unless Unavailable). */
        @Nullable Duration unavailableFor() {
            return unavailableMillis == null ? null : Duration.ofMillis((long) Math.max(0, unavailableMillis));
        }
    }

    /** What one check saw: {@code state} null keeps the state (the resource has no key any more). */
    record Outcome(UUID resourceUuid, @Nullable KeyState state, boolean unwrapped, @Nullable String error) {
    }

    // --- the core's events

    /** A key bound: everything recorded is forgotten and the resource is due now (a delete and insert in one). */
    @Query("""
            INSERT INTO cmk_key_health (resource_uuid, key_state, next_check_at, active)
            VALUES (:uuid, 'Unknown', clock_timestamp(), :active)
            ON CONFLICT (resource_uuid) DO UPDATE SET key_state = 'Unknown', last_successful_unwrap = NULL, last_error = NULL,
                   last_checked_at = NULL, next_check_at = clock_timestamp(), lease_owner = NULL, lease_expires_at = NULL,
                   unavailable_since = NULL, active = excluded.active, claimed_at = NULL, refused_at = NULL""")
    abstract void bound(UUID uuid, boolean active);

    @Query("UPDATE cmk_key_health SET active = :active WHERE resource_uuid = :uuid")
    abstract void setActive(UUID uuid, boolean active);

    @Query("DELETE FROM cmk_key_health WHERE resource_uuid = :uuid")
    abstract void forget(UUID uuid);

    // --- the poller

    /**
     * Claims up to {@code batch} due, active resources nobody holds (or whose lease expired). SKIP LOCKED lets concurrent
     * pollers pass over rows another is claiming; the lease keeps the claim after the row lock is gone.
     */
    List<UUID> claim(String owner, int batch, Duration lease) {
        return claimRows(owner, batch, seconds(lease));
    }

    @Query("""
            UPDATE cmk_key_health SET lease_owner = :owner, lease_expires_at = clock_timestamp() + make_interval(secs => :leaseSeconds),
                   claimed_at = clock_timestamp()
             WHERE resource_uuid IN (SELECT resource_uuid FROM cmk_key_health WHERE active AND next_check_at <= clock_timestamp()
                   AND (lease_expires_at IS NULL OR lease_expires_at <= clock_timestamp())
                   ORDER BY next_check_at LIMIT :batch FOR UPDATE SKIP LOCKED)
            RETURNING resource_uuid""")
    abstract List<UUID> claimRows(String owner, int batch, double leaseSeconds);

    /**
     * Renews {@code owner}'s leases on {@code ids}: those it still holds (renewed), without the ones it lost (the lease
     * expired and another poller took them over, or it expired unrenewed): this poller must not check or record those.
     */
    List<UUID> renew(Collection<UUID> ids, String owner, Duration lease) {
        return ids.isEmpty() ? List.of() : renewRows(ids, owner, seconds(lease));
    }

    @Query("""
            UPDATE cmk_key_health SET lease_expires_at = clock_timestamp() + make_interval(secs => :leaseSeconds)
             WHERE resource_uuid IN (:ids) AND lease_owner = :owner AND lease_expires_at > clock_timestamp()
            RETURNING resource_uuid""")
    abstract List<UUID> renewRows(Collection<UUID> ids, String owner, double leaseSeconds);

    /**
     * Records a batch of checks in one statement and releases their leases; the ids recorded (a poller whose lease was
     * taken over records nothing). {@link KeyState#Unavailable} starts an outage (or continues it:
     * {@code unavailable_since} keeps its first failure) but never lifts a revocation: an unreachable vault proves
     * nothing about access. A refusal some other check saw since this poller claimed the row (a data-plane unwrap)
     * outranks this poll's older success. Any other state ends the outage.
     */
    List<UUID> record(String owner, Collection<Outcome> outcomes, Duration period) {
        if (outcomes.isEmpty()) {
            return List.of();
        }
        List<Map<String, Object>> rows = outcomes.stream().map(o -> {
            Map<String, Object> row = new HashMap<>();
            row.put("id", o.resourceUuid().toString());
            row.put("state", o.state() == null ? null : o.state().name());
            row.put("unwrapped", o.unwrapped());
            row.put("error", o.error());
            return row;
        }).toList();
        try {
            return recordRows(owner, json.writeValueAsString(rows), seconds(period));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Query("""
            UPDATE cmk_key_health h SET
                   key_state = CASE WHEN r.state IS NULL THEN h.key_state
                                    WHEN r.state = 'Unavailable' AND h.key_state = 'Revoked' THEN h.key_state
                                    WHEN r.state <> 'Revoked' AND h.refused_at >= h.claimed_at THEN h.key_state
                                    ELSE r.state END,
                   unavailable_since = CASE WHEN r.state IS NULL THEN h.unavailable_since
                                    WHEN r.state = 'Unavailable' AND h.key_state <> 'Revoked' THEN coalesce(h.unavailable_since, clock_timestamp())
                                    WHEN r.state = 'Unavailable' THEN h.unavailable_since
                                    WHEN r.state <> 'Revoked' AND h.refused_at >= h.claimed_at THEN h.unavailable_since
                                    ELSE NULL END,
                   refused_at = CASE WHEN r.state = 'Revoked' THEN clock_timestamp() ELSE h.refused_at END,
                   last_successful_unwrap = CASE WHEN r.unwrapped THEN clock_timestamp() ELSE h.last_successful_unwrap END,
                   last_error = CASE WHEN r.state <> 'Revoked' AND h.refused_at >= h.claimed_at THEN h.last_error ELSE r.error END,
                   last_checked_at = clock_timestamp(),
                   next_check_at = clock_timestamp() + make_interval(secs => :periodSeconds),
                   lease_owner = NULL, lease_expires_at = NULL
              FROM jsonb_to_recordset(CAST(:outcomes AS jsonb)) AS r(id uuid, state text, unwrapped boolean, error text)
             WHERE h.resource_uuid = r.id AND h.lease_owner = :owner
            RETURNING h.resource_uuid""")
    abstract List<UUID> recordRows(String owner, String outcomes, double periodSeconds);

    // --- checks outside the poller

    /**
     * A failed unwrap seen outside the poller (the data plane's own unwrap on a cold cache): starts the outage now if
     * the key was not already Unavailable or Revoked, without touching the poller's schedule or lease.
     */
    @Query("""
            UPDATE cmk_key_health SET key_state = 'Unavailable', unavailable_since = coalesce(unavailable_since, clock_timestamp()),
                   last_error = :error
             WHERE resource_uuid = :uuid AND key_state IN ('Accessible', 'Unknown', 'Unavailable')""")
    abstract void outageSeen(UUID uuid, String error);

    /**
     * The vault refused an unwrap outside the poller (the data plane's own): the key is Revoked for every instance now,
     * and stays so until a poll that claimed the row after this sees the key usable again.
     */
    @Query("""
            UPDATE cmk_key_health SET key_state = 'Revoked', unavailable_since = NULL, last_error = :error,
                   refused_at = clock_timestamp()
             WHERE resource_uuid = :uuid""")
    abstract void refusalSeen(UUID uuid, String error);

    Optional<Health> find(UUID uuid) {
        return findHealth(uuid);
    }

    @Query("""
            SELECT resource_uuid, key_state, last_successful_unwrap, last_error, last_checked_at, unavailable_since,
                   extract(epoch FROM clock_timestamp() - unavailable_since) * 1000 AS unavailable_millis
              FROM cmk_key_health WHERE resource_uuid = :uuid""")
    abstract Optional<Health> findHealth(UUID uuid);

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
