package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An adaptation of a published example cannot hide a failure: the published request must be refused (400, the error
 * envelope, every refused setting named), an adapted request changes only the members listed, and a member the
 * adaptation excludes from the comparison must really be absent, while every other documented member is still required.
 */
class AdaptationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Adaptation.JsonText PARSE = t -> {
        try {
            return JSON.readValue(t, Object.class);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    };
    private static final List<Adaptation> TWO = List.of(
            new Adaptation("x.json", "body", "/properties/publicIPType", "\"IPv4\"", "publicIPType", "no public addresses"),
            new Adaptation("x.json", "body", "/properties/languageExtensions", "-", "languageExtensions", "no extensions"));

    private static Map<String, Object> error(String message) {
        return Map.of("error", Map.of("code", "InvalidParameter", "message", message));
    }

    @Test
    void aPublishedRequestThatIsAcceptedFailsTheAdaptation() {
        assertThat(Adaptation.refusalDifferences(200, Map.of("properties", Map.of()), TWO))
                .containsExactly("published request answered 200 where Keyward refuses it (400) by design");
        assertThat(Adaptation.refusalDifferences(201, null, TWO)).hasSize(1);
    }

    @Test
    void aRefusalMustComeInTheErrorEnvelopeAndNameEverySetting() {
        assertThat(Adaptation.refusalDifferences(400, Map.of("message", "publicIPType languageExtensions"), TWO))
                .containsExactly("published request answered 400 without the error envelope {\"error\":{\"code\",\"message\"}}");
        // a refusal of the first setting only: the second could be accepted and dropped, so the adaptation fails
        assertThat(Adaptation.refusalDifferences(400, error("The property 'properties.publicIPType' cannot be honoured."), TWO))
                .containsExactly("published request refused without naming languageExtensions (/properties/languageExtensions): The"
                        + " property 'properties.publicIPType' cannot be honoured.");
        assertThat(Adaptation.refusalDifferences(400, error("The request has 2 settings Keyward cannot apply: 'properties.publicIPType'"
                + " ...; 'properties.languageExtensions' ..."), TWO)).isEmpty();
    }

    @Test
    void anAdaptedRequestChangesOnlyTheListedMembers() {
        Map<String, Object> published = new LinkedHashMap<>();
        published.put("location", "westus");
        published.put("properties", new LinkedHashMap<>(Map.of("publicIPType", "DualStack", "languageExtensions", Map.of("value",
                List.of("PYTHON")), "enablePurge", true, "ids", new ArrayList<>(List.of("a", "b")))));
        List<Adaptation> three = new ArrayList<>(TWO);
        three.add(new Adaptation("x.json", "body", "/properties/ids/1", "-", "ids", "one only"));
        Object adapted = Adaptation.applyToBody(published, three, PARSE);
        assertThat(adapted).isEqualTo(Map.of("location", "westus", "properties", Map.of("publicIPType", "IPv4", "enablePurge", true,
                "ids", List.of("a"))));
        // the published body itself is untouched (step 1 sends it)
        assertThat(((Map<?, ?>) published.get("properties")).get("publicIPType")).isEqualTo("DualStack");
        // an adaptation of a member the request does not have is stale: the replay stops rather than change nothing
        assertThatThrownBy(() -> Adaptation.applyToBody(Map.of("properties", Map.of()), TWO, PARSE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("/properties/publicIPType");
    }

    @Test
    void anUnansweredMemberIsExcludedAloneAndMustBeAbsent() {
        List<Adaptation> reset = List.of(new Adaptation("w.json", "unanswered", "$.properties.workspaceCapping.quotaNextResetTime", "-",
                "-", "no quota to reset"));
        assertThat(Adaptation.anyChangesRequest(reset)).isFalse();
        Map<String, Object> documented = Map.of("properties", Map.of("retentionInDays", 30, "workspaceCapping", Map.of("dailyQuotaGb", -1,
                "quotaNextResetTime", "Mon, 16 Nov 2020 15:00:00 GMT", "dataIngestionStatus", "RespectQuota")));
        Map<String, Object> answered = Map.of("properties", Map.of("workspaceCapping", Map.of("dailyQuotaGb", -1)));
        // only the listed path is excused: another documented member missing is still a difference
        assertThat(ShapeCheck.differences(documented, answered, Adaptation.unanswered(reset))).containsExactlyInAnyOrder(
                "$.properties.retentionInDays: missing", "$.properties.workspaceCapping.dataIngestionStatus: missing");
        assertThat(Adaptation.unansweredButPresent(answered, reset)).isEmpty();
        // once Keyward answers it, the line is stale and the example fails until it is removed
        assertThat(Adaptation.unansweredButPresent(documented, reset)).containsExactly("$.properties.workspaceCapping.quotaNextResetTime:"
                + " answered, but conformance-adaptations.txt says Keyward does not answer it: remove that line");
    }

    @Test
    void theLinesAreCheckedWhenRead() {
        assertThatThrownBy(() -> new Adaptation("x.json", "drop", "/a", "-", "a", "r")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Adaptation("x.json", "body", "properties.a", "-", "a", "r")).isInstanceOf(IllegalArgumentException.class);
        // a request change must say what its refusal names, or the refusal step would check nothing
        assertThatThrownBy(() -> new Adaptation("x.json", "body", "/a", "-", "-", "r")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Adaptation("x.json", "unanswered", "$.a", "1", "-", "r")).isInstanceOf(IllegalArgumentException.class);
    }
}
