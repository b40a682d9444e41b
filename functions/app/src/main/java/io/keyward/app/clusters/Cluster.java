package io.keyward.app.clusters;

import io.keyward.app.engine.Phase;
import java.time.Instant;

/**
 * A dedicated cluster as other capabilities see it. {@code id} is the ARM resource id as first created,
 * {@code principalId} the object id of the identity that reaches its key (system- or user-assigned) in {@code tenantId}, {@code clusterId} the
 * read-only GUID of the wire, {@code keyConfigured} whether a customer key wraps its AEK, {@code doubleEncrypted} whether
 * its blocks carry the outer (infrastructure) layer under a platform key as well (isDoubleEncryptionEnabled).
 */
public record Cluster(String id, String subscriptionId, String resourceGroup, String name, String location,
                      String tenantId, String principalId, String clusterId, Phase provisioningState,
                      boolean keyConfigured, Instant createdDate, Instant lastModifiedDate, boolean doubleEncrypted) {

    public static final String TYPE = "Microsoft.OperationalInsights/clusters";
    public static final String PROVIDER = "Microsoft.OperationalInsights";

    static String idOf(String subscriptionId, String resourceGroup, String name) {
        return "/subscriptions/" + subscriptionId + "/resourceGroups/" + resourceGroup + "/providers/" + TYPE + "/" + name;
    }
}
