package io.keyward.app.linkedstorage;

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

/** {@code workspace_saved_searches} (schema/ V37): names compare without case within a workspace. Content only sealed. */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface SavedSearchRepository extends GenericRepository<SavedSearchRepository.Row, UUID> {

    String COLUMNS = "search_uuid, workspace_customer_id, name, etag, key_kind, storage_account_uuid, sealed, created_at, updated_at";

    @MappedEntity("workspace_saved_searches")
    record Row(@Id UUID searchUuid, UUID workspaceCustomerId, String name, String etag, String keyKind, @Nullable UUID storageAccountUuid,
               byte[] sealed, Instant createdAt, Instant updatedAt) {
    }

    Row save(Row row);

    Row update(Row row);

    @Query("SELECT " + COLUMNS + " FROM workspace_saved_searches WHERE workspace_customer_id = :customerId AND lower(name) = lower(:name)")
    Optional<Row> find(UUID customerId, String name);

    @Query("SELECT " + COLUMNS + " FROM workspace_saved_searches WHERE workspace_customer_id = :customerId ORDER BY lower(name)")
    List<Row> listOf(UUID customerId);

    @Query("DELETE FROM workspace_saved_searches WHERE workspace_customer_id = :customerId AND lower(name) = lower(:name)")
    int delete(UUID customerId, String name);

    /** Linking a storage account for queries removes the workspace's saved searches. */
    @Query("DELETE FROM workspace_saved_searches WHERE workspace_customer_id = :customerId")
    int deleteAllOf(UUID customerId);

    /** Unlinking removes the searches stored in the account. */
    @Query("DELETE FROM workspace_saved_searches WHERE workspace_customer_id = :customerId AND storage_account_uuid = :accountUuid")
    int deleteStoredIn(UUID customerId, UUID accountUuid);

    /**
     * Serialises a workspace's link changes and saved-search writes (transaction-scoped advisory lock), so that a search
     * is never written under a key its workspace's link no longer names.
     */
    @Query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext('linkedstorage/' || CAST(:customerId AS text)))) AS locked")
    int lockWorkspace(UUID customerId);
}
