package io.keyward.app.vault;

import io.micronaut.core.annotation.Nullable;
import java.util.List;

/** One page of a vault listing; {@code lastName} is where the next page starts, null on the last page. */
record VaultPage(List<StoredVault> items, @Nullable String lastName) {
}
