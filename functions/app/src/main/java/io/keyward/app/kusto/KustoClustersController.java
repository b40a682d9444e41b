package io.keyward.app.kusto;

import io.keyward.app.arm.KnownMembers;
import io.keyward.app.arm.Refusals;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.engine.ResourceHttp;
import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import java.util.Map;

/**
 * ARM {@code Microsoft.Kusto/clusters/attachedDatabaseConfigurations}, one method per operationId of the stable spec (azure-kusto resource-manager, 2024-04-13 {@code kusto.json}); the clusters'
 * own operations and actions (stop, start) are the engine's ({@code engine.ResourcesController} over {@link KustoClusters}). Creation completes synchronously
 * (201, provisioningState Succeeded, state Running). A PUT or PATCH carrying a new {@code keyVaultProperties} answers 200
 * with provisioningState Running, state Updating and {@code Azure-AsyncOperation}; its status resource ends Failed with
 * Data Explorer's documented code when the vault refuses the key. Delete answers 202 and runs asynchronously.
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class KustoClustersController {

    private static final String GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Kusto/clusters";
    private static final String CLUSTER = GROUP + "/{clusterName}";
    private static final String ATTACHED = CLUSTER + "/attachedDatabaseConfigurations";

    private final KustoClusters clusters;
    private final ResourceHttp http;

    KustoClustersController(KustoClusters clusters, ResourceHttp http) {
        this.clusters = clusters;
        this.http = http;
    }

    // --- Clusters_CheckNameAvailability, Clusters_ListSkus, Clusters_ListSkusByResource

    @Post("/subscriptions/{subscriptionId}/providers/Microsoft.Kusto/locations/{location}/checkNameAvailability")
    KustoWire.NameCheckResult checkNameAvailability(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                    @PathVariable String location, @Nullable @Body String body) {
        ResourceHttp.apiVersion(request, KustoClusters.API_VERSIONS);
        return clusters.checkName(SubscriptionId.parse(subscriptionId), http.body(body, KustoWire.NameCheck.class), caller);
    }

    @Get("/subscriptions/{subscriptionId}/providers/Microsoft.Kusto/skus")
    KustoSkus.DescriptionList listSkus(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId) {
        ResourceHttp.apiVersion(request, KustoClusters.API_VERSIONS);
        return clusters.skus(SubscriptionId.parse(subscriptionId), caller);
    }

    @Get(CLUSTER + "/skus")
    KustoSkus.ResourceSkuList listSkusByResource(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                 @PathVariable String resourceGroupName, @PathVariable String clusterName) {
        ResourceHttp.apiVersion(request, KustoClusters.API_VERSIONS);
        return clusters.skus(clusters.id(subscriptionId, resourceGroupName, clusterName), caller);
    }

    // --- attached database configurations

    @Put(ATTACHED + "/{attachedDatabaseConfigurationName}")
    HttpResponse<?> attach(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String clusterName,
                           @PathVariable String attachedDatabaseConfigurationName, @Nullable @Body String body) {
        ResourceHttp.apiVersion(request, KustoClusters.API_VERSIONS);
        Refusals refusals = new Refusals(); // every refused member named in the one answer
        Map<?, ?> raw = http.body(body, Map.class);
        KnownMembers.collect(raw, KustoWire.ATTACHED_REQUEST, "a Keyward follower follows a leader's database whole, under its own name",
                refusals);
        KustoWire.refuseSelectiveFollowing(raw, refusals);
        refusals.throwIfAny();
        KustoClusters.SavedAttached saved = clusters.attach(clusters.id(subscriptionId, resourceGroupName, clusterName),
                attachedDatabaseConfigurationName, http.body(body, KustoWire.AttachedBody.class), caller);
        return HttpResponse.status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK).body(KustoWire.out(saved.follower(), saved.attached()));
    }

    @Get(ATTACHED + "/{attachedDatabaseConfigurationName}")
    KustoWire.AttachedOut attached(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                   @PathVariable String resourceGroupName, @PathVariable String clusterName,
                                   @PathVariable String attachedDatabaseConfigurationName) {
        ResourceHttp.apiVersion(request, KustoClusters.API_VERSIONS);
        KustoClusters.SavedAttached found = clusters.attached(clusters.id(subscriptionId, resourceGroupName, clusterName),
                attachedDatabaseConfigurationName, caller);
        return KustoWire.out(found.follower(), found.attached());
    }

    @Get(ATTACHED)
    ResourceHttp.Listed<KustoWire.AttachedOut> listAttached(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                            @PathVariable String resourceGroupName, @PathVariable String clusterName) {
        ResourceHttp.apiVersion(request, KustoClusters.API_VERSIONS);
        KustoClusters.AttachedPage page = clusters.listAttached(clusters.id(subscriptionId, resourceGroupName, clusterName), caller);
        return new ResourceHttp.Listed<>(page.items().stream().map(a -> KustoWire.out(page.follower(), a)).toList(), null);
    }

    @Delete(ATTACHED + "/{attachedDatabaseConfigurationName}")
    HttpResponse<?> detach(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String clusterName,
                           @PathVariable String attachedDatabaseConfigurationName) {
        ResourceHttp.apiVersion(request, KustoClusters.API_VERSIONS);
        return clusters.detach(clusters.id(subscriptionId, resourceGroupName, clusterName), attachedDatabaseConfigurationName, caller)
                ? HttpResponse.ok() : HttpResponse.noContent();
    }
}
