package io.keyward.hsm.envelope;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where a block belongs: the resource (e.g. a workspace's ARM id) and the block's id within it. Both go into the
 * DEK derivation and the AAD, so a block cannot be moved to another resource or position and still open.
 */
public record BlockRef(String resourceId, String blockId) {
    public BlockRef {
        Objects.requireNonNull(resourceId, "resourceId");
        Objects.requireNonNull(blockId, "blockId");
        if (resourceId.isEmpty() || blockId.isEmpty()) {
            throw new IllegalArgumentException("resource id and block id must not be empty");
        }
    }

    byte[] resourceBytes() {
        return resourceId.getBytes(StandardCharsets.UTF_8);
    }

    byte[] blockBytes() {
        return blockId.getBytes(StandardCharsets.UTF_8);
    }
}
