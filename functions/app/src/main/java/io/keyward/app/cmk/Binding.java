package io.keyward.app.cmk;

/** What {@link CmkKeys#bind} found: the AEK wrapped by a key version, a refusal for the customer, or no answer. */
public sealed interface Binding {

    /** Ready to {@link CmkKeys#save}. */
    record Bound(WrappedAek aek) implements Binding {
    }

    /** The customer's to fix; {@code detail} says what, in a sentence. */
    record Refused(Refusal reason, String detail) implements Binding {
    }

    /** The vault could not be reached or answered 5xx: retry later. */
    record Unreachable(String reason) implements Binding {
    }
}
