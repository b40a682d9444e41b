package io.keyward.app.clusters;

/** The spec's {@code ClusterEntityStatus}, with its wire spelling. */
public enum ClusterProvisioningState {
    Creating, Succeeded, Failed, Canceled, Deleting, ProvisioningAccount, Updating;

    /** States in which Azure refuses updates and deletes ("Operation cannot be executed now"). */
    boolean busy() {
        return this == Creating || this == Deleting || this == ProvisioningAccount || this == Updating;
    }
}
