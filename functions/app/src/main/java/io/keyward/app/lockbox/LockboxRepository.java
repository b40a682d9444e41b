package io.keyward.app.lockbox;

import io.micronaut.core.annotation.Introspected;
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

/** {@code lockbox_requests} (schema/ V38); with the tenants' opt-in ({@code lockbox_tenants}) and the events ({@code lockbox_events}). */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface LockboxRepository extends GenericRepository<LockboxRepository.Request, UUID> {

    String COLUMNS = "request_id, tenant_id, subscription_id, workspace_resource_id, workspace_customer_id, support_tenant_id,"
            + " support_object_id, justification, support_request, duration_hours, status, created_at, expires_at, decided_at, decided_by,"
            + " reason, access_until";

    @MappedEntity("lockbox_requests")
    record Request(@Id UUID requestId, String tenantId, String subscriptionId, String workspaceResourceId, UUID workspaceCustomerId,
                   String supportTenantId, String supportObjectId, String justification, @Nullable String supportRequest, int durationHours,
                   String status, Instant createdAt, Instant expiresAt, @Nullable Instant decidedAt, @Nullable String decidedBy,
                   @Nullable String reason, @Nullable Instant accessUntil) {

        Request decided(String newStatus, Instant at, String by, String why, @Nullable Instant until) {
            return new Request(requestId, tenantId, subscriptionId, workspaceResourceId, workspaceCustomerId, supportTenantId,
                    supportObjectId, justification, supportRequest, durationHours, newStatus, createdAt, expiresAt, at, by, why, until);
        }
    }

    Request save(Request request);

    Request update(Request request);

    @Query("SELECT " + COLUMNS + " FROM lockbox_requests WHERE request_id = :requestId AND lower(subscription_id) = lower(:subscriptionId)")
    Optional<Request> find(UUID requestId, String subscriptionId);

    @Query("SELECT " + COLUMNS + " FROM lockbox_requests WHERE request_id = :requestId AND lower(subscription_id) = lower(:subscriptionId)"
            + " FOR UPDATE")
    Optional<Request> lock(UUID requestId, String subscriptionId);

    @Query("SELECT " + COLUMNS + " FROM lockbox_requests WHERE lower(subscription_id) = lower(:subscriptionId) ORDER BY created_at, request_id")
    List<Request> listOf(String subscriptionId);

    /** The approved requests naming this support principal for this workspace whose access window contains {@code now}. */
    @Query("SELECT " + COLUMNS + " FROM lockbox_requests WHERE workspace_customer_id = :customerId AND support_tenant_id = :supportTenant"
            + " AND support_object_id = :supportObject AND status = 'Approved' AND decided_at <= :now AND access_until > :now"
            + " ORDER BY access_until DESC LIMIT 1")
    Optional<Request> covering(UUID customerId, String supportTenant, String supportObject, Instant now);

    /** An event's row, as listed. */
    @Introspected
    record Event(long eventId, String tenantId, @Nullable String subscriptionId, @Nullable UUID requestId, String kind,
                 String principalTenantId, String principalObjectId, @Nullable String workspaceResourceId, @Nullable String detail,
                 Instant at) {
    }

    @Query("INSERT INTO lockbox_events (tenant_id, subscription_id, request_id, kind, principal_tenant_id, principal_object_id,"
            + " workspace_resource_id, detail, at) VALUES (:tenantId, :subscriptionId, :requestId, :kind, :principalTenant, :principalObject,"
            + " :workspaceResourceId, :detail, :at)")
    void record(String tenantId, @Nullable String subscriptionId, @Nullable UUID requestId, String kind, String principalTenant,
                String principalObject, @Nullable String workspaceResourceId, @Nullable String detail, Instant at);

    /** A subscription's events and its tenant's own (opt in, opt out), oldest first. */
    @Query("SELECT event_id, tenant_id, subscription_id, request_id, kind, principal_tenant_id, principal_object_id, workspace_resource_id,"
            + " detail, at FROM lockbox_events WHERE lower(tenant_id) = lower(:tenantId) AND (subscription_id IS NULL"
            + " OR lower(subscription_id) = lower(:subscriptionId)) ORDER BY event_id")
    List<Event> events(String tenantId, String subscriptionId);

    @Query("SELECT opted_in FROM lockbox_tenants WHERE lower(tenant_id) = lower(:tenantId)")
    Optional<Boolean> optedIn(String tenantId);

    @Query("INSERT INTO lockbox_tenants (tenant_id, opted_in, updated_at) VALUES (lower(:tenantId), :optedIn, :at)"
            + " ON CONFLICT (tenant_id) DO UPDATE SET opted_in = EXCLUDED.opted_in, updated_at = EXCLUDED.updated_at")
    void setOptedIn(String tenantId, boolean optedIn, Instant at);
}
