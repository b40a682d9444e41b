package io.keyward.app.kusto;

import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmRequestContent;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.AsyncOperations;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.identity.Principal;
import io.keyward.app.engine.KeyedResources;
import io.keyward.app.engine.Resource;
import io.keyward.app.keyhealth.KeyHealth;
import io.keyward.app.keyhealth.KeyState;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import java.util.Optional;

/**
 * ARM {@code Microsoft.Kusto/clusters} and {@code clusters/attachedDatabaseConfigurations}: one method per operationId
 * of the stable spec (azure-kusto resource-manager, 2024-04-13 {@code kusto.json}). Creation completes synchronously
 * (201, provisioningState Succeeded, state Running). A PUT or PATCH carrying a new {@code keyVaultProperties} answers 200
 * with provisioningState Running, state Updating and {@code Azure-AsyncOperation}; its status resource ends Failed with
 * Data Explorer's documented code when the vault refuses the key. Delete answers 202 and runs asynchronously.
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class KustoClustersController {

    static final ApiVersions API_VERSIONS = ApiVersions.of("2019-09-07", "2019-11-09", "2020-02-15", "2020-06-14", "2020-09-18",
            "2021-01-01", "2021-08-27", "2022-02-01", "2022-07-07", "2022-11-11", "2022-12-29", "2023-05-02", "2023-08-15", "2024-04-13");
    private static final String GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Kusto/clusters";
    private static final String CLUSTER = GROUP + "/{clusterName}";
    private static final String ATTACHED = CLUSTER + "/attachedDatabaseConfigurations";

    private final KustoCatalog clusters;
    private final ArmRequestContent content;
    private final AsyncOperations operations;
    private final KeyedResources engine;

    KustoClustersController(KustoCatalog clusters, ArmRequestContent content, AsyncOperations operations, KeyedResources engine) {
        this.clusters = clusters;
        this.content = content;
        this.operations = operations;
        this.engine = engine;
    }

    @Put(CLUSTER)
    HttpResponse<?> createOrUpdate(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                   @PathVariable String resourceGroupName, @PathVariable String clusterName, @Nullable @Body String body) {
        String apiVersion = apiVersion(request);
        KeyedResources.Saved<KustoCluster> saved = clusters.createOrUpdate(KustoCatalog.id(subscriptionId, resourceGroupName, clusterName), content.read(body, KustoWire.ClusterBody.class), caller);
        return answer(request, saved, saved.created() ? HttpStatus.CREATED : HttpStatus.OK, apiVersion);
    }

    @Patch(CLUSTER)
    HttpResponse<?> update(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String clusterName, @Nullable @Body String body) {
        String apiVersion = apiVersion(request);
        KeyedResources.Saved<KustoCluster> saved = clusters.update(KustoCatalog.id(subscriptionId, resourceGroupName, clusterName), content.read(body, KustoWire.ClusterBody.class), caller);
        return answer(request, saved, HttpStatus.OK, apiVersion);
    }

    @Get(CLUSTER)
    KustoWire.ClusterOut get(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                             @PathVariable String resourceGroupName, @PathVariable String clusterName) {
        apiVersion(request);
        return out(clusters.get(KustoCatalog.id(subscriptionId, resourceGroupName, clusterName), caller));
    }

    @Delete(CLUSTER)
    HttpResponse<?> delete(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String clusterName) {
        String apiVersion = apiVersion(request);
        Optional<AsyncOperation> op = clusters.delete(KustoCatalog.id(subscriptionId, resourceGroupName, clusterName), caller);
        return op.isEmpty() ? HttpResponse.noContent() : operations.accepted(HttpResponse.accepted(), op.get(), request, apiVersion);
    }

    @Post(CLUSTER + "/stop")
    HttpResponse<?> stop(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                         @PathVariable String resourceGroupName, @PathVariable String clusterName) {
        apiVersion(request);
        clusters.stop(KustoCatalog.id(subscriptionId, resourceGroupName, clusterName),
                caller);
        return HttpResponse.ok();
    }

    @Post(CLUSTER + "/start")
    HttpResponse<?> start(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                          @PathVariable String resourceGroupName, @PathVariable String clusterName) {
        apiVersion(request);
        clusters.start(KustoCatalog.id(subscriptionId, resourceGroupName, clusterName),
                caller);
        return HttpResponse.ok();
    }

    @Get(GROUP)
    KustoWire.ClusterList listByResourceGroup(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                              @PathVariable String resourceGroupName) {
        apiVersion(request);
        return new KustoWire.ClusterList(clusters.list(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName), caller).stream().map(this::out).toList());
    }

    @Get("/subscriptions/{subscriptionId}/providers/Microsoft.Kusto/clusters")
    KustoWire.ClusterList list(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId) {
        apiVersion(request);
        return new KustoWire.ClusterList(clusters.list(SubscriptionId.parse(subscriptionId), null, caller).stream().map(this::out).toList());
    }

    // --- attached database configurations

    @Put(ATTACHED + "/{attachedDatabaseConfigurationName}")
    HttpResponse<?> attach(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String clusterName,
                           @PathVariable String attachedDatabaseConfigurationName, @Nullable @Body String body) {
        apiVersion(request);
        KustoCatalog.SavedAttached saved = clusters.attach(KustoCatalog.id(subscriptionId, resourceGroupName, clusterName),
                attachedDatabaseConfigurationName, content.read(body, KustoWire.AttachedBody.class), caller);
        return HttpResponse.status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK).body(KustoWire.out(saved.follower(), saved.attached()));
    }

    @Get(ATTACHED + "/{attachedDatabaseConfigurationName}")
    KustoWire.AttachedOut attached(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                   @PathVariable String resourceGroupName, @PathVariable String clusterName,
                                   @PathVariable String attachedDatabaseConfigurationName) {
        apiVersion(request);
        KustoCatalog.SavedAttached found = clusters.attached(KustoCatalog.id(subscriptionId, resourceGroupName, clusterName),
                attachedDatabaseConfigurationName, caller);
        return KustoWire.out(found.follower(), found.attached());
    }

    @Get(ATTACHED)
    KustoWire.AttachedList listAttached(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                        @PathVariable String resourceGroupName, @PathVariable String clusterName) {
        apiVersion(request);
        KustoCatalog.AttachedPage page = clusters.listAttached(KustoCatalog.id(subscriptionId, resourceGroupName, clusterName), caller);
        return new KustoWire.AttachedList(page.items().stream().map(a -> KustoWire.out(page.follower(), a)).toList());
    }

    @Delete(ATTACHED + "/{attachedDatabaseConfigurationName}")
    HttpResponse<?> detach(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String clusterName,
                           @PathVariable String attachedDatabaseConfigurationName) {
        apiVersion(request);
        return clusters.detach(KustoCatalog.id(subscriptionId, resourceGroupName, clusterName), attachedDatabaseConfigurationName, caller)
                ? HttpResponse.ok() : HttpResponse.noContent();
    }

    // --- helpers

    /**
     * The cluster as the wire shows it: a running cluster whose key the key-health poller found revoked is Unavailable,
     * with the vault's refusal as {@code stateReason}; the next poll that unwraps its AEK makes it Running again.
     */
    private KustoWire.ClusterOut out(Resource<KustoCluster> c) {
        String reason = null;
        Optional<KeyHealth.Status> health = engine.keyHealth(c);
        if (health.isPresent() && health.get().state() == KeyState.Revoked && KustoCluster.state(c).equals("Running")) {
            reason = "The cluster's customer-managed key is inaccessible"
                    + (health.get().lastError() == null ? "." : ": " + health.get().lastError());
        }
        return KustoWire.out(c, reason);
    }

    private MutableHttpResponse<?> answer(HttpRequest<?> request, KeyedResources.Saved<KustoCluster> saved, HttpStatus status,
                                          String apiVersion) {
        MutableHttpResponse<KustoWire.ClusterOut> response = HttpResponse.<KustoWire.ClusterOut>status(status).body(out(saved.resource()));
        return saved.operation() == null ? response : operations.accepted(response, saved.operation(), request, apiVersion);
    }

    private static String apiVersion(HttpRequest<?> request) {
        return API_VERSIONS.require(request.getParameters().get("api-version"));
    }
}
