package io.keyward.app.engine;

import io.keyward.app.arm.Actors;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.AsyncOperations;
import io.keyward.app.arm.NewOperation;
import io.keyward.app.arm.OperationStatus;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.authorization.Authorization;
import io.keyward.app.authorization.Scope;
import io.keyward.app.base.SqlTransactions;
import io.keyward.app.arm.StoreException;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.cmk.AekResult;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.CmkKeys;
import io.keyward.app.cmk.CustomerKey;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.identity.IdentityService;
import io.keyward.app.managedidentity.UserAssignedIdentities;
import io.keyward.app.managedidentity.UserAssignedIdentity;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.PrincipalType;
import io.keyward.app.keyhealth.KeyHealth;
import io.micronaut.context.event.ApplicationEventPublisher;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.exceptions.DataAccessException;
import io.keyward.app.base.StoredJson;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one lifecycle of every resource with a customer-managed key, whatever its surface: create and update in one
 * transaction with the subscription's ownership and the busy check, the durable key update ({@code cmk.updateKey}:
 * retry, fail and abandon written once, see {@link KeyUpdateStep}), soft delete with a reserved name or an asynchronous
 * delete that crypto-shreds ({@link DeleteStep}), recovery, and the key-health view. Surfaces ({@link Surface}) supply
 * their rules, their words and their wire shape. No transaction here calls a vault or the HSM: key binding happens in
 * the operation's step, outside any transaction.
 */
@Singleton
public class KeyedResources {

    private static final Logger LOG = LoggerFactory.getLogger(KeyedResources.class);
    private static final Argument<Map<String, UserIdentities.Assigned>> ASSIGNED = Argument.mapOf(String.class, UserIdentities.Assigned.class);

    private final ResourceRepository repository;
    private final SqlTransactions sql;
    private final Authorization authorization;
    private final AsyncOperations operations;
    private final CmkKeys cmk;
    private final IdentityService identities;
    private final KeyHealth keyHealth;
    private final JsonMapper json;
    private final Clock clock;
    private final ApplicationEventPublisher<ResourceDeleted> deletions;

    private final UserAssignedIdentities userIdentities;

    KeyedResources(ResourceRepository repository, SqlTransactions sql, Authorization authorization, AsyncOperations operations,
                   CmkKeys cmk, IdentityService identities, KeyHealth keyHealth, JsonMapper json, Clock clock,
                   ApplicationEventPublisher<ResourceDeleted> deletions, UserAssignedIdentities userIdentities) {
        this.userIdentities = userIdentities;
        this.repository = repository;
        this.sql = sql;
        this.authorization = authorization;
        this.operations = operations;
        this.cmk = cmk;
        this.identities = identities;
        this.keyHealth = keyHealth;
        this.json = json;
        this.clock = clock;
        this.deletions = deletions;
    }

    /** What a PUT or PATCH did: the resource after it, whether it was created (201), and the operation it started, if any. */
    public record Saved<P>(Resource<P> resource, boolean created, @Nullable AsyncOperation operation) {
    }

    /** A page of a list: the items and the uuid after which the next page starts (null: last page). */
    public record Page<P>(List<Resource<P>> items, @Nullable UUID last) {
    }

    /** What a create needs from the engine: the new resource's uuid and id, its tenant, the time, and its identity. */
    public final class Creation {
        private final UUID uuid;
        private final ArmResourceId id;
        private final String tenantId;
        private final Instant now;

        private Creation(UUID uuid, ArmResourceId id, String tenantId, Instant now) {
            this.uuid = uuid;
            this.id = id;
            this.tenantId = tenantId;
            this.now = now;
        }

        public UUID uuid() {
            return uuid;
        }

        public ArmResourceId id() {
            return id;
        }

        public String tenantId() {
            return tenantId;
        }

        public Instant now() {
            return now;
        }

        /**
         * A new system-assigned identity for the resource: a managed-identity principal of its tenant, so that a vault
         * access policy can name its object id and the CMK core can call the vault as it.
         */
        public UUID newIdentity() {
            return newPrincipal(tenantId, id.name());
        }
    }

    /** The operation kind of an asynchronous create, which runs until {@link Surface#readiness} says the resource is ready. */
    public static final String CREATE = CreateStep.KIND;

    /** A create: the new resource and, for an asynchronous create, {@link #CREATE}. */
    public record Created<P>(Resource<P> resource, @Nullable String operationKind) {
    }

    /** A change of an existing resource and, when its key changes, the key update to start. */
    public record Change<P>(Resource<P> resource, @Nullable KeyUpdate keyUpdate) {
    }

    /** A surface's PUT: how to create the resource, and how to change it when it exists. */
    public interface Put<P> {
        Created<P> create(Creation creation);

        Change<P> change(Resource<P> current);
    }

    // --- reads

    /** The active resource, for a caller who may {@code action} (ARM's read); 404 in the surface's words otherwise. */
    public <P> Resource<P> get(Surface<P> s, ArmResourceId id, Principal caller, String action) {
        return sql.read(c -> {
            if (!authorization.require(Scope.of(id), caller, action, false)) {
                throw s.notFound(id);
            }
            return active(s, id).orElseThrow(() -> s.notFound(id));
        }, this::failure);
    }

    /** The active resource with this id, without an access check (for other capabilities). */
    public <P> Optional<Resource<P>> find(Surface<P> s, ArmResourceId id) {
        return sql.read(c -> active(s, id), this::failure);
    }

    /** The resource with this id, active or soft-deleted, without an access check. */
    public <P> Optional<Resource<P>> findByName(Surface<P> s, ArmResourceId id) {
        return repository.findByName(s.type(), id.subscriptionId(), id.resourceGroup(), id.name()).map(r -> view(s, r));
    }

    /** Which of {@code uuids} are resources of the type that still exist (active or soft-deleted). */
    public Set<UUID> existing(Surface<?> s, Collection<UUID> uuids) {
        return uuids.stream().filter(uuid -> findByUuid(s, uuid).isPresent()).collect(Collectors.toSet());
    }

    /** The resource (active or soft-deleted) with this uuid. */
    public <P> Optional<Resource<P>> findByUuid(Surface<P> s, UUID uuid) {
        return repository.findById(uuid).filter(r -> r.resourceType().equals(s.type())).map(r -> view(s, r));
    }

    public <P> Page<P> list(Surface<P> s, SubscriptionId sub, @Nullable ResourceGroupName group, Principal caller, String action,
                            @Nullable UUID after, int limit) {
        return sql.read(c -> {
            if (!authorization.require(Scope.group(sub, group), caller, action, false)) {
                return new Page<P>(List.of(), null);
            }
            List<ResourceRow> rows = repository.listActive(s.type(), sub.value(), group == null ? null : group.value(), after, limit + 1);
            List<Resource<P>> items = rows.stream().limit(limit).map(r -> view(s, r)).toList();
            return new Page<>(items, rows.size() > limit ? items.get(items.size() - 1).uuid() : null);
        }, this::failure);
    }

    /** Active resources of the type in a subscription and region (a surface's per-region limit), in the caller's transaction. */
    public long countActiveIn(Surface<?> s, SubscriptionId sub, String location) {
        return repository.countActiveIn(s.type(), sub.value(), normalLocation(location));
    }

    /** What the key-health poller last recorded of the resource's key; empty without a key or before the first check. */
    public Optional<KeyHealth.Status> keyHealth(Resource<?> resource) {
        return resource.key() == null ? Optional.empty() : keyHealth.of(resource.uuid());
    }

    /**
     * Before a resource resumes (a stopped cluster starts): its AEK is unwrapped through the customer's vault now, outside any
     * transaction; a key the vault refuses is 403 {@code CustomerManagedKeyInaccessible}, an unreachable vault 503.
     */
    public void requireKeyUsable(Resource<?> resource, String refusal) {
        if (resource.key() == null) {
            return;
        }
        AekResult aek = cmk.unwrap(resource.uuid());
        if (aek instanceof AekResult.Unwrapped u) {
            u.aek().destroy();
        } else if (aek instanceof AekResult.Refused r) {
            throw new ArmException(ArmErrorCode.CustomerManagedKeyInaccessible, refusal + ": its customer-managed key cannot be used. "
                    + r.message());
        } else if (aek instanceof AekResult.Unavailable u) {
            throw new ArmException(ArmErrorCode.KeyVaultUnavailable, refusal + ": the key vault could not be reached (" + u.reason()
                    + "). Try again later.");
        }
    }

    // --- writes

    /**
     * A PUT: creates the resource (claiming an unowned subscription for the caller's tenant) or changes it, in one
     * transaction with the row locked; a soft-deleted resource whose purge date passed is purged first; a change asking
     * for a key update starts it ({@code phase = Updating}). Operations are kicked after the commit.
     */
    public <P> Saved<P> put(Surface<P> s, ArmResourceId id, Principal caller, String action, Put<P> put) {
        Saved<P> saved;
        try {
            saved = sql.inTransaction(c -> {
                authorization.require(Scope.of(id), caller, action, true);
                lockSubscription(s, id.subscription());
                Optional<ResourceRow> row = repository.lockByName(s.type(), id.subscriptionId(), id.resourceGroup(), id.name());
                Optional<Resource<P>> existing = row.map(r -> view(s, r));
                if (existing.isPresent() && existing.get().deleted() && !now().isBefore(existing.get().purgeAt())) {
                    purge(existing.get());
                    existing = Optional.empty();
                }
                if (existing.isEmpty()) {
                    return create(s, id, caller, put);
                }
                Resource<P> current = existing.get();
                if (current.deleted()) {
                    throw s.nameReserved(current);
                }
                return change(s, requireIdle(s, current, Surface.Request.PUT), put.change(current), caller);
            }, this::failure);
        } catch (StoreException | DataAccessException e) {
            if (uniqueViolation(e)) {
                throw new ArmException(ArmErrorCode.ConflictError, "A resource named '" + id.name() + "' is being created by another request.",
                        "name");
            }
            throw e;
        }
        kick(saved.operation());
        return saved;
    }

    /** A PATCH (or an action that changes the resource): the active resource changed in one transaction, row locked. */
    public <P> Saved<P> update(Surface<P> s, ArmResourceId id, Principal caller, String action,
                               java.util.function.Function<Resource<P>, Change<P>> changer) {
        Saved<P> saved = sql.inTransaction(c -> {
            authorization.require(Scope.of(id), caller, action, false);
            Resource<P> current = requireIdle(s, locked(s, id), Surface.Request.PATCH);
            return change(s, current, changer.apply(current), caller);
        }, this::failure);
        kick(saved.operation());
        return saved;
    }

    /** A change that starts no key update and may run while nothing is busy (Data Explorer's stop and start). */
    public <P> Resource<P> mutate(Surface<P> s, ArmResourceId id, Principal caller, String action, UnaryOperator<Resource<P>> mutation) {
        return update(s, id, caller, action, r -> new Change<>(mutation.apply(r), null)).resource();
    }

    /**
     * A delete. With soft delete ({@link Surface#softDeleteRetention()}): the resource disappears from reads, its name
     * stays reserved, its key is no longer polled, and listeners ({@link ResourceDeleted}) act in the same transaction;
     * empty result, {@code true}. Without: an asynchronous delete that shreds the AEK ({@code phase = Deleting}); the
     * operation. Empty and {@code false} when there was no such resource (ARM answers 204).
     */
    public <P> Deletion delete(Surface<P> s, ArmResourceId id, Principal caller, String action) {
        Deletion deletion = sql.inTransaction(c -> {
            if (!authorization.require(Scope.of(id), caller, action, false)) {
                return Deletion.NONE;
            }
            Optional<Resource<P>> found = repository.lockByName(s.type(), id.subscriptionId(), id.resourceGroup(), id.name())
                    .map(r -> view(s, r)).filter(r -> !r.deleted());
            if (found.isEmpty()) {
                return Deletion.NONE;
            }
            Resource<P> current = requireIdle(s, found.get(), Surface.Request.DELETE);
            Instant now = now();
            cmk.setActive(current.uuid(), false); // no more polling of a key that is going away
            if (s.definition().softDeleteRetention() != null) {
                Instant purgeAt = now.plus(s.definition().softDeleteRetention());
                store(s, current.deletedAt(now, purgeAt).touchedBy(now, caller), false);
                deletions.publishEvent(new ResourceDeleted(s.type(), current.id(), current.uuid()));
                LOG.info("{} soft-deleted; its name is reserved until {}", current.id(), purgeAt);
                return new Deletion(true, null);
            }
            store(s, current.withPhase(Phase.Deleting).touchedBy(now, caller), false);
            AsyncOperation op = operations.start(new NewOperation(s.provider(), normalLocation(current.location()), id.subscriptionId(),
                    current.tenantId(), current.id().toString(), DeleteStep.KIND, OperationStatus.Deleting,
                    write(new DeleteStep.Payload(current.uuid()))));
            return new Deletion(true, op);
        }, this::failure);
        kick(deletion.operation());
        return deletion;
    }

    /** What {@link #delete} did: whether there was a resource, and the asynchronous delete it started, if any. */
    public record Deletion(boolean existed, @Nullable AsyncOperation operation) {
        static final Deletion NONE = new Deletion(false, null);
    }

    /**
     * Recovers a soft-deleted resource within its retention: it comes back as it was, with its identity and its wrapped
     * AEK, its key polled again. {@code check} runs first, in the transaction (a surface's limits).
     */
    public <P> Resource<P> recover(Surface<P> s, ArmResourceId id, Principal caller, String action, java.util.function.Consumer<Resource<P>> check,
                                   ArmException notDeleted, ArmException notRecoverable) {
        return sql.inTransaction(c -> {
            authorization.require(Scope.of(id), caller, action, false);
            lockSubscription(s, id.subscription());
            Optional<Resource<P>> found = repository.lockByName(s.type(), id.subscriptionId(), id.resourceGroup(), id.name())
                    .map(r -> view(s, r));
            if (found.isPresent() && !found.get().deleted()) {
                throw notDeleted;
            }
            Resource<P> deleted = found.filter(r -> now().isBefore(r.purgeAt())).orElseThrow(() -> notRecoverable);
            check.accept(deleted);
            Resource<P> recovered = deleted.deletedAt(null, null).touchedBy(now(), caller);
            store(s, recovered, false);
            if (recovered.key() != null && s.polled(recovered)) {
                cmk.setActive(recovered.uuid(), true);
            }
            return recovered;
        }, this::failure);
    }

    /**
     * Binds {@code key} to the resource now, outside any transaction (the vault is called as the resource's identity),
     * then, in one transaction with the row locked, stores the wrapped AEK and what {@code onBound} makes of the resource
     * if {@code stillWanted} still holds for it. For a surface whose key is bound by an action rather than an operation
     * (an HPC cache's authorization).
     */
    public <P> BindOutcome<P> bindNow(Surface<P> s, Resource<P> resource, CustomerKey key, KeyPolicy policy,
                                      java.util.function.Predicate<Resource<P>> stillWanted, UnaryOperator<Resource<P>> onBound) {
        Binding binding = cmk.bind(resource.cmk(), key, policy);
        if (!(binding instanceof Binding.Bound bound)) {
            return new BindOutcome<>(resource, binding);
        }
        Resource<P> after = sql.inTransaction(c -> {
            Resource<P> current = view(s, repository.lockById(resource.uuid()).orElseThrow(() -> s.notFound(resource.id())));
            if (!stillWanted.test(current)) {
                return current;
            }
            Resource<P> next = onBound.apply(current.withKey(key)).touched(now());
            cmk.save(next.cmk(), bound, key.followsLatest(), now());
            store(s, next, false);
            if (!s.polled(next)) {
                cmk.setActive(next.uuid(), false);
            }
            return next;
        }, this::failure);
        return new BindOutcome<>(after, binding);
    }

    /** What {@link #bindNow} did: the resource as it is now, and the core's answer. */
    public record BindOutcome<P>(Resource<P> resource, Binding binding) {
    }

    /** Changes resources a timer picks (an HPC cache that waited too long), each in the caller's transaction. */
    public <P> List<Resource<P>> inPhaseSince(Surface<P> s, Phase phase, Instant before, int limit) {
        return repository.inPhaseSince(s.type(), phase.name(), before, limit).stream().map(r -> view(s, r)).toList();
    }

    /** Runs {@code work} (database work only) in the current transaction, or a new one. */
    public <T> T inTransaction(java.util.function.Supplier<T> work) {
        return sql.inTransaction(c -> work.get(), this::failure);
    }

    /** Writes a changed resource in the current transaction (a step's transactional part, a timer). */
    public <P> void save(Surface<P> s, Resource<P> resource) {
        store(s, resource.touched(now()), false);
    }

    // --- purging soft-deleted resources (retention)

    /**
     * Soft-deleted resources of the type whose purge date passed at least {@code grace} ago on the database clock, at most
     * {@code limit}, locked in the current transaction (SKIP LOCKED: an instance purging at the same time takes others).
     */
    public List<UUID> claimExpiredDeleted(Surface<?> s, java.time.Duration grace, int limit) {
        return repository.claimExpiredDeleted(s.type(), grace.toMillis() / 1000.0, limit);
    }

    /** Removes an expired soft-deleted resource for good (AEK first), in the current transaction; false when there is none. */
    public <P> boolean purgeDeleted(Surface<P> s, UUID uuid, java.time.Duration grace) {
        return sql.inTransaction(c -> {
            Optional<ResourceRow> expired = repository.lockExpiredDeleted(uuid, grace.toMillis() / 1000.0);
            if (expired.isEmpty()) {
                return false;
            }
            purge(view(s, expired.get()));
            return true;
        }, this::failure);
    }

    /** Crypto-shredding, in the current transaction: the resource's AEK is deleted; true when there was one. */
    public boolean shred(UUID uuid) {
        return sql.inTransaction(c -> cmk.shred(uuid), this::failure);
    }

    // --- the lifecycle's parts, inside the callers' transactions

    private <P> Saved<P> create(Surface<P> s, ArmResourceId id, Principal caller, Put<P> put) {
        Created<P> created = put.create(new Creation(UUID.randomUUID(), id, caller.tenantId(), now()));
        Resource<P> resource = created.resource().createdBy(caller);
        store(s, resource, true);
        AsyncOperation op = null;
        if (created.operationKind() != null) {
            op = operations.start(new NewOperation(s.provider(), normalLocation(resource.location()), id.subscriptionId(),
                    resource.tenantId(), resource.id().toString(), created.operationKind(), OperationStatus.InProgress, null));
            Resource<P> noted = s.operationStarted(resource, op);
            if (noted != resource) {
                resource = noted;
                store(s, resource, false);
            }
        }
        LOG.info("{} created{}", resource.id(), resource.principalId() == null ? "" : " with identity " + resource.principalId());
        return new Saved<>(resource, true, op);
    }

    private <P> Saved<P> change(Surface<P> s, Resource<P> current, Change<P> change, Principal caller) {
        KeyUpdate update = change.keyUpdate();
        if (change.resource() == current && update == null) {
            return new Saved<>(current, false, null); // nothing to write
        }
        Resource<P> next = change.resource().touchedBy(now(), caller);
        AsyncOperation op = null;
        if (update != null) {
            next = next.withPhase(Phase.Updating);
            op = operations.start(new NewOperation(s.provider(), normalLocation(current.location()), current.id().subscriptionId(),
                    current.tenantId(), current.id().toString(), KeyUpdateStep.KIND, OperationStatus.Updating, write(update)));
            LOG.info("{}: key update {} started for {} key '{}'", current.id(), op.id(), update.vaultUri(), update.keyName());
        }
        store(s, next, false);
        if (current.key() != null && !next.deleted()) {
            cmk.setActive(next.uuid(), s.polled(next));
        }
        return new Saved<>(next, false, op);
    }

    /**
     * An operation runs on the resource (a key update, a delete): refused in the surface's words. The operations of the
     * engine always end by moving the phase on (success, refusal, or the runner abandoning them), so a phase never keeps a
     * resource busy after its operation ended.
     */
    public <P> Resource<P> requireIdle(Surface<P> s, Resource<P> r, Surface.Request request) {
        if (s.refusesChangesIn(r.phase())) {
            throw s.busy(r, request);
        }
        return r;
    }

    private <P> void purge(Resource<P> expired) {
        cmk.shred(expired.uuid()); // the wrapped AEK first: nothing sealed under it can be opened again
        repository.deleteById(expired.uuid());
        LOG.info("{} purged: deleted on {}, retention over", expired.id(), expired.deletedAt());
    }

    private <P> Resource<P> locked(Surface<P> s, ArmResourceId id) {
        return repository.lockByName(s.type(), id.subscriptionId(), id.resourceGroup(), id.name()).map(r -> view(s, r))
                .filter(r -> !r.deleted()).orElseThrow(() -> s.notFound(id));
    }

    private <P> Optional<Resource<P>> active(Surface<P> s, ArmResourceId id) {
        return repository.findByName(s.type(), id.subscriptionId(), id.resourceGroup(), id.name()).map(r -> view(s, r))
                .filter(r -> !r.deleted());
    }

    /** Serialises creates and recoveries of one type in one subscription (a per-region count must hold with two at once). */
    private void lockSubscription(Surface<?> s, SubscriptionId sub) {
        repository.lockUntilCommit(s.type() + "/" + sub.value());
    }

    <P> Resource<P> view(Surface<P> s, ResourceRow r) {
        ArmResourceId id = ArmResourceId.of(new SubscriptionId(r.subscriptionId()), new ResourceGroupName(r.resourceGroup()), r.resourceType(),
                r.name());
        CustomerKey key = r.keyVaultUri() == null ? null : new CustomerKey(r.keyVaultUri(), r.keyName(), r.keyVersion());
        try {
            UserIdentities users = r.userIdentities() == null ? UserIdentities.NONE
                    : new UserIdentities(json.readValue(r.userIdentities(), ASSIGNED), null).withKeyIdentity(r.keyIdentity());
            return new Resource<>(r.uuid(), id, r.location(), r.tenantId(), r.principalId(), r.phase(), key,
                    json.readValue(r.properties(), s.definition().propertiesType()), r.tags() == null ? java.util.Map.of() : r.tags(), r.createdAt(),
                    r.updatedAt(), r.deletedAt(), r.purgeAt(), Actors.stored(r.createdBy(), r.createdByType(), r.lastModifiedBy(), r.lastModifiedByType()), users);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable properties of " + r.resourceType() + " " + r.uuid(), e);
        }
    }

    <P> void store(Surface<P> s, Resource<P> r, boolean insert) {
        CustomerKey k = r.key();
        ResourceRow row = new ResourceRow(r.uuid(), s.type(), r.id().subscriptionId(), r.id().resourceGroup(), r.name(), r.location(),
                r.tenantId(), r.principalId(), r.phase(), k == null ? null : k.vaultUri(), k == null ? null : k.keyName(),
                k == null ? null : k.keyVersion(),
                StoredJson.write(json, r.properties(), Argument.of(s.definition().propertiesType())), r.tags(), r.createdAt(), r.updatedAt(), r.deletedAt(), r.purgeAt(),
                r.userIdentities().isEmpty() ? null : StoredJson.write(json, r.userIdentities().assigned(), ASSIGNED),
                r.userIdentities().keyIdentity(),
                r.actors() == null ? null : r.actors().createdBy(), r.actors() == null ? null : r.actors().createdByType(),
                r.actors() == null ? null : r.actors().lastModifiedBy(), r.actors() == null ? null : r.actors().lastModifiedByType());
        if (insert) {
            repository.save(row);
        } else {
            repository.update(row);
        }
    }

    /**
     * The system-assigned identity after a change asking for {@code requested}: absent keeps the current one (the docs'
     * templates update a key with a PUT that names no identity), SystemAssigned creates one where there is none, None
     * removes it, unless a customer key needs it (the resource reaches its key as that identity).
     */
    @Nullable
    public UUID identityAfter(Resource<?> current, @Nullable ManagedIdentity requested, String resources) {
        if (requested == null) {
            return current.principalId();
        }
        if (ManagedIdentity.systemAssigned(requested, resources)) {
            return current.principalId() != null ? current.principalId() : newPrincipal(current.tenantId(), current.name());
        }
        if (current.key() != null) {
            throw new ArmException(ArmErrorCode.BadRequest, "The system-assigned identity of '" + current.name() + "' cannot be removed"
                    + " while customer-managed keys encrypt its data: it reaches its key as that identity.", "identity");
        }
        return null;
    }

    /** A resource's identities: the system-assigned principal (null: none) and the user-assigned ones. */
    public record Identities(@Nullable UUID principalId, UserIdentities users) {
    }

    /**
     * The identities after a request asking for {@code requested} ({@code current} null: a create): absent keeps the
     * current ones; SystemAssigned keeps or creates the system-assigned identity; UserAssigned takes the identities
     * {@code userAssignedIdentities} lists (a PATCH's null entry removes one, as ARM's merge does), each of which the caller
     * must be allowed to assign ({@code userAssignedIdentities/assign/action}); both together only where the surface allows
     * it ({@code both}). The user-assigned identity that reaches the key stays that one while it is assigned.
     */
    public Identities identitiesAfter(@Nullable Resource<?> current, String tenantId, String name, @Nullable ManagedIdentity requested,
                                      Principal caller, String resources, boolean both, boolean single) {
        if (requested == null) {
            return current == null ? new Identities(null, UserIdentities.NONE) : new Identities(current.principalId(), current.userIdentities());
        }
        ManagedIdentity.Kind kind = ManagedIdentity.kind(requested);
        if (kind == ManagedIdentity.Kind.INVALID || kind == ManagedIdentity.Kind.SYSTEM_AND_USER_ASSIGNED && !both) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The identity type '" + requested.type() + "' is invalid for " + resources
                    + ": use None, SystemAssigned or UserAssigned" + (both ? " or '" + ManagedIdentity.BOTH + "'" : "") + ".", "identity.type");
        }
        boolean system = kind == ManagedIdentity.Kind.SYSTEM_ASSIGNED || kind == ManagedIdentity.Kind.SYSTEM_AND_USER_ASSIGNED;
        boolean user = kind == ManagedIdentity.Kind.USER_ASSIGNED || kind == ManagedIdentity.Kind.SYSTEM_AND_USER_ASSIGNED;
        UUID principal = !system ? null : current != null && current.principalId() != null ? current.principalId() : newPrincipal(tenantId, name);
        if (!user) {
            if (requested.userAssignedIdentities() != null && !requested.userAssignedIdentities().isEmpty()) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "identity.userAssignedIdentities is given with identity type '"
                        + requested.type() + "': use UserAssigned or '" + ManagedIdentity.BOTH + "'.", "identity.userAssignedIdentities");
            }
            return new Identities(principal, UserIdentities.NONE);
        }
        Map<String, UserIdentities.Assigned> assigned = new java.util.LinkedHashMap<>();
        UserIdentities before = current == null ? UserIdentities.NONE : current.userIdentities();
        if (requested.userAssignedIdentities() != null) {
            for (Map.Entry<String, Object> e : requested.userAssignedIdentities().entrySet()) {
                if (e.getValue() == null) {
                    continue; // removed
                }
                var known = before.find(e.getKey());
                if (known.isPresent()) {
                    assigned.put(known.get().getKey(), known.get().getValue());
                    continue;
                }
                UserAssignedIdentity u = userIdentities.assignable(e.getKey(), caller, "identity.userAssignedIdentities");
                assigned.put(e.getKey(), new UserIdentities.Assigned(u.principalId(), u.clientId()));
            }
        }
        if (assigned.isEmpty()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The identity type '" + requested.type() + "' needs at least one identity in"
                    + " identity.userAssignedIdentities.", "identity.userAssignedIdentities");
        }
        if (single && assigned.size() > 1) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "Keyward's " + resources + " take one user-assigned identity; the request"
                    + " names " + assigned.size() + ".", "identity.userAssignedIdentities");
        }
        UserIdentities users = new UserIdentities(assigned, null);
        if (before.keyIdentity() != null && users.find(before.keyIdentity()).isPresent()) {
            users = users.withKeyIdentity(before.keyIdentity());
        }
        return new Identities(principal, users);
    }

    private UUID newPrincipal(String tenantId, String name) {
        return UUID.fromString(identities.createPrincipal(tenantId, PrincipalType.MANAGED_IDENTITY, name).objectId());
    }

    private void kick(@Nullable AsyncOperation op) {
        if (op != null) {
            operations.kick(op.id());
        }
    }

    String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private RuntimeException failure(SQLException e) {
        return new StoreException("keyed resources", e);
    }

    private static boolean uniqueViolation(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sqle && "23505".equals(sqle.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** A required string property of a request body, else 400 naming it. */
    public static String required(@Nullable String value, String property) {
        if (value == null || value.isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The '" + property + "' property is required.", property);
        }
        return value;
    }

    /** A resource's location is set when it is created: a request naming another one is refused (ARM compares without case). */
    public static void requireSameLocation(Resource<?> current, @Nullable String location, String noun) {
        if (location != null && !normalLocation(location).equals(normalLocation(current.location()))) {
            throw new ArmException(ArmErrorCode.BadRequest, "The location of " + noun + " '" + current.name() + "' is '" + current.location()
                    + "' and cannot be changed to '" + location + "'.", "location");
        }
    }

    /** ARM compares locations without case and spaces: "West Europe" is "westeurope". */
    public static String normalLocation(String location) {
        return location.replace(" ", "").toLowerCase(Locale.ROOT);
    }

    /** Microseconds: what timestamptz keeps, so a returned resource equals the row read back. */
    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
