package io.keyward.app.clusters;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** {@code cluster_workspaces} (schema/ V6, V46): the workspaces whose link to a cluster completed. */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface ClusterWorkspaceRepository extends GenericRepository<ClusterWorkspaceRepository.Link, UUID> {

    /**
     * {@code workspaceKey}: the resource id in lower case; {@code workspaceId}: as the link named it;
     * {@code workspaceCustomerId}: the workspace's immutable id (null only for a link whose workspace was gone by V46).
     */
    @MappedEntity("cluster_workspaces")
    record Link(@Id UUID clusterId, String workspaceKey, String workspaceId, Instant associatedAt, @Nullable UUID workspaceCustomerId) {
    }

    @Query("INSERT INTO cluster_workspaces (cluster_id, workspace_key, workspace_id, associated_at, workspace_customer_id)"
            + " VALUES (:clusterId, lower(:workspaceId), :workspaceId, :at, :customerId) ON CONFLICT (cluster_id, workspace_key) DO NOTHING")
    void link(UUID clusterId, String workspaceId, UUID customerId, Instant at);

    @Query("DELETE FROM cluster_workspaces WHERE cluster_id = :clusterId AND workspace_key = lower(:workspaceId)")
    void unlink(UUID clusterId, String workspaceId);

    @Query("SELECT count(*) FROM cluster_workspaces WHERE cluster_id = :clusterId")
    int countLinks(UUID clusterId);

    @Query("SELECT * FROM cluster_workspaces WHERE cluster_id = :clusterId ORDER BY associated_at, workspace_key")
    List<Link> linksOf(UUID clusterId);
}
