package io.keyward.app.cmk;

import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
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
 * {@code cmk_aeks} (schema/ V6, V10): one wrapped AEK per resource, with what unwrapping it needs. Only the CMK core
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
                  Instant createdAt, Instant updatedAt) {

        Principal identity() {
            return new Principal(tenantId, principalId.toString(), PrincipalType.MANAGED_IDENTITY, name);
        }

        WrappedAek aek() {
            return new WrappedAek(keyId, keyVersion, algorithm, wrapped);
        }
    }

    Optional<Stored> findById(UUID uuid);

    /** The rows of a key-health batch, in one read. */
    List<Stored> findByUuidIn(Collection<UUID> uuids);

    /** Stores or replaces the resource's wrapped AEK; a new row is active, a replaced one keeps its activity (returned). */
    @Query("""
            INSERT INTO cmk_aeks (resource_uuid, resource_kind, resource_name, tenant_id, principal_id, follows_latest, active,
                                  key_id, key_version, algorithm, wrapped_aek, created_at, updated_at)
            VALUES (:uuid, :kind, :name, :tenantId, :principalId, :followsLatest, true, :keyId, :keyVersion, :algorithm, :wrapped,
                    :now, :now)
            ON CONFLICT (resource_uuid) DO UPDATE SET follows_latest = excluded.follows_latest, key_id = excluded.key_id,
                   key_version = excluded.key_version, algorithm = excluded.algorithm, wrapped_aek = excluded.wrapped_aek,
                   updated_at = excluded.updated_at
            RETURNING active""")
    boolean upsert(UUID uuid, String kind, String name, String tenantId, UUID principalId, boolean followsLatest, String keyId,
                   String keyVersion, String algorithm, byte[] wrapped, Instant now);

    /** Replaces the wrapped AEK only if it is still the one {@code expectedVersion} wrapped. */
    @Query("""
            UPDATE cmk_aeks SET key_id = :keyId, key_version = :keyVersion, algorithm = :algorithm, wrapped_aek = :wrapped,
                   updated_at = clock_timestamp()
             WHERE resource_uuid = :uuid AND key_version = :expectedVersion""")
    int replaceIfVersion(UUID uuid, String expectedVersion, String keyId, String keyVersion, String algorithm, byte[] wrapped);

    @Query("UPDATE cmk_aeks SET active = :active WHERE resource_uuid = :uuid")
    int setActive(UUID uuid, boolean active);

    @Query("DELETE FROM cmk_aeks WHERE resource_uuid = :uuid")
    int delete(UUID uuid);
}
