package io.keyward.app.arm;

import io.keyward.app.base.ErrorEnvelope;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code async_operations} and {@code async_operation_steps} (schema/ V5).
 *
 * <p>Every lease decision uses {@code clock_timestamp()}, the database's wall clock: {@code now()} is the start of
 * the transaction, which for a step transaction is before the handler ran, and would let a runner whose lease
 * expired during a slow step still pass the guard.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface AsyncOperationRepository extends GenericRepository<AsyncOperationRepository.Row, UUID> {

    /** A runner's guard: the operation is still at the step it ran and the runner still holds an unexpired lease. */
    String GUARD = " WHERE id = :id AND step = :step AND lease_owner = :owner AND lease_expires_at > clock_timestamp()";
    String DUE = "end_time IS NULL AND not_before <= clock_timestamp()"
            + " AND (lease_expires_at IS NULL OR lease_expires_at <= clock_timestamp())";
    String CLAIM = "UPDATE async_operations SET lease_owner = :owner,"
            + " lease_expires_at = clock_timestamp() + CAST(:leaseMillis AS float8) * interval '1 millisecond', updated_at = clock_timestamp()"
            + " WHERE id = (SELECT id FROM async_operations WHERE " + DUE;
    String CLAIMED = " ORDER BY not_before LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id";

    /** A row; {@code attempts} counts the failed attempts of the current step, which only the runner needs. */
    @MappedEntity("async_operations")
    record Row(@Id UUID id, String provider, String location, String subscriptionId, String tenantId, String resourceId, String kind,
               String status, int step, @Nullable String payload, @Nullable Integer percentComplete, @Nullable String errorCode,
               @Nullable String errorMessage, int attempts, Instant notBefore, @Nullable String leaseOwner,
               @Nullable Instant leaseExpiresAt, Instant startTime, @Nullable Instant endTime, Instant updatedAt) {

        AsyncOperation operation() {
            return new AsyncOperation(id, provider, location, subscriptionId, tenantId, resourceId, kind, OperationStatus.valueOf(status),
                    step, payload, startTime, endTime, percentComplete, errorCode == null ? null : new ErrorEnvelope.Body(errorCode, errorMessage));
        }
    }

    /** An operation with what only the runner needs: how many times its current step has failed. */
    record Claimed(AsyncOperation op, int attempts) {
    }

    @Query("INSERT INTO async_operations (id, provider, location, subscription_id, tenant_id, resource_id, kind, status, payload,"
            + " not_before, start_time, updated_at) VALUES (:id, :provider, :location, :subscriptionId, :tenantId, :resourceId, :kind,"
            + " :status, :payload, clock_timestamp(), clock_timestamp(), clock_timestamp()) RETURNING *")
    Row insert(UUID id, String provider, String location, String subscriptionId, String tenantId, String resourceId, String kind,
               String status, @Nullable String payload);

    Optional<Row> findById(UUID id);

    @Query("SELECT EXISTS (SELECT 1 FROM async_operations WHERE lower(resource_id) = lower(:resourceId) AND end_time IS NULL)")
    boolean hasActive(String resourceId);

    /**
     * Takes the lease of the longest-due operation that nobody holds (or whose lease expired); its id. One statement: SKIP
     * LOCKED lets concurrent runners pass over a row another is claiming instead of queueing behind it, and the lease is
     * what keeps the claim after the statement's row lock is gone (so the row is read after it, as its owner). A list, not an
     * Optional: Micronaut Data answers an UPDATE ... RETURNING that touched no row with null where an Optional is declared.
     */
    @Query(CLAIM + CLAIMED)
    List<UUID> claimNext(String owner, long leaseMillis);

    /** {@link #claimNext} of one operation: empty unless it is due and free. */
    @Query(CLAIM + " AND id = :only" + CLAIMED)
    List<UUID> claimOne(UUID only, String owner, long leaseMillis);

    /** The step committed and the next one is due; the lease is extended for it. 0: lease lost. */
    @Query("UPDATE async_operations SET step = step + 1, payload = COALESCE(:payload, payload),"
            + " percent_complete = COALESCE(:percentComplete, percent_complete), attempts = 0,"
            + " lease_expires_at = clock_timestamp() + CAST(:leaseMillis AS float8) * interval '1 millisecond', updated_at = clock_timestamp()"
            + GUARD)
    int advance(UUID id, int step, String owner, long leaseMillis, @Nullable String payload, @Nullable Integer percentComplete);

    /** The step committed and ended the operation with {@code status}. 0: lease lost. */
    @Query("UPDATE async_operations SET step = step + 1, status = :status, payload = COALESCE(:payload, payload),"
            + " percent_complete = CASE WHEN :succeeded THEN 100 ELSE percent_complete END, error_code = :errorCode,"
            + " error_message = :errorMessage, end_time = clock_timestamp(), lease_owner = NULL, lease_expires_at = NULL,"
            + " updated_at = clock_timestamp()" + GUARD)
    int finish(UUID id, int step, String owner, String status, boolean succeeded, @Nullable String payload, @Nullable String errorCode,
               @Nullable String errorMessage);

    /**
     * The same step again after {@code delayMillis}, by whoever claims it then; the lease is given up. {@code failed} (1)
     * counts the attempt toward the bound (an exception), a RetryLater (0) does not. 0: lease lost.
     */
    @Query("UPDATE async_operations SET not_before = clock_timestamp() + CAST(:delayMillis AS float8) * interval '1 millisecond',"
            + " attempts = attempts + :failed, lease_owner = NULL, lease_expires_at = NULL, updated_at = clock_timestamp()" + GUARD)
    int postpone(UUID id, int step, String owner, long delayMillis, int failed);

    /** Proof of the step's commit: a second commit of one step fails on the primary key. */
    @Query("INSERT INTO async_operation_steps (operation_id, step, outcome, runner) VALUES (:id, :step, :outcome, :owner)")
    void recordStep(UUID id, int step, String outcome, String owner);

    default AsyncOperation insert(UUID id, NewOperation op) {
        return insert(id, op.provider(), op.location(), op.subscriptionId(), op.tenantId(), op.resourceId(), op.kind(),
                op.runningStatus().name(), op.payloadJson()).operation();
    }

    default Optional<AsyncOperation> find(UUID id) {
        return findById(id).map(Row::operation);
    }

    /** {@link #claimNext}, or {@link #claimOne} of {@code only} when given. */
    default Optional<Claimed> claim(@Nullable UUID only, String owner, Duration lease) {
        List<UUID> claimed = only == null ? claimNext(owner, lease.toMillis()) : claimOne(only, owner, lease.toMillis());
        return claimed.stream().findFirst().flatMap(this::findById).map(r -> new Claimed(r.operation(), r.attempts()));
    }

    default boolean advance(AsyncOperation op, String owner, Duration lease, @Nullable String payload, @Nullable Integer percentComplete) {
        return advance(op.id(), op.step(), owner, lease.toMillis(), payload, percentComplete) == 1;
    }

    default boolean finish(AsyncOperation op, String owner, OperationStatus status, @Nullable String payload, @Nullable String errorCode,
                           @Nullable String errorMessage) {
        return finish(op.id(), op.step(), owner, status.name(), status == OperationStatus.Succeeded, payload, errorCode, errorMessage) == 1;
    }

    default boolean postpone(AsyncOperation op, String owner, Duration delay, boolean failed) {
        return postpone(op.id(), op.step(), owner, delay.toMillis(), failed ? 1 : 0) == 1;
    }

    default void recordStep(AsyncOperation op, String outcome, String owner) {
        recordStep(op.id(), op.step(), outcome, owner);
    }
}
