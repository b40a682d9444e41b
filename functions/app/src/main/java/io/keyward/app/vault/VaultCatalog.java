package io.keyward.app.vault;

import io.keyward.app.arm.Actors;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.authorization.Authorization;
import io.keyward.app.authorization.BuiltInRoles;
import io.keyward.app.authorization.Scope;
import io.keyward.app.base.StoredJson;
import io.keyward.app.base.UniqueViolation;
import io.keyward.app.identity.Principal;
import io.keyward.app.identity.VaultTenantLookup;
import io.keyward.app.vault.VaultRepository.Row;
import io.keyward.app.base.Recent;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ApplicationEventPublisher;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.TransactionStatus;
import io.micronaut.transaction.support.TransactionSynchronization;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vaults of the ARM management plane: create, update, soft delete, recover, purge, access policies, and the
 * tenant rule (a subscription belongs to the tenant that first created something in it). Expected refusals are
 * {@link ArmException}s with Azure's codes.
 */
@Singleton
class VaultCatalog implements VaultService, VaultTenantLookup {

    static final int MAX_ACCESS_POLICIES = 1024;
    static final int MIN_RETENTION_DAYS = 7;
    static final int MAX_RETENTION_DAYS = 90;
    private static final Argument<List<VaultRepository.StoredPolicy>> STORED_POLICIES = Argument.listOf(VaultRepository.StoredPolicy.class);
    private static final Argument<VaultRepository.StoredAcls> STORED_ACLS = Argument.of(VaultRepository.StoredAcls.class);
    private static final Argument<Map<String, String>> TAGS = Argument.mapOf(String.class, String.class);
    private static final Logger LOG = LoggerFactory.getLogger(VaultCatalog.class);

    private final VaultRepository repository;
    private final Authorization authorization;
    private final ApplicationEventPublisher<VaultPurged> purged;
    private final Clock clock;
    private final TransactionOperations<?> transactions;
    private final JsonMapper json;
    /** Active vaults by lower-case name, for {@link #findRecentActiveByName}. */
    private final Recent<String, Vault> recent;

    VaultCatalog(VaultRepository repository, Authorization authorization, ApplicationEventPublisher<VaultPurged> purged, Clock clock,
                 TransactionOperations<?> transactions, JsonMapper json,
                 @Value("${keyward.vault.metadata-cache-ttl:5s}") Duration metadataCacheTtl) {
        this.recent = new Recent<>(metadataCacheTtl, 10_000);
        this.repository = repository;
        this.json = json;
        this.transactions = transactions;
        this.authorization = authorization;
        this.purged = purged;
        this.clock = clock;
    }

    /** Outcome of a PUT: the vault and whether it was created (201) rather than updated or recovered (200). */
    record Saved(StoredVault vault, boolean created) {
    }

    // --- VaultService, VaultTenantLookup

    @Override
    public Optional<Vault> findActiveByName(String vaultName) {
        if (!VaultName.valid(vaultName)) {
            return Optional.empty();
        }
        return transactions.executeRead(status -> repository.find(vaultName, false)).filter(v -> !v.deleted()).map(StoredVault::vault);
    }

    @Override
    public Optional<Vault> findRecentActiveByName(String vaultName) {
        if (!VaultName.valid(vaultName)) {
            return Optional.empty();
        }
        return recent.get(vaultName.toLowerCase(Locale.ROOT), () -> findActiveByName(vaultName));
    }

    /**
     * Every write of a vault's row calls this inside its transaction: once the transaction has ended (the outermost one,
     * when a caller's transaction joined), this instance's {@link #findRecentActiveByName} reads the row again.
     */
    private void changes(TransactionStatus<?> status, String vaultName) {
        String name = vaultName.toLowerCase(Locale.ROOT);
        status.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCompletion(Status completed) {
                recent.forget(name::equals);
            }
        });
    }

    @Override
    public Optional<String> tenantOfVaultHost(String host) {
        if (host == null) {
            return Optional.empty();
        }
        int dot = host.indexOf('.');
        return dot <= 0 ? Optional.empty() : findActiveByName(host.substring(0, dot)).map(Vault::tenantId);
    }

    @Override
    public Vault authorizeKeyAccess(String vaultName, Principal caller, String principalObjectId, String tenantId,
                                    Set<KeyPermission> permissions, boolean enableProtection) {
        return transactions.executeWrite(status -> {
            changes(status, vaultName);
            return grantKeyAccess(vaultName, caller, principalObjectId, tenantId, permissions, enableProtection);
        });
    }

    private Vault grantKeyAccess(String vaultName, Principal caller, String principalObjectId, String tenantId,
                                     Set<KeyPermission> permissions, boolean enableProtection) {
        StoredVault current = (VaultName.valid(vaultName) ? repository.find(vaultName, true) : Optional.<StoredVault>empty())
                .filter(v -> !v.deleted())
                .orElseThrow(() -> new ArmException(ArmErrorCode.ResourceNotFound, "The vault '" + vaultName + "' was not found."));
        Vault v = current.vault();
        Scope vaultScope = Scope.parse(v.id()).orElseThrow();
        requireAccess(vaultScope, caller, "Microsoft.KeyVault/vaults/accessPolicies/write");
        List<AccessPolicy> policies = v.accessPolicies();
        if (v.rbacAuthorization()) {
            // The RBAC permission model ignores access policies: the identity gets the role the CMK docs name instead,
            // which takes the right to assign roles (Owner, User Access Administrator), not only Key Vault Contributor.
            authorization.grantBuiltIn(vaultScope, BuiltInRoles.KEY_VAULT_CRYPTO_SERVICE_ENCRYPTION_USER, principalObjectId, caller);
        } else {
            policies = AccessPolicyOperation.ADD.apply(v.accessPolicies(), List.of(new AccessPolicy(tenantId, principalObjectId, permissions)));
        }
        requirePolicyCount(policies);
        boolean softDelete = v.softDeleteEnabled() || enableProtection;
        boolean purgeProtection = v.purgeProtectionEnabled() || enableProtection;
        requirePurgeProtectionNeedsSoftDelete(softDelete, purgeProtection);
        StoredVault updated = new StoredVault(with(v, v.tenantId(), v.sku(), softDelete, purgeProtection, policies), current.tags(), now(),
                null, null, Actors.modified(current.actors(), caller));
        repository.update(stored(updated));
        LOG.info("vault {}: key access {} authorized for {} by {}{}", v.id(), permissions, principalObjectId, caller.objectId(),
                enableProtection ? "; soft delete and purge protection on" : "");
        return updated.vault();
    }

    // --- management operations

    Saved createOrUpdate(SubscriptionId sub, ResourceGroupName group, VaultName name, VaultRequest request, Principal caller) {
        try {
            return transactions.executeWrite(status -> {
                changes(status, name.value());
                authorization.require(vaultScope(sub, group, name), caller, "Microsoft.KeyVault/vaults/write", true);
                Optional<StoredVault> existing = repository.find(name.value(), true);
                if (existing.isEmpty()) {
                    if (request.recover()) {
                        throw new ArmException(ArmErrorCode.ResourceNotFound, "No soft-deleted vault named '" + name.value()
                                + "' exists to recover in subscription '" + sub + "'.", "properties.createMode");
                    }
                    StoredVault created = newVault(sub, group, name, request, caller);
                    repository.save(stored(created));
                    return new Saved(created, true);
                }
                StoredVault current = existing.get();
                if (!sameScope(current.vault(), sub, group)) {
                    throw nameTaken(name);
                }
                if (current.deleted()) {
                    if (!request.recover()) {
                        throw new ArmException(ArmErrorCode.ConflictError, "Exist soft deleted vault with the same name. The vault '"
                                + name.value() + "' was deleted on " + current.deletedAt() + " and is kept until "
                                + current.scheduledPurgeAt() + "; recover it (properties.createMode = 'recover') or purge it.");
                    }
                    StoredVault recovered = new StoredVault(current.vault(), current.tags(), now(), null, null,
                            Actors.modified(current.actors(), caller));
                    repository.update(stored(recovered));
                    return new Saved(recovered, false);
                }
                StoredVault updated = updated(current, request, true, caller);
                repository.update(stored(updated));
                return new Saved(updated, false);
            });
        } catch (RuntimeException e) {
            if (UniqueViolation.in(e)) {
                throw nameTaken(name); // a concurrent create took the name between our read and our insert
            }
            throw e;
        }
    }

    StoredVault update(SubscriptionId sub, ResourceGroupName group, VaultName name, VaultRequest request, Principal caller) {
        return transactions.executeWrite(status -> {
            changes(status, name.value());
            requireAccess(vaultScope(sub, group, name), caller, "Microsoft.KeyVault/vaults/write");
            StoredVault current = active(sub, group, name, true);
            StoredVault updated = updated(current, request, false, caller);
            repository.update(stored(updated));
            return updated;
        });
    }

    StoredVault get(SubscriptionId sub, ResourceGroupName group, VaultName name, Principal caller) {
        return transactions.executeRead(status -> {
            requireAccess(vaultScope(sub, group, name), caller, "Microsoft.KeyVault/vaults/read");
            return active(sub, group, name, false);
        });
    }

    /** Soft-deletes (or, without soft delete, deletes) the vault; false when there was none (ARM answers 204). */
    boolean delete(SubscriptionId sub, ResourceGroupName group, VaultName name, Principal caller) {
        record Outcome(boolean existed, @Nullable Vault gone) {
        }
        Outcome outcome = transactions.executeWrite(status -> {
            changes(status, name.value());
            requireAccess(vaultScope(sub, group, name), caller, "Microsoft.KeyVault/vaults/delete");
            Optional<StoredVault> found = repository.find(name.value(), true)
                    .filter(v -> !v.deleted() && sameScope(v.vault(), sub, group));
            if (found.isEmpty()) {
                return new Outcome(false, null);
            }
            StoredVault v = found.get();
            if (v.vault().softDeleteEnabled()) {
                Instant now = now();
                repository.update(stored(new StoredVault(v.vault(), v.tags(), now, now,
                        now.plus(Duration.ofDays(v.vault().softDeleteRetentionDays())), Actors.modified(v.actors(), caller))));
                return new Outcome(true, null);
            }
            repository.deleteByName(v.vault().name());
            return new Outcome(true, v.vault());
        });
        if (outcome.gone() != null) {
            publishPurged(outcome.gone()); // without soft delete, a delete is a purge
        }
        return outcome.existed();
    }

    VaultPage list(SubscriptionId sub, @Nullable ResourceGroupName group, int top, @Nullable String after, Principal caller) {
        return transactions.executeRead(status -> {
            if (!mayRead(Scope.group(sub, group), caller, "Microsoft.KeyVault/vaults/read")) {
                return new VaultPage(List.of(), null);
            }
            List<StoredVault> rows = repository.active(sub.value(), group == null ? null : group.value(), after, top + 1);
            return page(rows, top);
        });
    }

    StoredVault updateAccessPolicy(SubscriptionId sub, ResourceGroupName group, VaultName name, AccessPolicyOperation operation,
                                   List<AccessPolicy> policies, Principal caller) {
        return transactions.executeWrite(status -> {
            changes(status, name.value());
            requireAccess(vaultScope(sub, group, name), caller, "Microsoft.KeyVault/vaults/accessPolicies/write");
            StoredVault current = active(sub, group, name, true);
            List<AccessPolicy> result = operation.apply(current.vault().accessPolicies(), policies);
            requirePolicyCount(result);
            StoredVault updated = new StoredVault(with(current.vault(), current.vault().tenantId(), current.vault().sku(),
                    current.vault().softDeleteEnabled(), current.vault().purgeProtectionEnabled(), result),
                    current.tags(), now(), null, null, Actors.modified(current.actors(), caller));
            repository.update(stored(updated));
            return updated;
        });
    }

    VaultPage listDeleted(SubscriptionId sub, int top, @Nullable String after, Principal caller) {
        return transactions.executeRead(status -> {
            if (!mayRead(Scope.subscription(sub), caller, "Microsoft.KeyVault/deletedVaults/read")) {
                return new VaultPage(List.of(), null);
            }
            return page(repository.deleted(sub.value(), after, top + 1), top);
        });
    }

    StoredVault getDeleted(SubscriptionId sub, String location, VaultName name, Principal caller) {
        return transactions.executeRead(status -> {
            requireAccess(Scope.subscription(sub), caller, "Microsoft.KeyVault/deletedVaults/read");
            return deleted(sub, location, name, false);
        });
    }

    void purge(SubscriptionId sub, String location, VaultName name, Principal caller) {
        Vault gone = transactions.executeWrite(status -> {
            changes(status, name.value());
            requireAccess(Scope.subscription(sub), caller, "Microsoft.KeyVault/locations/deletedVaults/purge/action");
            StoredVault v = deleted(sub, location, name, true);
            if (v.vault().purgeProtectionEnabled() && now().isBefore(v.scheduledPurgeAt())) {
                throw new ArmException(ArmErrorCode.ConflictError, "The vault '" + v.vault().name() + "' has purge protection"
                        + " enabled and cannot be purged before its scheduled purge date " + v.scheduledPurgeAt() + ".");
            }
            repository.deleteByName(v.vault().name());
            return v.vault();
        });
        publishPurged(gone);
    }

    /** Purges up to {@code limit} soft-deleted vaults past their scheduled purge date; returns the number purged. */
    int purgeExpired(int limit) {
        List<Vault> gone = transactions.executeWrite(status -> {
            List<StoredVault> expired = repository.lockedExpired(now(), limit);
            for (StoredVault v : expired) {
                changes(status, v.vault().name());
                repository.deleteByName(v.vault().name());
            }
            return expired.stream().map(StoredVault::vault).toList();
        });
        gone.forEach(this::publishPurged);
        return gone.size();
    }

    /** Azure's CheckNameAvailability: the name's validity, then whether any vault (even soft-deleted) holds it. */
    Optional<String> nameUnavailableReason(String name) {
        if (!VaultName.valid(name)) {
            return Optional.of("AccountNameInvalid");
        }
        return transactions.executeRead(status -> repository.find(name, false)).map(v -> "AlreadyExists");
    }

    // --- rules

    private StoredVault newVault(SubscriptionId sub, ResourceGroupName group, VaultName name, VaultRequest r, Principal caller) {
        if (r.location() == null || r.location().isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'location' property is required.", "location");
        }
        String tenant = requireTenant(r.tenantId(), caller);
        if (r.sku() == null) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'properties.sku' property is required.", "properties.sku");
        }
        boolean softDelete = r.softDeleteEnabled() == null || r.softDeleteEnabled();
        int retention = r.softDeleteRetentionDays() == null ? MAX_RETENTION_DAYS : r.softDeleteRetentionDays();
        requireRetention(retention);
        boolean purgeProtection = Boolean.TRUE.equals(r.purgeProtectionEnabled());
        requirePurgeProtectionNeedsSoftDelete(softDelete, purgeProtection);
        List<AccessPolicy> policies = AccessPolicyOperation.merge(List.of(), r.accessPolicies() == null ? List.of() : r.accessPolicies());
        requirePolicyCount(policies);
        Instant now = now();
        Vault v = new Vault(Vault.idOf(sub.value(), group.value(), name.value()), sub.value(), group.value(), name.value(),
                r.location(), tenant, r.sku(), softDelete, retention, purgeProtection, policies, now, r.networkAcls(),
                r.publicNetworkAccess() == null || r.publicNetworkAccess(), Boolean.TRUE.equals(r.rbacAuthorization()));
        return new StoredVault(v, r.tags() == null ? Map.of() : r.tags(), now, null, null, Actors.created(caller));
    }

    /** A PUT ({@code replace}) or PATCH of an active vault: what is not given stays; some changes are one-way. */
    private StoredVault updated(StoredVault current, VaultRequest r, boolean replace, Principal caller) {
        Vault v = current.vault();
        if (r.location() != null && !normalLocation(r.location()).equals(normalLocation(v.location()))) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The location of vault '" + v.name() + "' is '" + v.location()
                    + "' and cannot be changed to '" + r.location() + "'.", "location");
        }
        if (replace && (r.location() == null || r.location().isBlank())) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'location' property is required.", "location");
        }
        String tenant = r.tenantId() == null && !replace ? v.tenantId() : requireTenant(r.tenantId(), caller);
        String sku = r.sku() == null ? (replace ? null : v.sku()) : r.sku();
        if (sku == null) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'properties.sku' property is required.", "properties.sku");
        }
        if (Boolean.FALSE.equals(r.softDeleteEnabled()) && v.softDeleteEnabled()) {
            throw new ArmException(ArmErrorCode.BadRequest, "The property \"enableSoftDelete\" cannot be set to false. Enabling the"
                    + " 'soft delete' functionality is an irreversible action.", "properties.enableSoftDelete");
        }
        boolean softDelete = v.softDeleteEnabled() || Boolean.TRUE.equals(r.softDeleteEnabled());
        if (r.softDeleteRetentionDays() != null) {
            requireRetention(r.softDeleteRetentionDays());
            if (r.softDeleteRetentionDays() != v.softDeleteRetentionDays()) {
                throw new ArmException(ArmErrorCode.BadRequest, "The property \"softDeleteRetentionInDays\" of vault '" + v.name()
                        + "' is " + v.softDeleteRetentionDays() + " and cannot be changed once the vault exists.",
                        "properties.softDeleteRetentionInDays");
            }
        }
        if (Boolean.FALSE.equals(r.purgeProtectionEnabled()) && v.purgeProtectionEnabled()) {
            throw new ArmException(ArmErrorCode.BadRequest, "The property \"enablePurgeProtection\" cannot be set to false. Enabling"
                    + " the purge protection for a vault is an irreversible action.", "properties.enablePurgeProtection");
        }
        boolean purgeProtection = v.purgeProtectionEnabled() || Boolean.TRUE.equals(r.purgeProtectionEnabled());
        requirePurgeProtectionNeedsSoftDelete(softDelete, purgeProtection);
        List<AccessPolicy> policies = r.accessPolicies() == null ? v.accessPolicies() : AccessPolicyOperation.merge(List.of(), r.accessPolicies());
        requirePolicyCount(policies);
        Map<String, String> tags = r.tags() == null ? (replace ? Map.of() : current.tags()) : r.tags();
        boolean rbac = r.rbacAuthorization() == null ? (!replace && v.rbacAuthorization()) : r.rbacAuthorization();
        if (rbac != v.rbacAuthorization()) {
            // Azure: switching the permission model changes who may use the keys, so it needs what granting access needs.
            authorization.require(Scope.parse(v.id()).orElseThrow(), caller, "Microsoft.Authorization/roleAssignments/write", false);
        }
        Vault changed = with(v, tenant, sku, softDelete, purgeProtection, policies);
        // a PUT replaces the network rules (none given: open, as a new vault), a PATCH changes only what it names
        NetworkAcls acls = r.networkAcls() != null || replace ? r.networkAcls() : v.networkAcls();
        boolean publicAccess = r.publicNetworkAccess() != null ? r.publicNetworkAccess() : replace || v.publicNetworkAccess();
        changed = new Vault(changed.id(), changed.subscriptionId(), changed.resourceGroup(), changed.name(), changed.location(),
                changed.tenantId(), changed.sku(), changed.softDeleteEnabled(), changed.softDeleteRetentionDays(),
                changed.purgeProtectionEnabled(), changed.accessPolicies(), changed.createdAt(), acls, publicAccess, rbac);
        return new StoredVault(changed, tags, now(), null, null, Actors.modified(current.actors(), caller));
    }

    /**
     * The row for {@code v}, after checking that its JSON columns read back (through the row's own read) to the policies
     * and tags written: a vault that could not be read again is never stored.
     */
    private Row stored(StoredVault v) {
        Row row = Row.of(v);
        List<AccessPolicy> policies = StoredJson.reread(json, row.accessPolicies(), STORED_POLICIES).stream()
                .map(VaultRepository.StoredPolicy::policy).toList();
        Map<String, String> tags = StoredJson.reread(json, row.tags(), TAGS);
        VaultRepository.StoredAcls acls = row.networkAcls() == null ? null : StoredJson.reread(json, row.networkAcls(), STORED_ACLS);
        if (!policies.equals(v.vault().accessPolicies()) || !v.tags().equals(tags == null ? Map.of() : tags)
                || !Objects.equals(acls == null ? null : acls.acls(), v.vault().networkAcls())) {
            throw new StoredJson.Unreadable(STORED_POLICIES, null);
        }
        return row;
    }

    private static Vault with(Vault v, String tenant, String sku, boolean softDelete, boolean purgeProtection, List<AccessPolicy> policies) {
        return new Vault(v.id(), v.subscriptionId(), v.resourceGroup(), v.name(), v.location(), tenant, sku, softDelete,
                v.softDeleteRetentionDays(), purgeProtection, policies, v.createdAt(), v.networkAcls(), v.publicNetworkAccess(),
                v.rbacAuthorization());
    }

    private static String requireTenant(@Nullable String tenantId, Principal caller) {
        if (tenantId == null || tenantId.isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'properties.tenantId' property is required.", "properties.tenantId");
        }
        if (!tenantId.equalsIgnoreCase(caller.tenantId())) {
            throw new ArmException(ArmErrorCode.BadRequest, "The tenant '" + tenantId + "' given in properties.tenantId is not the"
                    + " tenant of the caller ('" + caller.tenantId() + "'); a vault must belong to the caller's tenant.",
                    "properties.tenantId");
        }
        return caller.tenantId();
    }

    private static void requireRetention(int days) {
        if (days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS) {
            throw new ArmException(ArmErrorCode.BadRequest, "The property \"softDeleteRetentionInDays\" is " + days
                    + ", but it must be between " + MIN_RETENTION_DAYS + " and " + MAX_RETENTION_DAYS + " (days).",
                    "properties.softDeleteRetentionInDays");
        }
    }

    private static void requirePurgeProtectionNeedsSoftDelete(boolean softDelete, boolean purgeProtection) {
        if (purgeProtection && !softDelete) {
            throw new ArmException(ArmErrorCode.BadRequest, "The property \"enablePurgeProtection\" can only be true when"
                    + " \"enableSoftDelete\" is true.", "properties.enablePurgeProtection");
        }
    }

    private static void requirePolicyCount(List<AccessPolicy> policies) {
        if (policies.size() > MAX_ACCESS_POLICIES) {
            throw new ArmException(ArmErrorCode.BadRequest, "A vault can have at most " + MAX_ACCESS_POLICIES + " access policies; the"
                    + " request would leave " + policies.size() + ".", "properties.accessPolicies");
        }
    }

    /** 403 unless the caller may perform {@code action} at {@code scope} (or the subscription is unclaimed). */
    private void requireAccess(Scope scope, Principal caller, String action) {
        authorization.require(scope, caller, action, false);
    }

    private boolean mayRead(Scope scope, Principal caller, String action) {
        return authorization.require(scope, caller, action, false);
    }

    private static Scope vaultScope(SubscriptionId sub, ResourceGroupName group, VaultName name) {
        return Scope.parse(Vault.idOf(sub.value(), group.value(), name.value())).orElseThrow();
    }

    private StoredVault active(SubscriptionId sub, ResourceGroupName group, VaultName name, boolean forUpdate) {
        return repository.find(name.value(), forUpdate).filter(v -> !v.deleted() && sameScope(v.vault(), sub, group))
                .orElseThrow(() -> new ArmException(ArmErrorCode.ResourceNotFound, "The Resource '" + Vault.TYPE + "/" + name.value()
                        + "' under resource group '" + group + "' was not found."));
    }

    private StoredVault deleted(SubscriptionId sub, String location, VaultName name, boolean forUpdate) {
        return repository.find(name.value(), forUpdate)
                .filter(v -> v.deleted() && v.vault().subscriptionId().equals(sub.value())
                        && normalLocation(v.vault().location()).equals(normalLocation(location)))
                .orElseThrow(() -> new ArmException(ArmErrorCode.ResourceNotFound, "The deleted vault '" + name.value()
                        + "' was not found in location '" + location + "' of subscription '" + sub + "'."));
    }

    private static boolean sameScope(Vault v, SubscriptionId sub, ResourceGroupName group) {
        return v.subscriptionId().equals(sub.value()) && v.resourceGroup().equalsIgnoreCase(group.value());
    }

    private static ArmException nameTaken(VaultName name) {
        return new ArmException(ArmErrorCode.VaultAlreadyExists, "The vault name '" + name.value() + "' is already in use. Vault"
                + " names are globally unique so it is possible that the name is already taken.", "name");
    }

    /** ARM compares locations without case and spaces: "West Europe" is "westeurope". */
    static String normalLocation(String location) {
        return location.replace(" ", "").toLowerCase(Locale.ROOT);
    }

    private static VaultPage page(List<StoredVault> rows, int top) {
        if (rows.size() <= top) {
            return new VaultPage(rows, null);
        }
        List<StoredVault> items = rows.subList(0, top);
        return new VaultPage(List.copyOf(items), items.get(items.size() - 1).vault().name());
    }

    private void publishPurged(Vault v) {
        LOG.info("vault {} purged", v.id());
        purged.publishEvent(new VaultPurged(v.id(), v.name()));
    }

    /** Microseconds: what timestamptz keeps, so a returned vault equals the row read back. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
