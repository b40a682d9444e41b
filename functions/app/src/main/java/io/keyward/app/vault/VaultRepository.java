package io.keyward.app.vault;

import static io.keyward.app.arm.JdbcColumns.fromJson;
import static io.keyward.app.arm.JdbcColumns.instant;
import static io.keyward.app.arm.JdbcColumns.setInstant;
import static io.keyward.app.arm.JdbcColumns.tags;
import static io.keyward.app.arm.JdbcColumns.toJson;

import io.keyward.app.arm.SqlTransactions;
import io.keyward.app.arm.StoreException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code vaults} and {@code subscriptions} (schema/ V3). Plain JDBC like the rest of the app; callers that read
 * and then write run both in one {@link #inTransaction} with the row locked, so concurrent updates of one vault
 * serialise instead of losing each other's changes.
 */
@Singleton
class VaultRepository {

    private static final String COLUMNS = "name, subscription_id, resource_group, location, tenant_id, sku, soft_delete_enabled,"
            + " soft_delete_retention_days, purge_protection_enabled, access_policies::text, tags::text, created_at, updated_at,"
            + " deleted_at, scheduled_purge_at";
    private static final Argument<List<StoredPolicy>> POLICIES = Argument.listOf(StoredPolicy.class);

    private final SqlTransactions transactions;
    private final JsonMapper json;

    VaultRepository(SqlTransactions transactions, JsonMapper json) {
        this.transactions = transactions;
        this.json = json;
    }

    <T> T inTransaction(SqlTransactions.SqlWork<T> work) {
        return transactions.inTransaction(work, e -> new StoreException("vault", e));
    }

    <T> T read(SqlTransactions.SqlWork<T> work) {
        return transactions.read(work, e -> new StoreException("vault", e));
    }

    /** Thrown for database failures; {@link #sqlState()} lets the service tell a name race from an outage. */

    // --- vaults

    /** The row holding {@code name} (active or soft-deleted), locked when {@code forUpdate}. */
    Optional<StoredVault> findByName(Connection c, String name, boolean forUpdate) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM vaults WHERE lower(name) = lower(?)" + (forUpdate ? " FOR UPDATE" : "");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    void insert(Connection c, StoredVault v) throws SQLException {
        String sql = "INSERT INTO vaults (" + COLUMNS.replace("::text", "") + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Vault vault = v.vault();
            ps.setString(1, vault.name());
            ps.setString(2, vault.subscriptionId());
            ps.setString(3, vault.resourceGroup());
            bindMutable(ps, 4, v);
            ps.setTimestamp(12, Timestamp.from(vault.createdAt()));
            ps.setTimestamp(13, Timestamp.from(v.updatedAt()));
            setInstant(ps, 14, v.deletedAt());
            setInstant(ps, 15, v.scheduledPurgeAt());
            ps.executeUpdate();
        }
    }

    /** Writes everything but the name, subscription, group and creation time (which never change). */
    void update(Connection c, StoredVault v) throws SQLException {
        String sql = "UPDATE vaults SET location = ?, tenant_id = ?, sku = ?, soft_delete_enabled = ?, soft_delete_retention_days = ?,"
                + " purge_protection_enabled = ?, access_policies = ?::jsonb, tags = ?::jsonb, updated_at = ?, deleted_at = ?,"
                + " scheduled_purge_at = ? WHERE lower(name) = lower(?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bindMutable(ps, 1, v);
            ps.setTimestamp(9, Timestamp.from(v.updatedAt()));
            setInstant(ps, 10, v.deletedAt());
            setInstant(ps, 11, v.scheduledPurgeAt());
            ps.setString(12, v.vault().name());
            ps.executeUpdate();
        }
    }

    void delete(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM vaults WHERE lower(name) = lower(?)")) {
            ps.setString(1, name);
            ps.executeUpdate();
        }
    }

    /**
     * Active vaults of a subscription (and resource group when given), in name order, after {@code afterName}:
     * keyset paging, so a page is stable under concurrent creates and costs the same at any depth.
     */
    List<StoredVault> listActive(Connection c, String subscriptionId, @Nullable String resourceGroup, @Nullable String afterName,
                                 int limit) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM vaults WHERE subscription_id = ? AND deleted_at IS NULL"
                + (resourceGroup == null ? "" : " AND lower(resource_group) = lower(?)")
                + (afterName == null ? "" : " AND lower(name) > lower(?)")
                + " ORDER BY lower(name) LIMIT ?";
        return list(c, sql, subscriptionId, resourceGroup, afterName, limit);
    }

    List<StoredVault> listDeleted(Connection c, String subscriptionId, @Nullable String afterName, int limit) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM vaults WHERE subscription_id = ? AND deleted_at IS NOT NULL"
                + (afterName == null ? "" : " AND lower(name) > lower(?)")
                + " ORDER BY lower(name) LIMIT ?";
        return list(c, sql, subscriptionId, null, afterName, limit);
    }

    /**
     * Soft-deleted vaults whose purge date has passed, locked; SKIP LOCKED so that several instances running the
     * purge job share the work instead of waiting on each other.
     */
    List<StoredVault> lockExpired(Connection c, Instant now, int limit) throws SQLException {
        String sql = "SELECT " + COLUMNS + " FROM vaults WHERE deleted_at IS NOT NULL AND scheduled_purge_at <= ?"
                + " ORDER BY scheduled_purge_at LIMIT ? FOR UPDATE SKIP LOCKED";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setTimestamp(1, Timestamp.from(now));
            ps.setInt(2, limit);
            List<StoredVault> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        }
    }

    private List<StoredVault> list(Connection c, String sql, String subscriptionId, @Nullable String resourceGroup,
                                   @Nullable String afterName, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, subscriptionId);
            if (resourceGroup != null) {
                ps.setString(i++, resourceGroup);
            }
            if (afterName != null) {
                ps.setString(i++, afterName);
            }
            ps.setInt(i, limit);
            List<StoredVault> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs));
                }
            }
            return out;
        }
    }

    private void bindMutable(PreparedStatement ps, int first, StoredVault v) throws SQLException {
        Vault vault = v.vault();
        ps.setString(first, vault.location());
        ps.setString(first + 1, vault.tenantId());
        ps.setString(first + 2, vault.sku());
        ps.setBoolean(first + 3, vault.softDeleteEnabled());
        ps.setInt(first + 4, vault.softDeleteRetentionDays());
        ps.setBoolean(first + 5, vault.purgeProtectionEnabled());
        ps.setString(first + 6, toJson(json, vault.accessPolicies().stream().map(StoredPolicy::of).toList()));
        ps.setString(first + 7, toJson(json, v.tags()));
    }

    private StoredVault map(ResultSet rs) throws SQLException {
        String name = rs.getString("name");
        String subscription = rs.getString("subscription_id");
        String group = rs.getString("resource_group");
        List<AccessPolicy> policies = fromJson(json, rs.getString(10), POLICIES).stream().map(StoredPolicy::policy).toList();
        Vault vault = new Vault(Vault.idOf(subscription, group, name), subscription, group, name, rs.getString("location"),
                rs.getString("tenant_id"), rs.getString("sku"), rs.getBoolean("soft_delete_enabled"),
                rs.getInt("soft_delete_retention_days"), rs.getBoolean("purge_protection_enabled"), policies,
                rs.getTimestamp("created_at").toInstant());
        return new StoredVault(vault, tags(json, rs.getString(11)), rs.getTimestamp("updated_at").toInstant(),
                instant(rs.getTimestamp("deleted_at")), instant(rs.getTimestamp("scheduled_purge_at")));
    }

    /** The stored JSON form of an access policy; key permissions by their wire names. */
    @Serdeable
    record StoredPolicy(String tenantId, String objectId, List<String> keys) {
        static StoredPolicy of(AccessPolicy p) {
            return new StoredPolicy(p.tenantId(), p.objectId(), p.keys().stream().sorted().map(KeyPermission::wireName).toList());
        }

        AccessPolicy policy() {
            Set<KeyPermission> perms = EnumSet.noneOf(KeyPermission.class);
            keys.forEach(k -> KeyPermission.parse(k).ifPresent(perms::addAll));
            return new AccessPolicy(tenantId, objectId, perms);
        }
    }
}
