package io.keyward.app.hpccache;

import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmRequestContent;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.AsyncOperations;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.engine.KeyedResources;
import io.keyward.app.engine.Resource;
import io.keyward.app.identity.Principal;
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
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import java.util.Optional;

/**
 * ARM {@code Microsoft.StorageCache/caches} (storagecache stable 2023-05-01): Caches_CreateOrUpdate (201 +
 * {@code Azure-AsyncOperation}; the operation ends when the cache is ready or failed), Caches_Get, Caches_Delete (202,
 * async), Caches_ListByResourceGroup, Caches_List, and Keyward's {@code authorizeKeyVault} action (not in the REST spec:
 * Azure's portal does this step for the user).
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class CachesController {

    static final ApiVersions API_VERSIONS = ApiVersions.of("2023-05-01");
    private static final String GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.StorageCache/caches";
    private static final String CACHE = GROUP + "/{cacheName}";

    private final HpcCacheCatalog caches;
    private final ArmRequestContent content;
    private final AsyncOperations operations;

    CachesController(HpcCacheCatalog caches, ArmRequestContent content, AsyncOperations operations) {
        this.caches = caches;
        this.content = content;
        this.operations = operations;
    }

    @Put(CACHE)
    HttpResponse<?> createOrUpdate(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                   @PathVariable String resourceGroupName, @PathVariable String cacheName, @Nullable @Body String body) {
        String apiVersion = apiVersion(request);
        KeyedResources.Saved<HpcCache> saved = caches.createOrUpdate(HpcCacheCatalog.id(subscriptionId, resourceGroupName, cacheName),
                content.read(body, CacheWire.CacheBody.class), caller);
        MutableHttpResponse<CacheWire.CacheOut> response = HttpResponse.<CacheWire.CacheOut>status(saved.created() ? HttpStatus.CREATED
                : HttpStatus.OK).body(caches.view(saved.resource()));
        return saved.operation() == null ? response : operations.accepted(response, saved.operation(), request, apiVersion);
    }

    @Get(CACHE)
    CacheWire.CacheOut get(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String cacheName) {
        apiVersion(request);
        return caches.view(caches.get(HpcCacheCatalog.id(subscriptionId, resourceGroupName, cacheName), caller));
    }

    @Delete(CACHE)
    HttpResponse<?> delete(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String cacheName) {
        String apiVersion = apiVersion(request);
        Optional<AsyncOperation> op = caches.delete(HpcCacheCatalog.id(subscriptionId, resourceGroupName, cacheName), caller);
        return op.isEmpty() ? HttpResponse.noContent() : operations.accepted(HttpResponse.accepted(), op.get(), request, apiVersion);
    }

    /** Keyward's authorize step of the HPC Cache CMK docs; see {@link HpcCacheCatalog#authorize}. */
    @Post(CACHE + "/authorizeKeyVault")
    CacheWire.CacheOut authorizeKeyVault(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                         @PathVariable String resourceGroupName, @PathVariable String cacheName) {
        apiVersion(request);
        return caches.view(caches.authorize(HpcCacheCatalog.id(subscriptionId, resourceGroupName, cacheName), caller));
    }

    @Get(GROUP)
    CacheWire.CacheList listByResourceGroup(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                            @PathVariable String resourceGroupName) {
        apiVersion(request);
        return list(caches.list(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName), caller));
    }

    @Get("/subscriptions/{subscriptionId}/providers/Microsoft.StorageCache/caches")
    CacheWire.CacheList list(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId) {
        apiVersion(request);
        return list(caches.list(SubscriptionId.parse(subscriptionId), null, caller));
    }

    private CacheWire.CacheList list(java.util.List<Resource<HpcCache>> items) {
        return new CacheWire.CacheList(items.stream().map(caches::view).toList(), null);
    }

    private static String apiVersion(HttpRequest<?> request) {
        return API_VERSIONS.require(request.getParameters().get("api-version"));
    }
}
