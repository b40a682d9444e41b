package io.keyward.app.arm;

import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/**
 * ARM's own subscription and tenant reads (Microsoft.Resources, {@code subscriptions.json}): {@code GET /subscriptions},
 * {@code GET /subscriptions/{id}} and {@code GET /tenants}. A caller sees its own tenant and the subscriptions that
 * tenant owns ({@link Subscriptions}); any other subscription, owned by another tenant or by none, is
 * {@code 404 SubscriptionNotFound}, the same answer either way. The Azure CLI reads these at sign-in.
 */
@Controller
class SubscriptionsController {

    /** Microsoft.Resources' subscriptions api-versions: the CLI's profiles ask for 2016-06-01 and 2019-11-01. */
    static final ApiVersions VERSIONS = ApiVersions.of("2016-06-01", "2018-06-01", "2019-06-01", "2019-11-01",
            "2020-01-01", "2021-01-01", "2022-12-01");

    private final Subscriptions subscriptions;

    SubscriptionsController(Subscriptions subscriptions) {
        this.subscriptions = subscriptions;
    }

    @Get(uri = "/subscriptions", produces = MediaType.APPLICATION_JSON)
    HttpResponse<?> list(Principal caller, @Nullable @QueryValue("api-version") String apiVersion) {
        VERSIONS.require(apiVersion);
        return HttpResponse.ok(Map.of("value", subscriptions.ownedBy(caller).stream().map(s -> body(s, caller)).toList()));
    }

    @Get(uri = "/subscriptions/{subscriptionId}", produces = MediaType.APPLICATION_JSON)
    HttpResponse<?> get(Principal caller, @PathVariable String subscriptionId,
                        @Nullable @QueryValue("api-version") String apiVersion) {
        VERSIONS.require(apiVersion);
        SubscriptionId sub = SubscriptionId.parse(subscriptionId);
        if (!subscriptions.owns(sub, caller)) {
            throw new ArmException(ArmErrorCode.SubscriptionNotFound, "The subscription '" + sub + "' could not be found.");
        }
        return HttpResponse.ok(body(sub, caller));
    }

    @Get(uri = "/tenants", produces = MediaType.APPLICATION_JSON)
    HttpResponse<?> tenants(Principal caller, @Nullable @QueryValue("api-version") String apiVersion) {
        VERSIONS.require(apiVersion);
        String tenant = caller.tenantId();
        return HttpResponse.ok(Map.of("value", List.of(new TenantBody("/tenants/" + tenant, tenant, "Home",
                "Keyward tenant " + tenant, List.of(), null))));
    }

    private static SubscriptionBody body(SubscriptionId sub, Principal caller) {
        return new SubscriptionBody("/subscriptions/" + sub, sub.value(), caller.tenantId(), "Keyward subscription " + sub,
                "Enabled", new Policies("Internal_2014-09-01", "Internal_2014-09-01", "Off"), "RoleBased", List.of(),
                Map.of());
    }

    @Serdeable
    record SubscriptionBody(String id, String subscriptionId, String tenantId, String displayName, String state,
                            Policies subscriptionPolicies, String authorizationSource, List<Object> managedByTenants,
                            Map<String, String> tags) {
    }

    @Serdeable
    record Policies(String locationPlacementId, String quotaId, String spendingLimit) {
    }

    @Serdeable
    record TenantBody(String id, String tenantId, String tenantCategory, String displayName, List<String> domains,
                      @Nullable String defaultDomain) {
    }
}
