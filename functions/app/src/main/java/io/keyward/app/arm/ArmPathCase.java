package io.keyward.app.arm;

import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.server.annotation.PreMatching;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * ARM resource ids are case-insensitive ({@code /subscriptions/s/resourcegroups/rg/providers/microsoft.keyvault/...}
 * is the same resource), but Micronaut matches route literals case-sensitively. Before routing, this rewrites the
 * literal segments of ARM paths to the spelling the controllers declare; values (subscription, group and resource
 * names) are left exactly as sent.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
class ArmPathCase {

    private static final Map<String, String> LITERALS = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    /** Literals followed by a value segment (a name), which must never be rewritten even if it looks like a literal. */
    private static final Set<String> FOLLOWED_BY_VALUE = Set.of("subscriptions", "resourceGroups", "vaults", "deletedVaults", "locations",
            "workspaces", "linkedServices", "clusters", "operationStatuses", "operationResults", "ascOperations", "caches",
            "attachedDatabaseConfigurations", "storageAccounts", "linkedStorageAccounts", "savedSearches", "requests",
            "roleAssignments", "roleDefinitions");

    static {
        for (String s : new String[] {"subscriptions", "resourceGroups", "providers", "Microsoft.KeyVault", "vaults",
                "deletedVaults", "locations", "accessPolicies", "purge", "checkNameAvailability",
                "Microsoft.OperationalInsights", "workspaces", "linkedServices", "clusters", "recover",
                "operationStatuses", "operationResults", "ascOperations", "Microsoft.Kusto", "Microsoft.StorageCache", "caches",
                "attachedDatabaseConfigurations", "Microsoft.Storage", "storageAccounts", "linkedStorageAccounts", "savedSearches",
                "Microsoft.CustomerLockbox", "requests", "updateApproval", "events", "skus", "resources",
                "Microsoft.Authorization", "roleAssignments", "roleDefinitions"}) {
            LITERALS.put(s, s);
        }
    }

    @PreMatching
    @RequestFilter
    void canonicalize(MutableHttpRequest<?> request) {
        URI uri = request.getUri();
        String path = uri.getRawPath();
        if (path == null || !path.regionMatches(true, 0, "/subscriptions/", 0, "/subscriptions/".length())) {
            return;
        }
        String canonical = canonical(path);
        if (!canonical.equals(path)) {
            String origin = uri.getScheme() == null || uri.getRawAuthority() == null ? "" : uri.getScheme() + "://" + uri.getRawAuthority();
            try {
                request.uri(new URI(origin + canonical + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery())));
            } catch (URISyntaxException e) {
                // leave the request as sent: routing will answer 404, which is what a malformed path deserves
            }
        }
    }

    static String canonical(String path) {
        String[] segments = path.split("/", -1);
        boolean valueNext = false;
        for (int i = 0; i < segments.length; i++) {
            if (segments[i].isEmpty()) {
                continue;
            }
            if (valueNext) {
                valueNext = false;
                continue;
            }
            String literal = LITERALS.get(segments[i]);
            if (literal != null) {
                segments[i] = literal;
                valueNext = FOLLOWED_BY_VALUE.contains(literal);
            }
        }
        return String.join("/", segments);
    }
}
