package io.keyward.app.workspaces;

import io.micronaut.core.annotation.Nullable;
import java.util.List;

/** One page of a workspace listing; {@code lastKey} ({@code group/name}, lower case) is where the next page starts. */
record WorkspacePage(List<Workspace> items, @Nullable String lastKey) {
}
