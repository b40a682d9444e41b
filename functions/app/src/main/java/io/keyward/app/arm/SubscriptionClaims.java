package io.keyward.app.arm;

import io.keyward.app.identity.IdentityProperties;
import io.micronaut.context.BeanProvider;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code keyward.arm.subscriptions} ({@code KEYWARD_ARM_SUBSCRIPTIONS}): subscriptions registered to a tenant at start,
 * comma-separated {@code <subscriptionId>} (the default tenant, the operator's) or {@code <subscriptionId>:<tenantId>}.
 * A subscription otherwise belongs to the tenant that first creates something in it; the Azure CLI signs in only
 * where {@code GET /subscriptions} lists one, so a new tenant needs one given here first (docs/azure-cli.md). A
 * subscription another tenant owns already stays that tenant's: the start logs it and goes on. Unset: none.
 */
@Context // created at start, so that a malformed setting stops the start
class SubscriptionClaims {

    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionClaims.class);

    record Claim(SubscriptionId subscription, String tenantId) {
    }

    /** Looked up only when there is something to claim: a context without a database still starts. */
    private final BeanProvider<Subscriptions> subscriptions;
    private final List<Claim> claims;

    SubscriptionClaims(BeanProvider<Subscriptions> subscriptions, IdentityProperties identity,
                       @Value("${keyward.arm.subscriptions:}") String configured) {
        this.subscriptions = subscriptions;
        this.claims = parse(configured, identity.defaultTenant());
    }

    /** Refuses a malformed entry at start, naming the setting, rather than ignoring it. */
    static List<Claim> parse(String configured, String defaultTenant) {
        List<Claim> claims = new ArrayList<>();
        for (String entry : configured.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            int colon = e.indexOf(':');
            String sub = colon < 0 ? e : e.substring(0, colon).trim();
            String tenant = colon < 0 ? defaultTenant : e.substring(colon + 1).trim();
            if (!tenant.matches("[A-Za-z0-9][A-Za-z0-9.-]{0,63}")) {
                throw new IllegalArgumentException("keyward.arm.subscriptions: '" + e + "' names no valid tenant id");
            }
            try {
                claims.add(new Claim(SubscriptionId.parse(sub), tenant));
            } catch (ArmException ex) {
                throw new IllegalArgumentException("keyward.arm.subscriptions: '" + e + "' is not a subscription id (a GUID)");
            }
        }
        return List.copyOf(claims);
    }

    @EventListener
    void onStartup(StartupEvent event) {
        for (Claim c : claims) {
            String owner = subscriptions.get().claim(c.subscription(), c.tenantId());
            if (!owner.equalsIgnoreCase(c.tenantId())) {
                LOG.warn("subscription {} from keyward.arm.subscriptions belongs to another tenant already; left as it is",
                        c.subscription());
            }
        }
    }
}
