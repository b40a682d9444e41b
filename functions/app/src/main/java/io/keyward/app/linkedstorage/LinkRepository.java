package io.keyward.app.linkedstorage;

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

/**
 * {@code workspace_linked_storage_accounts} (schema/ V37): one row per workspace and data source type. Writes run in the
 * service's transactions, after the workspace's lock ({@link SavedSearchRepository#lockWorkspace}).
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface LinkRepository extends GenericRepository<LinkRepository.Link, UUID> {

    String COLUMNS = "workspace_customer_id, data_source_type, storage_account_id, storage_account_uuid, created_at";

    /** A link; the id annotation only maps the row (the key is the workspace and the data source type). */
    @MappedEntity("workspace_linked_storage_accounts")
    record Link(@Id UUID workspaceCustomerId, String dataSourceType, String storageAccountId, UUID storageAccountUuid, Instant createdAt) {
    }

    @Query("SELECT " + COLUMNS + " FROM workspace_linked_storage_accounts WHERE workspace_customer_id = :customerId"
            + " AND data_source_type = :type")
    Optional<Link> find(UUID customerId, String type);

    @Query("SELECT " + COLUMNS + " FROM workspace_linked_storage_accounts WHERE workspace_customer_id = :customerId"
            + " ORDER BY data_source_type")
    List<Link> listOf(UUID customerId);

    @Query("INSERT INTO workspace_linked_storage_accounts (" + COLUMNS + ") VALUES (:customerId, :type, :accountId, :accountUuid,"
            + " :createdAt) ON CONFLICT (workspace_customer_id, data_source_type) DO UPDATE SET storage_account_id = EXCLUDED.storage_account_id,"
            + " storage_account_uuid = EXCLUDED.storage_account_uuid, created_at = EXCLUDED.created_at")
    void upsert(UUID customerId, String type, String accountId, UUID accountUuid, Instant createdAt);

    @Query("DELETE FROM workspace_linked_storage_accounts WHERE workspace_customer_id = :customerId AND data_source_type = :type")
    int delete(UUID customerId, String type);
}
