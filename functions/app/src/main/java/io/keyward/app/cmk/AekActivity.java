package io.keyward.app.cmk;

import java.util.UUID;

/**
 * The resource was soft-deleted or stopped ({@code active} false), or is back: in the publishing transaction. An inactive
 * resource's key is not polled; what was recorded of it stays.
 */
public record AekActivity(UUID resourceUuid, boolean active) {
}
