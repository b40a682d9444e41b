package io.keyward.app.clusters;

import io.keyward.app.arm.PageSize;
import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmRequestContent;
import io.keyward.app.arm.AsyncOperations;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.identity.Principal;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.engine.KeyedResources;
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
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * ARM {@code Microsoft.OperationalInsights/clusters}: one method per operationId of the 2022-10-01 spec, plus
 * Keyward's {@code Clusters_Recover}. Creation completes synchronously (201 with {@code provisioningState =
 * Succeeded}, which ARM pollers take as done). A key update answers 200 with {@code provisioningState = Updating} and
 * {@code Azure-AsyncOperation}: the spec gives PATCH only a 200, and the SDK's poller follows the header from a
 * 200 whose state is not terminal. Delete is a synchronous soft delete (200, or 204 when there was none).
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class ClustersController {

    static final ApiVersions API_VERSIONS = ApiVersions.of("2020-08-01", "2020-10-01", "2021-06-01", "2022-10-01");
    static final int DEFAULT_PAGE_SIZE = 100;
    static final int MAX_PAGE_SIZE = 1000;
    private static final String GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.OperationalInsights/clusters";
    private static final String CLUSTER = GROUP + "/{clusterName}";

    private final ClusterCatalog clusters;
    private final ArmRequestContent content;
    private final AsyncOperations operations;
    private final KeyedResources engine;

    ClustersController(ClusterCatalog clusters, ArmRequestContent content, AsyncOperations operations, KeyedResources engine) {
        this.engine = engine;
        this.clusters = clusters;
        this.content = content;
        this.operations = operations;
    }

    @Put(CLUSTER)
    HttpResponse<?> createOrUpdate(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                   @PathVariable String resourceGroupName, @PathVariable String clusterName, @Nullable @Body String body) {
        String apiVersion = apiVersion(request);
        KeyedResources.Saved<ClusterProperties> saved = clusters.createOrUpdate(id(subscriptionId, resourceGroupName, clusterName),
                read(body), caller);
        return answer(request, saved, saved.created() ? HttpStatus.CREATED : HttpStatus.OK, apiVersion);
    }

    @Patch(CLUSTER)
    HttpResponse<?> update(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String clusterName, @Nullable @Body String body) {
        String apiVersion = apiVersion(request);
        return answer(request, clusters.update(id(subscriptionId, resourceGroupName, clusterName), read(body), caller), HttpStatus.OK,
                apiVersion);
    }

    @Get(CLUSTER)
    ClusterWire.ClusterOut get(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                               @PathVariable String resourceGroupName, @PathVariable String clusterName) {
        apiVersion(request);
        ClusterCatalog.Stored cluster = clusters.get(id(subscriptionId, resourceGroupName, clusterName), caller);
        return ClusterWire.out(cluster, engine.keyHealth(cluster.resource()).orElse(null));
    }

    @Delete(CLUSTER)
    HttpResponse<?> delete(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String clusterName) {
        apiVersion(request);
        boolean existed = clusters.delete(id(subscriptionId, resourceGroupName, clusterName), caller);
        return existed ? HttpResponse.ok() : HttpResponse.noContent();
    }

    /** Keyward's recovery of a soft-deleted cluster within 14 days (Azure: a support request). */
    @Post(CLUSTER + "/recover")
    ClusterWire.ClusterOut recover(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                   @PathVariable String resourceGroupName, @PathVariable String clusterName) {
        apiVersion(request);
        return ClusterWire.out(clusters.recover(id(subscriptionId, resourceGroupName, clusterName), caller));
    }

    @Get(GROUP)
    ClusterWire.ClusterList listByResourceGroup(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                @PathVariable String resourceGroupName) {
        apiVersion(request);
        return list(request, clusters.list(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName), top(request),
                skipToken(request), caller));
    }

    @Get("/subscriptions/{subscriptionId}/providers/Microsoft.OperationalInsights/clusters")
    ClusterWire.ClusterList list(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId) {
        apiVersion(request);
        return list(request, clusters.list(SubscriptionId.parse(subscriptionId), null, top(request), skipToken(request), caller));
    }

    // --- helpers

    private ClusterWire.ClusterBody read(@Nullable String body) {
        if (body == null || body.isBlank()) {
            throw new ArmException(ArmErrorCode.BadRequest, "The body of the request is null or in bad format.");
        }
        return content.read(body, ClusterWire.ClusterBody.class);
    }

    private MutableHttpResponse<?> answer(HttpRequest<?> request, KeyedResources.Saved<ClusterProperties> saved, HttpStatus status,
                                          String apiVersion) {
        MutableHttpResponse<ClusterWire.ClusterOut> response = HttpResponse.<ClusterWire.ClusterOut>status(status)
                .body(ClusterWire.out(clusters.stored(saved.resource())));
        return saved.operation() == null ? response : operations.accepted(response, saved.operation(), request, apiVersion);
    }

    private static ArmResourceId id(String subscriptionId, String resourceGroupName, String clusterName) {
        return ArmResourceId.of(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName), Cluster.TYPE,
                ClusterName.parse(clusterName).value());
    }

    private static String apiVersion(HttpRequest<?> request) {
        return API_VERSIONS.require(request.getParameters().get("api-version"));
    }

    private static int top(HttpRequest<?> request) {
        return PageSize.of(request, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    }

    /** Page position: the clusterId last listed; opaque to clients, who follow nextLink as it is. */
    @Nullable
    private static UUID skipToken(HttpRequest<?> request) {
        String token = request.getParameters().get("$skiptoken");
        if (token == null || token.isEmpty()) {
            return null;
        }
        try {
            return UUID.fromString(token);
        } catch (IllegalArgumentException e) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The $skiptoken '" + token + "' is invalid; use the nextLink of the"
                    + " previous page as it is.", "$skiptoken");
        }
    }

    private ClusterWire.ClusterList list(HttpRequest<?> request, KeyedResources.Page<ClusterProperties> page) {
        String next = page.last() == null ? null : origin(request) + request.getPath() + "?api-version="
                + URLEncoder.encode(request.getParameters().get("api-version"), StandardCharsets.UTF_8) + "&%24top=" + top(request)
                + "&%24skiptoken=" + page.last();
        return new ClusterWire.ClusterList(page.items().stream().map(c -> ClusterWire.out(clusters.stored(c))).toList(), next);
    }

    private static String origin(HttpRequest<?> request) {
        URI uri = AsyncOperations.absoluteUri(request);
        return uri.getScheme() + "://" + uri.getRawAuthority();
    }
}
