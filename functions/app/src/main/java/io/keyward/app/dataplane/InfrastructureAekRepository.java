package io.keyward.app.dataplane;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code cluster_infrastructure_aeks} (schema/ V34): the AEK of each double-encrypted cluster's outer layer, stored only
 * wrapped by the platform KEK.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface InfrastructureAekRepository extends GenericRepository<InfrastructureAekRepository.InfrastructureAek, UUID> {

    @MappedEntity("cluster_infrastructure_aeks")
    record InfrastructureAek(@Id UUID clusterId, String kekName, String kekVersion, byte[] wrappedAek, Instant createdAt) {
    }

    Optional<InfrastructureAek> findById(UUID clusterId);

    /** Stores the cluster's first infrastructure AEK; a concurrent first one wins and this one is not stored. */
    @Query("INSERT INTO cluster_infrastructure_aeks (cluster_id, kek_name, kek_version, wrapped_aek, created_at)"
            + " VALUES (:clusterId, :kekName, :kekVersion, :wrappedAek, :createdAt) ON CONFLICT (cluster_id) DO NOTHING")
    void insertIfAbsent(UUID clusterId, String kekName, String kekVersion, byte[] wrappedAek, Instant createdAt);

    /** Crypto-shredding of a cluster's outer layer; 1 when there was an AEK. */
    @Query("DELETE FROM cluster_infrastructure_aeks WHERE cluster_id = :clusterId")
    int delete(UUID clusterId);
}
