package io.keyward.app.clusters;

import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.engine.ResourceHttp;
import io.keyward.app.identity.Principal;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;

/**
 * Keyward's {@code Clusters_Recover} of {@code Microsoft.OperationalInsights/clusters}; the spec's operations (2022-10-01)
 * are the engine's ({@code engine.ResourcesController} over {@link Clusters}). Creation completes synchronously (201 with
 * {@code provisioningState = Succeeded}, which ARM pollers take as done). A key update answers 200 with
 * {@code provisioningState = Updating} and {@code Azure-AsyncOperation}: the spec gives PATCH only a 200, and the SDK's
 * poller follows the header from a 200 whose state is not terminal. Delete is a synchronous soft delete (200, or 204).
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class ClustersController {

    private final Clusters clusters;

    ClustersController(Clusters clusters) {
        this.clusters = clusters;
    }

    /** Keyward's recovery of a soft-deleted cluster within 14 days (Azure: a support request). */
    @Post("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.OperationalInsights/clusters/{clusterName}"
            + "/recover")
    ClusterWire.ClusterOut recover(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                   @PathVariable String resourceGroupName, @PathVariable String clusterName) {
        ResourceHttp.apiVersion(request, Clusters.API_VERSIONS);
        return clusters.out(clusters.recover(ArmResourceId.of(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                Cluster.TYPE, clusters.name(clusterName)), caller));
    }
}
