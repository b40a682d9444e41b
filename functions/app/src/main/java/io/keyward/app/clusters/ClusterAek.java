package io.keyward.app.clusters;

import io.keyward.hsm.envelope.AekMaterial;

/** What unwrapping a cluster's AEK through its customer's vault gave. */
public sealed interface ClusterAek {

    /** The plaintext AEK; the receiver destroys it. */
    record Unwrapped(AekMaterial aek) implements ClusterAek {
    }

    /** The cluster is gone or has no customer key: there is nothing to unwrap. */
    record NoKey() implements ClusterAek {
    }

    /** The vault answered with a 4xx ({@code status}): the customer's key or access policy refuses the cluster. */
    record Refused(int status, String message) implements ClusterAek {
    }

    /** The vault could not be reached or answered 5xx: possibly transient. */
    record Unavailable(String reason) implements ClusterAek {
    }
}
