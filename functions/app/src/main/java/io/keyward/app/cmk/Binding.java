package io.keyward.app.cmk;

/** What {@link CmkKeys#bind} found: the AEK wrapped by a key version, a refusal for the customer, or no answer. */
public sealed interface Binding {

    /** Ready to {@link CmkKeys#save}, with the HSM's binding of the wrapped AEK to its key ({@link KeyBindings}). */
    record Bound(WrappedAek aek, KeyBindings.Seal seal) implements Binding {
    }

    /** The customer's to fix; {@code detail} says what, in a sentence. */
    record Refused(Refusal reason, String detail) implements Binding {
    }

    /** The vault could not be reached or answered 5xx: retry later. */
    record Unreachable(String reason) implements Binding {
    }
}
