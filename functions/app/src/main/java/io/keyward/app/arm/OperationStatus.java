package io.keyward.app.arm;

/**
 * The status of an ARM async operation as its status resource reports it (ARM RPC, async-api-reference): one of
 * the three running values while it runs, then exactly one terminal value that never changes again.
 */
public enum OperationStatus {
    InProgress, Updating, Deleting, Succeeded, Failed, Canceled;

    public boolean terminal() {
        return this == Succeeded || this == Failed || this == Canceled;
    }
}
