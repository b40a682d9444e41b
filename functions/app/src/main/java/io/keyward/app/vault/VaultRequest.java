package io.keyward.app.vault;

import io.micronaut.core.annotation.Nullable;
import java.util.List;
import java.util.Map;

/**
 * What a PUT or PATCH of a vault asks for, validated for shape at the edge (names, permissions, sku spelling);
 * {@code null} means "not given". The rules that depend on the stored vault (purge protection is one-way, ...)
 * are the service's. {@code networkAcls} and {@code publicNetworkAccess} not given: none and Enabled on a PUT, unchanged on a
 * PATCH.
 */
record VaultRequest(@Nullable String location, @Nullable Map<String, String> tags, @Nullable String tenantId,
                    @Nullable String sku, @Nullable Boolean softDeleteEnabled, @Nullable Integer softDeleteRetentionDays,
                    @Nullable Boolean purgeProtectionEnabled, @Nullable List<AccessPolicy> accessPolicies, boolean recover,
                    @Nullable NetworkAcls networkAcls, @Nullable Boolean publicNetworkAccess) {
}
