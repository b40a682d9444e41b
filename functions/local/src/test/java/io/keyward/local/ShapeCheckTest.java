package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The conformance comparison catches what a wire regression looks like: a member gone, a type changed, an element short. */
class ShapeCheckTest {

    private static final Map<String, Object> DOCUMENTED = Map.of("id", "/x", "properties",
            Map.of("capacity", 1000, "enabled", true, "tags", List.of("a"), "key", Map.of("name", "k")));

    @Test
    void theSameShapeWithOtherValuesAndMoreMembersConforms() {
        Map<String, Object> actual = Map.of("id", "/y", "extra", 1, "properties",
                Map.of("capacity", 2.5, "enabled", false, "tags", List.of(), "key", Map.of("name", "other", "version", "v")));
        assertThat(ShapeCheck.differences(DOCUMENTED, actual)).isEmpty();
    }

    @Test
    void aMissingMemberAndAChangedTypeAreReportedWithTheirPaths() {
        Map<String, Object> actual = Map.of("id", 7, "properties", Map.of("capacity", "1000", "enabled", true, "tags", List.of("a")));
        assertThat(ShapeCheck.differences(DOCUMENTED, actual)).containsExactlyInAnyOrder(
                "$.id: number where the example has string",
                "$.properties.capacity: string where the example has number",
                "$.properties.key: missing");
    }

    @Test
    void everyElementNeedsWhatEveryDocumentedElementHas() {
        Map<String, Object> documented = Map.of("value", List.of(Map.of("name", "a", "key", "k"), Map.of("name", "b")));
        assertThat(ShapeCheck.differences(documented, Map.of("value", List.of(Map.of("name", "x"), Map.of("name", "y", "key", "k")))))
                .isEmpty();
        assertThat(ShapeCheck.differences(documented, Map.of("value", List.of(Map.of("name", "x"), Map.of("key", "k")))))
                .containsExactly("$.value[].name: missing");
        assertThat(ShapeCheck.differences(documented, Map.of("value", Map.of()))).containsExactly("$.value: object where the example has array");
    }

    @Test
    void onlyANextLinkOrAnErrorAtTheTopAndNamedPathsMayBeAbsent() {
        Map<String, Object> documented = Map.of("value", List.of(), "nextLink", "https://next", "error", Map.of("code", "c"),
                "properties", Map.of("nextLink", "n", "keyVaultProperties", Map.of("keyName", "k")));
        assertThat(ShapeCheck.differences(documented, Map.of("value", List.of(), "properties", Map.of()),
                Set.of("$.properties.keyVaultProperties"))).containsExactly("$.properties.nextLink: missing");
    }
}
