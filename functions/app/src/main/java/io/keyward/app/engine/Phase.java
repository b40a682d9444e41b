package io.keyward.app.engine;

/**
 * Where a keyed resource is in its lifecycle, whatever its surface calls it. A surface maps it to its own wire states
 * (a Log Analytics cluster's {@code provisioningState}, a Data Explorer cluster's {@code state}, a cache's health).
 */
public enum Phase {
    /** Created, not ready yet (an HPC cache waiting for its key): accepts updates and a delete. */
    Creating,
    /** Ready. */
    Succeeded,
    /** A key update runs: refuses other changes until it ends. */
    Updating,
    /** An asynchronous delete runs. */
    Deleting,
    /** The last operation failed; the resource keeps what it had and accepts the next request. */
    Failed;

    /** While an operation runs on it, a resource refuses other changes (ARM: "Operation cannot be executed now"). */
    public boolean busy() {
        return this == Updating || this == Deleting;
    }
}
