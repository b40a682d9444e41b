package io.keyward.app.hpccache;

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
 * Keyward's {@code authorizeKeyVault} action of {@code Microsoft.StorageCache/caches} (not in the REST spec: Azure's portal
 * does this step for the user). The spec's operations (stable 2023-05-01) are the engine's ({@code engine.ResourcesController}
 * over {@link HpcCaches}): Caches_CreateOrUpdate answers 201 with {@code Azure-AsyncOperation}, the operation ending when
 * the cache is ready or failed; Caches_Update with a new key starts the engine's key update; Caches_Delete is 202, async.
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class CachesController {

    private final HpcCaches caches;

    CachesController(HpcCaches caches) {
        this.caches = caches;
    }

    /** Keyward's authorize step of the HPC Cache CMK docs; see {@link HpcCaches#authorize}. */
    @Post("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.StorageCache/caches/{cacheName}"
            + "/authorizeKeyVault")
    CacheWire.CacheOut authorizeKeyVault(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                         @PathVariable String resourceGroupName, @PathVariable String cacheName) {
        ResourceHttp.apiVersion(request, HpcCaches.API_VERSIONS);
        return caches.out(caches.authorize(ArmResourceId.of(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                HpcCache.TYPE, caches.name(cacheName)), caller));
    }
}
