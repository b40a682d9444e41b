package io.keyward.app.workspaces;

import io.micronaut.core.annotation.Nullable;
import java.util.Map;

/**
 * What a PUT or PATCH of a workspace asks for, shape-checked at the edge (sku spelling); {@code null} means "not
 * given". The rules that depend on the stored workspace (location is fixed, the sku while linked) are the service's.
 */
record WorkspaceRequest(@Nullable String location, @Nullable Map<String, String> tags, @Nullable String sku,
                        @Nullable Integer retentionInDays) {
}
