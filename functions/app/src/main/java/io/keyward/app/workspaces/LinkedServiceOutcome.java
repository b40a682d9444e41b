package io.keyward.app.workspaces;

import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationOutcome;
import io.keyward.app.identity.Principal;
import jakarta.inject.Singleton;
import java.util.Optional;

/** The linked service a finished link left, for the link operation's {@code Location} URL; an unlink leaves none. */
@Singleton
class LinkedServiceOutcome implements OperationOutcome {

    private final WorkspaceCatalog workspaces;

    LinkedServiceOutcome(WorkspaceCatalog workspaces) {
        this.workspaces = workspaces;
    }

    @Override
    public Optional<Object> finalResource(AsyncOperation op, Principal caller) {
        if (!WorkspaceCatalog.LINK_KIND.equals(op.kind())) {
            return Optional.empty();
        }
        return ArmResourceId.parse(op.resourceId()).flatMap(ArmResourceId::parent).flatMap(w -> WorkspaceWire.linkedService(
                workspaces.linkedService(w.subscription(), w.group(), WorkspaceName.parse(w.name()), caller)));
    }
}
