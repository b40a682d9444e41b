package io.keyward.app.arm;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.util.List;
import java.util.Optional;

/** {@code subscriptions} (schema/ V3): which tenant owns each subscription Keyward has seen. */
@JdbcRepository(dialect = Dialect.POSTGRES)
interface SubscriptionRepository extends GenericRepository<SubscriptionRepository.Row, String> {

    @MappedEntity("subscriptions")
    record Row(@Id String subscriptionId, String tenantId) {
    }

    @Query("SELECT tenant_id FROM subscriptions WHERE subscription_id = :subscriptionId")
    Optional<String> tenantOf(String subscriptionId);

    @Query("INSERT INTO subscriptions (subscription_id, tenant_id) VALUES (:subscriptionId, :tenantId) ON CONFLICT (subscription_id) DO NOTHING")
    int claim(String subscriptionId, String tenantId);

    @Query("SELECT subscription_id FROM subscriptions WHERE lower(tenant_id) = lower(:tenantId) ORDER BY subscription_id")
    List<String> ofTenant(String tenantId);
}
