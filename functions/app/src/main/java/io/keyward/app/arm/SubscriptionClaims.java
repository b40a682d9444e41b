package io.keyward.app.arm;

import io.keyward.app.identity.IdentityProperties;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code keyward.arm.subscriptions} ({@code KEYWARD_ARM_SUBSCRIPTIONS}): subscriptions offered to a tenant,
 * comma-separated {@code <subscriptionId>} (the default tenant, the operator's) or {@code <subscriptionId>:<tenantId>}.
 * The Azure CLI signs in only where {@code GET /subscriptions} lists one, and a subscription otherwise appears only
 * once its tenant has created something in it (docs/azure-cli.md). An offered subscription is listed to its tenant's
 * principals while nobody has claimed it; it is registered, as any other, by the first create in it, whose caller
 * becomes its Owner (docs/authorization.md): offering one grants no rights. A subscription another tenant has claimed
 * stays that tenant's and is not listed. Unset: none.
 */
@Context // created at start, so that a malformed setting stops the start
class SubscriptionClaims {

    record Claim(SubscriptionId subscription, String tenantId) {
    }

    private final List<Claim> claims;

    SubscriptionClaims(IdentityProperties identity, @Value("${keyward.arm.subscriptions:}") String configured) {
        this.claims = parse(configured, identity.defaultTenant());
    }

    /** The subscriptions offered to {@code tenantId}, in the setting's order. */
    List<SubscriptionId> offeredTo(String tenantId) {
        return claims.stream().filter(c -> c.tenantId().equalsIgnoreCase(tenantId)).map(Claim::subscription).toList();
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
}
