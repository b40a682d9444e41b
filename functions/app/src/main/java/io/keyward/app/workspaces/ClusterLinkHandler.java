package io.keyward.app.workspaces;

import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationHandler;
import io.keyward.app.arm.StepResult;
import jakarta.inject.Singleton;

/**
 * Runs {@code workspaces.link}: one step, all in the database (the workspace's link and the cluster's list of
 * associated workspaces), so the runner's commit makes it happen exactly once. Azure's link also syncs back-end
 * components for up to two hours; Keyward has nothing to sync, so the step is the whole link.
 */
@Singleton
class ClusterLinkHandler implements OperationHandler {

    private final WorkspaceCatalog workspaces;

    ClusterLinkHandler(WorkspaceCatalog workspaces) {
        this.workspaces = workspaces;
    }

    @Override
    public String kind() {
        return WorkspaceCatalog.LINK_KIND;
    }

    @Override
    public StepResult run(AsyncOperation op) {
        return new StepResult.InTransaction(() -> workspaces.completeLink(op));
    }
}
