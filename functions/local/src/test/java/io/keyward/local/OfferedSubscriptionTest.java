package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A subscription offered in {@code keyward.arm.subscriptions} is only listed: it grants nobody anything. The first
 * create in it makes its caller the Owner, as in any other subscription; another principal of the same tenant is
 * refused until someone assigns it a role, and a principal of another tenant never sees it.
 */
class OfferedSubscriptionTest {

    private static final String SUBSCRIPTIONS = "/subscriptions?api-version=2022-12-01";

    @Test
    @SuppressWarnings("unchecked")
    void anOfferedSubscriptionIsListedToItsTenantAndOwnedByItsFirstCreatorOnly() throws Exception {
        String sub = TestHost.OFFERED_SUBSCRIPTION;
        ClusterArm first = new ClusterArm(TestHost.OFFERED_TENANT, "offered-first");
        ClusterArm second = new ClusterArm(TestHost.OFFERED_TENANT, "offered-second");
        ClusterArm stranger = new ClusterArm("f0000000-0000-4000-8000-0000000000b9", "offered-stranger");

        for (ClusterArm caller : List.of(first, second)) {
            List<Map<String, Object>> listed = (List<Map<String, Object>>) caller.call("GET", SUBSCRIPTIONS, null).json().get("value");
            assertThat(listed).extracting(m -> m.get("subscriptionId")).as("offered to the tenant").contains(sub);
        }
        List<Map<String, Object>> foreign = (List<Map<String, Object>>) stranger.call("GET", SUBSCRIPTIONS, null).json().get("value");
        assertThat(foreign).extracting(m -> m.get("subscriptionId")).doesNotContain(sub);

        String id = ClusterArm.cluster(sub, "rg1", ClusterArm.name("cl"));
        ClusterArm.Reply created = first.call("PUT", id + ClusterArm.API, ClusterArm.body("westeurope", 1000, ""));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        ClusterArm.assertError(second.call("PUT", ClusterArm.cluster(sub, "rg1", ClusterArm.name("cl")) + ClusterArm.API,
                ClusterArm.body("westeurope", 1000, "")), 403, "AuthorizationFailed", null);
        ClusterArm.assertError(second.call("GET", id + ClusterArm.API, null), 403, "AuthorizationFailed", null);
        ClusterArm.assertError(stranger.call("GET", id + ClusterArm.API, null), 403, "AuthorizationFailed", null);
    }
}
