package io.keyward.app.arm;

import java.util.Map;

/**
 * The members a request body may have, for surfaces that refuse what they do not act on (a setting is applied or
 * refused, never accepted and dropped): a shape maps each member name to {@link #VALUE}, {@link #ANY} or the shape of
 * the object it holds.
 */
public final class KnownMembers {

    /** A member whose value is a string, number, boolean or array, checked where it is read. */
    public static final Object VALUE = new Object();
    /** A member whose value is any object (tags, say), checked where it is read. */
    public static final Object ANY = new Object();

    private KnownMembers() {
    }

    /**
     * Refuses (400 {@code InvalidParameter} naming each) the members of {@code body} that {@code shape} does not have;
     * {@code what} says in the message what the resource carries instead.
     */
    public static void require(Map<?, ?> body, Map<String, Object> shape, String what) {
        Refusals refusals = new Refusals();
        collect(body, shape, what, refusals);
        refusals.throwIfAny();
    }

    /** As {@link #require}, but every member {@code shape} does not have is added to {@code refusals}, not only the first. */
    public static void collect(Map<?, ?> body, Map<String, Object> shape, String what, Refusals refusals) {
        collect(body, shape, what, "", refusals);
    }

    private static void collect(Map<?, ?> body, Map<String, Object> shape, String what, String path, Refusals refusals) {
        for (Map.Entry<?, ?> e : body.entrySet()) {
            String name = String.valueOf(e.getKey());
            String at = path.isEmpty() ? name : path + "." + name;
            Object expected = shape.get(name);
            if (expected == null) {
                refusals.add(new ArmException(ArmErrorCode.InvalidParameter, "The property '" + at + "' is not supported: " + what
                        + "; remove it from the request.", at));
                continue;
            }
            if (expected instanceof Map<?, ?> nested && e.getValue() != null) {
                if (!(e.getValue() instanceof Map<?, ?> given)) {
                    refusals.add(new ArmException(ArmErrorCode.InvalidRequestContent, "The property '" + at + "' must be a JSON object.", at));
                    continue;
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> inner = (Map<String, Object>) nested;
                collect(given, inner, what, at, refusals);
            }
        }
    }
}
