package io.keyward.app.arm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ArmResourceIdTest {

    private static final String SUB = "00000000-0000-0000-0000-0000000000AB";

    @Test
    void idsThatDifferOnlyInCaseAreTheSameResourceButKeepTheirSpelling() {
        ArmResourceId a = ArmResourceId.parse("/subscriptions/" + SUB + "/resourceGroups/RG/providers/Microsoft.Kusto/clusters/Ab").orElseThrow();
        ArmResourceId b = ArmResourceId.parse("/SUBSCRIPTIONS/" + SUB.toLowerCase() + "/resourcegroups/rg/providers/microsoft.kusto/CLUSTERS/ab/")
                .orElseThrow();

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.toString()).isEqualTo("/subscriptions/" + SUB.toLowerCase() + "/resourceGroups/RG/providers/Microsoft.Kusto/clusters/Ab");
        assertThat(a.isOfType("MICROSOFT.KUSTO/clusters")).isTrue();
        assertThat(a.name()).isEqualTo("Ab");
        assertThat(a.subscription().value()).isEqualTo(SUB.toLowerCase());
    }

    @Test
    void childResourcesKnowTheirParent() {
        ArmResourceId link = ArmResourceId.parse("/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.OperationalInsights"
                + "/workspaces/w1/linkedServices/cluster").orElseThrow();

        assertThat(link.type()).isEqualTo("Microsoft.OperationalInsights/workspaces/linkedServices");
        assertThat(link.parent().orElseThrow().isOfType("Microsoft.OperationalInsights/workspaces")).isTrue();
        assertThat(link.parent().orElseThrow().name()).isEqualTo("w1");
        assertThat(ArmResourceId.parse(link.toString(), "Microsoft.OperationalInsights/workspaces")).isEmpty();
    }

    @Test
    void malformedIdsAreRefused() {
        assertThat(ArmResourceId.parse(null)).isEmpty();
        assertThat(ArmResourceId.parse("")).isEmpty();
        assertThat(ArmResourceId.parse("/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Kusto/clusters/c")).isEmpty();
        assertThat(ArmResourceId.parse("/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Kusto/clusters")).isEmpty();
        assertThat(ArmResourceId.parse("/subscriptions/" + SUB + "/resourceGroups//providers/Microsoft.Kusto/clusters/c")).isEmpty();
        assertThat(ArmResourceId.parse("/subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Kusto/clusters/c/x")).isEmpty();
        assertThat(ArmResourceId.parse("subscriptions/" + SUB + "/resourceGroups/rg/providers/Microsoft.Kusto/clusters/c")).isEmpty();
    }
}
