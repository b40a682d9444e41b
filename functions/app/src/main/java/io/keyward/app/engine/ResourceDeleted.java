package io.keyward.app.engine;

import io.keyward.app.arm.ArmResourceId;
import java.util.UUID;

/**
 * Published in the deleting transaction when a keyed resource is soft-deleted, so that capabilities holding links to it
 * (workspaces linked to a cluster) undo them without the surface calling them.
 */
public record ResourceDeleted(String type, ArmResourceId id, UUID uuid) {
}
