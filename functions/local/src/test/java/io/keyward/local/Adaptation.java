package io.keyward.local;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One line of {@code conformance-adaptations.txt}: a setting a published example sends that Keyward refuses on purpose,
 * and the one change the replay makes for it (kept apart from {@link ConformanceTest.Erratum}, which corrects the
 * examples' own defects). An example with such lines is replayed in two steps: its request as published, whose answer
 * must be Keyward's refusal ({@link #refusalDifferences}: 400, the ARM error envelope, a message naming every refused
 * setting), then its request with only the listed members changed, compared with the documented answer as any other
 * example's is, except for the documented answer's members listed as {@code unanswered} (which Keyward's answer must
 * then indeed lack: {@link #unansweredButPresent}).
 *
 * @param kind  {@code body} (where: a JSON pointer into the request body; value: the JSON Keyward applies there, or
 *              {@code -} to remove the member), {@code parameter} (where: a path parameter; value: what the second step
 *              sends) or {@code unanswered} (where: a path {@code $.a.b} of the documented answer; value {@code -})
 * @param named what the refusal's message must contain for this setting ({@code -} for {@code unanswered})
 */
record Adaptation(String example, String kind, String where, String value, String named, String reason) {

    static final Set<String> KINDS = Set.of("body", "parameter", "unanswered");
    /** The JSON text that stands for "remove the member". */
    static final String REMOVE = "-";

    Adaptation {
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("adaptation kind " + kind + " is not one of " + new TreeSet<>(KINDS) + ": " + example);
        }
        if (kind.equals("body") && !where.startsWith("/")) {
            throw new IllegalArgumentException("a body adaptation names a JSON pointer (/a/b): " + example + " " + where);
        }
        if (kind.equals("unanswered") && (!where.startsWith("$.") || !value.equals(REMOVE) || !named.equals(REMOVE))) {
            throw new IllegalArgumentException("an unanswered adaptation names a documented answer's path ($.a.b), with value and named -: "
                    + example + " " + where);
        }
        if (!kind.equals("unanswered") && named.equals(REMOVE)) {
            throw new IllegalArgumentException("a request adaptation says what its refusal names: " + example + " " + where);
        }
    }

    /** Whether this line changes the request, so that the example's published request must be refused first. */
    boolean changesRequest() {
        return !kind.equals("unanswered");
    }

    static boolean anyChangesRequest(List<Adaptation> adaptations) {
        return adaptations.stream().anyMatch(Adaptation::changesRequest);
    }

    /**
     * The differences of a published request's answer from Keyward's refusal of {@code adaptations}' settings: the status
     * must be 400 and the body ARM's error envelope ({@code error.code} and {@code error.message} strings) whose message
     * contains each setting's {@link #named}. Empty: refused as documented.
     */
    static List<String> refusalDifferences(int status, Object body, List<Adaptation> adaptations) {
        List<String> out = new ArrayList<>();
        if (status != 400) {
            out.add("published request answered " + status + " where Keyward refuses it (400) by design");
            return out;
        }
        if (!(body instanceof Map<?, ?> m) || !(m.get("error") instanceof Map<?, ?> error) || !(error.get("code") instanceof String)
                || !(error.get("message") instanceof String message)) {
            out.add("published request answered 400 without the error envelope {\"error\":{\"code\",\"message\"}}");
            return out;
        }
        for (Adaptation a : adaptations) {
            if (a.changesRequest() && !message.contains(a.named())) {
                out.add("published request refused without naming " + a.named() + " (" + a.where() + "): " + message);
            }
        }
        return out;
    }

    /** The request body with every {@code body} adaptation applied (a copy; the given body is left as it is). */
    static Object applyToBody(Object body, List<Adaptation> adaptations, JsonText json) {
        Object out = copy(body);
        for (Adaptation a : adaptations) {
            if (!a.kind().equals("body")) {
                continue;
            }
            List<String> pointer = pointer(a.where());
            Object parent = out;
            for (String segment : pointer.subList(0, pointer.size() - 1)) {
                parent = child(parent, segment, a);
            }
            String last = pointer.get(pointer.size() - 1);
            boolean remove = a.value().equals(REMOVE);
            Object value = remove ? null : json.parse(a.value());
            if (parent instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, Object> map = (Map<String, Object>) m;
                if (!map.containsKey(last)) {
                    throw new IllegalStateException("the example's request has no " + a.where() + " (adaptation of " + a.example() + ")");
                }
                if (remove) {
                    map.remove(last);
                } else {
                    map.put(last, value);
                }
            } else if (parent instanceof List<?> l) {
                @SuppressWarnings("unchecked")
                List<Object> list = (List<Object>) l;
                int i = index(last, list, a);
                if (remove) {
                    list.remove(i);
                } else {
                    list.set(i, value);
                }
            } else {
                throw new IllegalStateException("the example's request has no " + a.where() + " (adaptation of " + a.example() + ")");
            }
        }
        return out;
    }

    /** The {@code unanswered} paths, as {@link ShapeCheck} names them. */
    static Set<String> unanswered(List<Adaptation> adaptations) {
        Set<String> out = new TreeSet<>();
        adaptations.stream().filter(a -> a.kind().equals("unanswered")).forEach(a -> out.add(a.where()));
        return out;
    }

    /**
     * The {@code unanswered} paths Keyward's answer has after all: such an adaptation is stale (the comparison must cover
     * the member again), so each is a failure.
     */
    static List<String> unansweredButPresent(Object actual, List<Adaptation> adaptations) {
        List<String> out = new ArrayList<>();
        for (String path : unanswered(adaptations)) {
            if (present(actual, List.of(path.substring(2).split("\\.")))) {
                out.add(path + ": answered, but conformance-adaptations.txt says Keyward does not answer it: remove that line");
            }
        }
        return out;
    }

    private static boolean present(Object node, List<String> path) {
        if (path.isEmpty()) {
            return node != null;
        }
        String head = path.get(0);
        boolean each = head.endsWith("[]");
        String name = each ? head.substring(0, head.length() - 2) : head;
        if (!(node instanceof Map<?, ?> m) || m.get(name) == null) {
            return false;
        }
        Object next = m.get(name);
        if (each) {
            return next instanceof List<?> l && l.stream().anyMatch(e -> present(e, path.subList(1, path.size())));
        }
        return present(next, path.subList(1, path.size()));
    }

    private static List<String> pointer(String where) {
        List<String> out = new ArrayList<>();
        for (String s : where.substring(1).split("/", -1)) {
            out.add(s.replace("~1", "/").replace("~0", "~"));
        }
        return out;
    }

    private static Object child(Object parent, String segment, Adaptation a) {
        Object next = parent instanceof Map<?, ?> m ? m.get(segment) : parent instanceof List<?> l ? l.get(index(segment, l, a)) : null;
        if (next == null) {
            throw new IllegalStateException("the example's request has no " + a.where() + " (adaptation of " + a.example() + ")");
        }
        return next;
    }

    private static int index(String segment, List<?> list, Adaptation a) {
        try {
            int i = Integer.parseInt(segment);
            if (i >= 0 && i < list.size()) {
                return i;
            }
        } catch (NumberFormatException e) {
            // fall through: not an index of this array
        }
        throw new IllegalStateException("the example's request has no " + a.where() + " (adaptation of " + a.example() + ")");
    }

    private static Object copy(Object node) {
        if (node instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), copy(v)));
            return out;
        }
        if (node instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(v -> out.add(copy(v)));
            return out;
        }
        return node;
    }

    /** Parses a JSON value (the {@code value} column). */
    interface JsonText {
        Object parse(String text);
    }

    @Override
    public String toString() {
        return example + " -- " + kind + " " + where + (kind.equals("body") ? (value.equals(REMOVE) ? " removed" : " = " + value)
                : kind.equals("parameter") ? " = " + value : " not compared") + ": " + reason + (Objects.equals(named, REMOVE) ? ""
                : " [the published request's refusal names " + named + "]");
    }
}
