package io.keyward.app.vault;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.arm.Actors;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.annotation.TypeDef;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.DataType;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@code vaults} (schema/ V3; writers V47). Vault names are global and compare without case. Callers that read and then write run
 * both in one transaction with the row locked, so concurrent updates of one vault serialise instead of losing each
 * other's changes.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface VaultRepository extends GenericRepository<VaultRepository.Row, String> {

    /** A row; {@code name}, {@code subscriptionId}, {@code resourceGroup} and {@code createdAt} never change. */
    @MappedEntity("vaults")
    record Row(@Id String name, String subscriptionId, String resourceGroup, String location, String tenantId, String sku,
               boolean softDeleteEnabled, int softDeleteRetentionDays, boolean purgeProtectionEnabled,
               @TypeDef(type = DataType.JSON) List<StoredPolicy> accessPolicies, @TypeDef(type = DataType.JSON) Map<String, String> tags,
               Instant createdAt, Instant updatedAt, @Nullable Instant deletedAt, @Nullable Instant scheduledPurgeAt,
               @Nullable @TypeDef(type = DataType.JSON) StoredAcls networkAcls, boolean publicNetworkAccess,
               boolean enableRbacAuthorization, @Nullable String createdBy, @Nullable String createdByType,
               @Nullable String lastModifiedBy, @Nullable String lastModifiedByType) {

        static Row of(StoredVault v) {
            Vault vault = v.vault();
            return new Row(vault.name(), vault.subscriptionId(), vault.resourceGroup(), vault.location(), vault.tenantId(), vault.sku(),
                    vault.softDeleteEnabled(), vault.softDeleteRetentionDays(), vault.purgeProtectionEnabled(),
                    vault.accessPolicies().stream().map(StoredPolicy::of).toList(), v.tags(), vault.createdAt(), v.updatedAt(), v.deletedAt(),
                    v.scheduledPurgeAt(), vault.networkAcls() == null ? null : StoredAcls.of(vault.networkAcls()), vault.publicNetworkAccess(),
                    vault.rbacAuthorization(), v.actors() == null ? null : v.actors().createdBy(),
                    v.actors() == null ? null : v.actors().createdByType(), v.actors() == null ? null : v.actors().lastModifiedBy(),
                    v.actors() == null ? null : v.actors().lastModifiedByType());
        }

        StoredVault vault() {
            List<AccessPolicy> policies = accessPolicies == null ? List.of() : accessPolicies.stream().map(StoredPolicy::policy).toList();
            Vault vault = new Vault(Vault.idOf(subscriptionId, resourceGroup, name), subscriptionId, resourceGroup, name, location, tenantId,
                    sku, softDeleteEnabled, softDeleteRetentionDays, purgeProtectionEnabled, policies, createdAt,
                    networkAcls == null ? null : networkAcls.acls(), publicNetworkAccess, enableRbacAuthorization);
            return new StoredVault(vault, tags == null ? Map.of() : tags, updatedAt, deletedAt, scheduledPurgeAt,
                    Actors.stored(createdBy, createdByType, lastModifiedBy, lastModifiedByType));
        }
    }

    /**
     * The stored JSON form of an access policy; key permissions by their wire names, the others as given (lower case).
     * ALWAYS: an empty list is stored as {@code []}, not left out (serde's NON_EMPTY default); rows written before that
     * lack the member, and a missing or null list reads as empty.
     */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record StoredPolicy(String tenantId, String objectId, @Nullable List<String> keys, @Nullable List<String> secrets,
                        @Nullable List<String> certificates, @Nullable List<String> storage) {
        static StoredPolicy of(AccessPolicy p) {
            return new StoredPolicy(p.tenantId(), p.objectId(), p.keys().stream().sorted().map(KeyPermission::wireName).toList(),
                    List.copyOf(p.secrets()), List.copyOf(p.certificates()), List.copyOf(p.storage()));
        }

        AccessPolicy policy() {
            Set<KeyPermission> perms = EnumSet.noneOf(KeyPermission.class);
            orEmpty(keys).forEach(k -> KeyPermission.parse(k).ifPresent(perms::addAll));
            return new AccessPolicy(tenantId, objectId, perms, Set.copyOf(orEmpty(secrets)), Set.copyOf(orEmpty(certificates)),
                    Set.copyOf(orEmpty(storage)));
        }

        private static List<String> orEmpty(@Nullable List<String> names) {
            return names == null ? List.of() : names.stream().filter(Objects::nonNull).toList();
        }
    }

    /** The stored JSON form of a vault's firewall (V30); every member written, a missing list read as empty. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record StoredAcls(String defaultAction, String bypass, @Nullable List<String> ipRules) {
        static StoredAcls of(NetworkAcls a) {
            return new StoredAcls(a.denyByDefault() ? "Deny" : "Allow", a.bypassAzureServices() ? "AzureServices" : "None", a.ipRules());
        }

        NetworkAcls acls() {
            // fail closed: only the spellings of ours open a vault (Allow) or let trusted services past it (AzureServices)
            return new NetworkAcls(!"Allow".equals(defaultAction), "AzureServices".equals(bypass), ipRules == null ? List.of() : ipRules);
        }
    }

    Row save(Row row);

    Row update(Row row);

    @Query("SELECT * FROM vaults WHERE lower(name) = lower(:name)")
    Optional<Row> findByName(String name);

    @Query("SELECT * FROM vaults WHERE lower(name) = lower(:name) FOR UPDATE")
    Optional<Row> lockByName(String name);

    @Query("DELETE FROM vaults WHERE lower(name) = lower(:name)")
    void deleteByName(String name);

    /**
     * Active vaults of a subscription (and resource group when given), in name order, after {@code afterName}: keyset
     * paging, so a page is stable under concurrent creates and costs the same at any depth.
     */
    @Query("SELECT * FROM vaults WHERE subscription_id = :subscriptionId AND deleted_at IS NULL"
            + " AND (CAST(:resourceGroup AS text) IS NULL OR lower(resource_group) = lower(:resourceGroup))"
            + " AND (CAST(:afterName AS text) IS NULL OR lower(name) > lower(:afterName)) ORDER BY lower(name) LIMIT :limit")
    List<Row> listActive(String subscriptionId, @Nullable String resourceGroup, @Nullable String afterName, int limit);

    @Query("SELECT * FROM vaults WHERE subscription_id = :subscriptionId AND deleted_at IS NOT NULL"
            + " AND (CAST(:afterName AS text) IS NULL OR lower(name) > lower(:afterName)) ORDER BY lower(name) LIMIT :limit")
    List<Row> listDeleted(String subscriptionId, @Nullable String afterName, int limit);

    /**
     * Soft-deleted vaults whose purge date has passed, locked; SKIP LOCKED so that several instances running the purge
     * job share the work instead of waiting on each other.
     */
    @Query("SELECT * FROM vaults WHERE deleted_at IS NOT NULL AND scheduled_purge_at <= :now ORDER BY scheduled_purge_at"
            + " LIMIT :limit FOR UPDATE SKIP LOCKED")
    List<Row> lockExpired(Instant now, int limit);

    // --- the domain's view

    /** The row holding {@code name} (active or soft-deleted), locked when {@code forUpdate}. */
    default Optional<StoredVault> find(String name, boolean forUpdate) {
        return (forUpdate ? lockByName(name) : findByName(name)).map(Row::vault);
    }



    default List<StoredVault> active(String subscriptionId, @Nullable String resourceGroup, @Nullable String afterName, int limit) {
        return listActive(subscriptionId, resourceGroup, afterName, limit).stream().map(Row::vault).toList();
    }

    default List<StoredVault> deleted(String subscriptionId, @Nullable String afterName, int limit) {
        return listDeleted(subscriptionId, afterName, limit).stream().map(Row::vault).toList();
    }

    default List<StoredVault> lockedExpired(Instant now, int limit) {
        return lockExpired(now, limit).stream().map(Row::vault).toList();
    }
}
