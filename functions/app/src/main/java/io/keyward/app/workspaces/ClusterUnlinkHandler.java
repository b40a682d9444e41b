package io.keyward.app.workspaces;

import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationHandler;
import io.keyward.app.arm.StepResult;
import jakarta.inject.Singleton;

/** Runs {@code workspaces.unlink}: one database step, like {@link ClusterLinkHandler}. */
@Singleton
class ClusterUnlinkHandler implements OperationHandler {

    private final WorkspaceCatalog workspaces;

    ClusterUnlinkHandler(WorkspaceCatalog workspaces) {
        this.workspaces = workspaces;
    }

    @Override
    public String kind() {
        return WorkspaceCatalog.UNLINK_KIND;
    }

    @Override
    public StepResult run(AsyncOperation op) {
        return new StepResult.InTransaction(() -> workspaces.completeUnlink(op));
    }
}
