package io.keyward.app.workspaces;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import java.util.regex.Pattern;

/**
 * The {@code writeAccessResourceId} of a cluster link, checked for shape at the edge: an ARM id of a
 * {@code Microsoft.OperationalInsights/clusters} resource, case-insensitive as ARM ids are.
 */
record ClusterResourceId(String value) {

    private static final Pattern PATTERN = Pattern.compile(
            "^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.OperationalInsights/clusters/[^/]+/?$",
            Pattern.CASE_INSENSITIVE);

    static ClusterResourceId parse(String value) {
        if (value == null || value.isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'properties.writeAccessResourceId' property is required: the"
                    + " resource id of the cluster to link the workspace to.", "properties.writeAccessResourceId");
        }
        if (!PATTERN.matcher(value).matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The writeAccessResourceId '" + value + "' is not the resource id"
                    + " of a Log Analytics cluster (/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
                    + "Microsoft.OperationalInsights/clusters/{clusterName}).", "properties.writeAccessResourceId");
        }
        return new ClusterResourceId(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
    }
}
