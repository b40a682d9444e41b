package io.keyward.app.dataplane;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** {@code workspace_platform_aeks} (schema/ V8): each workspace's platform AEK, stored only wrapped by the platform KEK. */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface PlatformAekRepository extends GenericRepository<PlatformAekRepository.PlatformAek, UUID> {

    @MappedEntity("workspace_platform_aeks")
    record PlatformAek(@Id UUID customerId, String kekName, String kekVersion, byte[] wrappedAek, Instant createdAt) {
    }

    Optional<PlatformAek> findById(UUID customerId);

    /** Stores the workspace's first platform AEK; a concurrent first one wins and this one is not stored. */
    @Query("INSERT INTO workspace_platform_aeks (customer_id, kek_name, kek_version, wrapped_aek, created_at)"
            + " VALUES (:customerId, :kekName, :kekVersion, :wrappedAek, :createdAt) ON CONFLICT (customer_id) DO NOTHING")
    void insertIfAbsent(UUID customerId, String kekName, String kekVersion, byte[] wrappedAek, Instant createdAt);

    /** Crypto-shredding of a workspace's platform-key data; 1 when there was an AEK. */
    @Query("DELETE FROM workspace_platform_aeks WHERE customer_id = :customerId")
    int delete(UUID customerId);

    /** The workspaces holding a platform AEK, in customerId order after {@code after}: keyset paging. */
    @Query("SELECT customer_id FROM workspace_platform_aeks WHERE customer_id > COALESCE(CAST(:after AS uuid),"
            + " " + DataBlockRepository.FIRST + ") ORDER BY customer_id LIMIT :limit")
    List<UUID> workspacesAfter(@Nullable UUID after, int limit);
}
