package io.keyward.app.arm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code keyward.arm.subscriptions}: every entry is applied or the start is refused naming the setting. */
class SubscriptionClaimsTest {

    private static final String DEFAULT_TENANT = "00000000-0000-0000-0000-00000000a11c";

    @Test
    void entriesNameTheirTenantOrTakeTheOperatorsOne() {
        List<SubscriptionClaims.Claim> claims = SubscriptionClaims.parse(
                " 11111111-2222-3333-4444-555555555555 , A2000000-5B5C-4000-8000-0000000000A2:t2.example,", DEFAULT_TENANT);
        assertThat(claims).containsExactly(
                new SubscriptionClaims.Claim(new SubscriptionId("11111111-2222-3333-4444-555555555555"), DEFAULT_TENANT),
                new SubscriptionClaims.Claim(new SubscriptionId("a2000000-5b5c-4000-8000-0000000000a2"), "t2.example"));
    }

    @Test
    void aMalformedEntryIsRefusedNotDropped() {
        assertThatThrownBy(() -> SubscriptionClaims.parse("11111111-2222-3333-4444-555555555555,not-a-guid", DEFAULT_TENANT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyward.arm.subscriptions")
                .hasMessageContaining("not-a-guid");
        assertThatThrownBy(() -> SubscriptionClaims.parse("11111111-2222-3333-4444-555555555555:", DEFAULT_TENANT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no valid tenant id");
        assertThatThrownBy(() -> SubscriptionClaims.parse("11111111-2222-3333-4444-555555555555:bad tenant", DEFAULT_TENANT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no valid tenant id");
    }
}
