package io.keyward.app.cmk;

import io.keyward.hsm.envelope.AekMaterial;

/** What unwrapping a resource's AEK through its customer's vault gave. */
public sealed interface AekResult {

    /** The plaintext AEK (the receiver destroys it); whether the resource follows its key's newest version. */
    record Unwrapped(AekMaterial aek, boolean followsLatest) implements AekResult {
    }

    /** The resource is gone, not active, or has no customer key: there is nothing to unwrap. */
    record NoKey() implements AekResult {
    }

    /** The vault answered with a 4xx ({@code status}): the customer's key or access policy refuses the resource. */
    record Refused(int status, String message) implements AekResult {
    }

    /** The vault could not be reached or answered 5xx: possibly transient. */
    record Unavailable(String reason) implements AekResult {
    }
}
