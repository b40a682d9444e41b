package io.keyward.app.identity;

import io.micronaut.core.annotation.Introspected;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.util.Optional;
import java.util.UUID;

/** {@code identity_principals} and {@code identity_clients} (schema/ V2, V17). */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface IdentityRepository extends GenericRepository<IdentityRepository.StoredPrincipal, UUID> {

    /** One row of {@code identity_principals}. */
    @MappedEntity("identity_principals")
    record StoredPrincipal(String tenantId, @Id UUID objectId, String type, String displayName, boolean operator,
                           boolean enabled) {

        Principal principal() {
            return new Principal(tenantId, objectId.toString(), PrincipalType.valueOf(type), displayName);
        }
    }

    /** A client's stored secret check values and the principal it signs in as. */
    @Introspected
    record StoredClient(UUID clientId, String tenantId, UUID objectId, String type, String displayName,
                        boolean enabled, byte[] secretSalt, byte[] secretHash) {

        Principal principal() {
            return new Principal(tenantId, objectId.toString(), PrincipalType.valueOf(type), displayName);
        }
    }

    @Query("""
            INSERT INTO identity_principals (tenant_id, object_id, type, display_name, operator)
            VALUES (:tenantId, :objectId, :type, :displayName, :operator)""")
    void insertPrincipal(String tenantId, UUID objectId, String type, String displayName, boolean operator);

    /**
     * The principal and its client in one statement: a client never exists without its principal. (It returns the
     * client id because a statement that starts with WITH is run as a query.)
     */
    @Query("""
            WITH p AS (
                INSERT INTO identity_principals (tenant_id, object_id, type, display_name, operator)
                VALUES (:tenantId, :objectId, 'SERVICE_PRINCIPAL', :displayName, :operator)
                RETURNING tenant_id, object_id)
            INSERT INTO identity_clients (client_id, tenant_id, object_id, secret_salt, secret_hash)
            SELECT :clientId, tenant_id, object_id, :salt, :hash FROM p
            RETURNING client_id""")
    UUID insertClient(String tenantId, UUID objectId, String displayName, boolean operator, UUID clientId, byte[] salt,
                      byte[] hash);

    @Query("""
            SELECT tenant_id, object_id, type, display_name, operator, enabled FROM identity_principals
             WHERE tenant_id = :tenantId AND object_id = :objectId""")
    Optional<StoredPrincipal> findPrincipal(String tenantId, UUID objectId);

    /** The client, only within its own tenant: a client id presented at another tenant's endpoint is unknown. */
    @Query("""
            SELECT c.client_id, p.tenant_id, p.object_id, p.type, p.display_name, p.enabled, c.secret_salt, c.secret_hash
              FROM identity_clients c
              JOIN identity_principals p ON p.tenant_id = c.tenant_id AND p.object_id = c.object_id
             WHERE c.tenant_id = :tenantId AND c.client_id = :clientId""")
    Optional<StoredClient> findClient(String tenantId, UUID clientId);

    @Query("SELECT tenant_id FROM identity_clients WHERE client_id = :clientId")
    Optional<String> tenantOfClient(UUID clientId);

    @Query("UPDATE identity_principals SET enabled = :enabled WHERE tenant_id = :tenantId AND object_id = :objectId")
    int setEnabled(String tenantId, UUID objectId, boolean enabled);

    /** Deletes the principal; its client registration goes with it (ON DELETE CASCADE). */
    @Query("DELETE FROM identity_principals WHERE tenant_id = :tenantId AND object_id = :objectId")
    int deletePrincipal(String tenantId, UUID objectId);
}
