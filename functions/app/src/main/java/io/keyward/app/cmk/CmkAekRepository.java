package io.keyward.app.cmk;

import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code cmk_aeks} (schema/ V6, V10) and {@code cmk_key_bindings} (V33): one wrapped AEK per resource, with what
 * unwrapping it needs, and its binding ({@link KeyBindings}), read together and written in one statement or
 * transaction. Only the CMK core
 * reads and writes it; key health learns about its rows through {@link AekBound}, {@link AekShredded} and
 * {@link AekActivity}.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface CmkAekRepository extends GenericRepository<CmkAekRepository.Stored, UUID> {

    /** A row: the resource, its identity and its wrapped AEK. */
    @MappedEntity("cmk_aeks")
    record Stored(@Id @MappedProperty("resource_uuid") UUID uuid, @MappedProperty("resource_kind") String kind,
                  @MappedProperty("resource_name") String name, String tenantId, UUID principalId, boolean followsLatest,
                  boolean active, String keyId, String keyVersion, String algorithm, @MappedProperty("wrapped_aek") byte[] wrapped,
                  Instant createdAt, Instant updatedAt, @Nullable String macKeyVersion, @Nullable byte[] mac) {

        Principal identity() {
            return new Principal(tenantId, principalId.toString(), PrincipalType.MANAGED_IDENTITY, name);
        }

        WrappedAek aek() {
            return new WrappedAek(keyId, keyVersion, algorithm, wrapped);
        }
    }

    /** The row with its binding (null columns when there is none). */
    String WITH_BINDING = "SELECT a.*, b.mac_key_version, b.mac FROM cmk_aeks a LEFT JOIN cmk_key_bindings b ON b.resource_uuid = a.resource_uuid";

    @Query(WITH_BINDING + " WHERE a.resource_uuid = :uuid")
    Optional<Stored> findById(UUID uuid);

    /** The rows of a key-health batch, in one read. */
    @Query(WITH_BINDING + " WHERE a.resource_uuid IN (:uuids)")
    List<Stored> findByUuidIn(Collection<UUID> uuids);

    /** Rows without a binding: those stored before bindings existed (the upgrade binds them once). */
    @Query(WITH_BINDING + " WHERE b.resource_uuid IS NULL")
    List<Stored> unbound();

    @Query("INSERT INTO cmk_key_bindings (resource_uuid, mac_key_version, mac, bound_at) VALUES (:uuid, :macKeyVersion, :mac, :now)"
            + " ON CONFLICT (resource_uuid) DO NOTHING")
    int bindIfAbsent(UUID uuid, String macKeyVersion, byte[] mac, Instant now);

    /** The resource's binding, replacing the one it had: in the transaction that stores the row it binds. */
    @Query("INSERT INTO cmk_key_bindings (resource_uuid, mac_key_version, mac, bound_at) VALUES (:uuid, :macKeyVersion, :mac, :now)"
            + " ON CONFLICT (resource_uuid) DO UPDATE SET mac_key_version = excluded.mac_key_version, mac = excluded.mac,"
            + " bound_at = excluded.bound_at")
    void bind(UUID uuid, String macKeyVersion, byte[] mac, Instant now);

    /** Stores or replaces the resource's wrapped AEK; a new row is active, a replaced one keeps its activity (returned). */
    @Query("""
            INSERT INTO cmk_aeks (resource_uuid, resource_kind, resource_name, tenant_id, principal_id, follows_latest, active,
                                  key_id, key_version, algorithm, wrapped_aek, created_at, updated_at)
            VALUES (:uuid, :kind, :name, :tenantId, :principalId, :followsLatest, true, :keyId, :keyVersion, :algorithm, :wrapped,
                    :now, :now)
            ON CONFLICT (resource_uuid) DO UPDATE SET follows_latest = excluded.follows_latest, key_id = excluded.key_id,
                   resource_kind = excluded.resource_kind, tenant_id = excluded.tenant_id, principal_id = excluded.principal_id,
                   key_version = excluded.key_version, algorithm = excluded.algorithm, wrapped_aek = excluded.wrapped_aek,
                   updated_at = excluded.updated_at
            RETURNING active""")
    boolean upsert(UUID uuid, String kind, String name, String tenantId, UUID principalId, boolean followsLatest, String keyId,
                   String keyVersion, String algorithm, byte[] wrapped, Instant now);

    /**
     * Replaces the wrapped AEK, and its binding with it in the same statement, only if it is still the one
     * {@code expectedVersion} wrapped.
     */
    @Query("""
            WITH a AS (UPDATE cmk_aeks SET key_id = :keyId, key_version = :keyVersion, algorithm = :algorithm, wrapped_aek = :wrapped,
                   updated_at = clock_timestamp()
             WHERE resource_uuid = :uuid AND key_version = :expectedVersion RETURNING resource_uuid)
            INSERT INTO cmk_key_bindings (resource_uuid, mac_key_version, mac, bound_at)
            SELECT resource_uuid, :macKeyVersion, :mac, clock_timestamp() FROM a
            ON CONFLICT (resource_uuid) DO UPDATE SET mac_key_version = excluded.mac_key_version, mac = excluded.mac,
                   bound_at = excluded.bound_at""")
    int replaceIfVersion(UUID uuid, String expectedVersion, String keyId, String keyVersion, String algorithm, byte[] wrapped,
                         String macKeyVersion, byte[] mac);

    @Query("UPDATE cmk_aeks SET active = :active WHERE resource_uuid = :uuid")
    int setActive(UUID uuid, boolean active);

    /** The wrapped AEK and its binding. */
    @Query("WITH b AS (DELETE FROM cmk_key_bindings WHERE resource_uuid = :uuid) DELETE FROM cmk_aeks WHERE resource_uuid = :uuid")
    int delete(UUID uuid);
}
