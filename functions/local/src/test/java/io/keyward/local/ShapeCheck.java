package io.keyward.local;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares a documented response body (an x-ms-examples response) with Keyward's: every property path of the
 * documented body must be present in Keyward's with the same JSON type; values are ignored. An array's documented
 * elements give one element shape (the members every documented element has), and every element Keyward sends must have
 * it. Two members are present only for some values and are not required: a list's {@code nextLink} (only when another
 * page follows, ARM RPC paging) and an operation status's {@code error} (only when the operation failed).
 */
final class ShapeCheck {

    private static final Set<String> CONDITIONAL_TOP_LEVEL = Set.of("nextLink", "error");

    private ShapeCheck() {
    }

    /** The differences, as {@code path: what}; empty when Keyward's body has the documented shape. */
    static List<String> differences(Object documented, Object actual) {
        return differences(documented, actual, Set.of());
    }

    /** As {@link #differences(Object, Object)}, where the members at {@code mayBeAbsent} (paths such as {@code $.a.b}) may be missing. */
    static List<String> differences(Object documented, Object actual, Set<String> mayBeAbsent) {
        List<String> out = new ArrayList<>();
        compare("$", documented, actual, out, true, mayBeAbsent);
        return out;
    }

    private static void compare(String path, Object documented, Object actual, List<String> out, boolean top, Set<String> mayBeAbsent) {
        if (documented == null) {
            return;
        }
        if (actual == null) {
            out.add(path + ": missing (documented " + type(documented) + ")");
            return;
        }
        if (!type(documented).equals(type(actual))) {
            out.add(path + ": " + type(actual) + " where the example has " + type(documented));
            return;
        }
        if (documented instanceof Map<?, ?> d) {
            Map<?, ?> a = (Map<?, ?>) actual;
            for (Map.Entry<?, ?> e : d.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (!a.containsKey(key)) {
                    if (!(top && CONDITIONAL_TOP_LEVEL.contains(key)) && e.getValue() != null && !mayBeAbsent.contains(path + "." + key)) {
                        out.add(path + "." + key + ": missing");
                    }
                    continue;
                }
                compare(path + "." + key, e.getValue(), a.get(key), out, false, mayBeAbsent);
            }
        } else if (documented instanceof List<?> d && !d.isEmpty()) {
            Object shape = elementShape(d);
            List<?> a = (List<?>) actual;
            for (int i = 0; i < a.size(); i++) {
                compare(path + "[]", shape, a.get(i), out, false, mayBeAbsent);
            }
        }
    }

    /** The shape every documented element shares: for objects, the members all of them have (each member's shape likewise). */
    @SuppressWarnings("unchecked")
    static Object elementShape(List<?> elements) {
        Object first = elements.get(0);
        if (!(first instanceof Map<?, ?>)) {
            return first;
        }
        Map<String, Object> shared = new LinkedHashMap<>((Map<String, Object>) first);
        for (Object other : elements.subList(1, elements.size())) {
            if (!(other instanceof Map<?, ?> m)) {
                return first;
            }
            shared.keySet().retainAll(m.keySet());
            for (Map.Entry<String, Object> e : shared.entrySet()) {
                Object mine = e.getValue();
                Object theirs = m.get(e.getKey());
                if (mine instanceof Map<?, ?> && theirs instanceof Map<?, ?>) {
                    e.setValue(elementShape(List.of(mine, theirs)));
                }
            }
        }
        return shared;
    }

    static String type(Object v) {
        if (v instanceof Map<?, ?>) {
            return "object";
        }
        if (v instanceof List<?>) {
            return "array";
        }
        if (v instanceof Boolean) {
            return "boolean";
        }
        if (v instanceof Number) {
            return "number";
        }
        return v instanceof String ? "string" : v.getClass().getSimpleName();
    }
}
