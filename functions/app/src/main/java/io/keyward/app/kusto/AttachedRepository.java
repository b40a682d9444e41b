package io.keyward.app.kusto;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.MappedProperty;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code kusto_attached_database_configurations} (schema/ V13): the follower cluster follows a database of the leader;
 * either side of such a relation refuses customer-managed keys. Names compare without case.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface AttachedRepository extends GenericRepository<AttachedRepository.Attached, UUID> {

    @MappedEntity("kusto_attached_database_configurations")
    record Attached(@Id @MappedProperty("follower_uuid") UUID follower, String name, String leaderResourceId,
                    @MappedProperty("leader_uuid") UUID leader, String databaseName, String principalsKind, Instant createdAt) {
    }

    @Query("SELECT * FROM kusto_attached_database_configurations WHERE follower_uuid = :follower AND lower(name) = lower(:name)")
    Optional<Attached> find(UUID follower, String name);

    @Query("SELECT * FROM kusto_attached_database_configurations WHERE follower_uuid = :follower ORDER BY lower(name)")
    List<Attached> listOf(UUID follower);

    @Query("SELECT EXISTS (SELECT 1 FROM kusto_attached_database_configurations WHERE follower_uuid = :cluster OR leader_uuid = :cluster)")
    boolean inRelation(UUID cluster);

    @Query("DELETE FROM kusto_attached_database_configurations WHERE follower_uuid = :follower AND lower(name) = lower(:name)")
    int remove(UUID follower, String name);

    @Query("INSERT INTO kusto_attached_database_configurations (follower_uuid, name, leader_resource_id, leader_uuid, database_name,"
            + " principals_kind, created_at) VALUES (:follower, :name, :leaderResourceId, :leader, :databaseName, :principalsKind, :createdAt)")
    void insert(UUID follower, String name, String leaderResourceId, UUID leader, String databaseName, String principalsKind,
                Instant createdAt);
}
