package io.keyward.azure;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import com.microsoft.azure.functions.annotation.TimerTrigger;
import io.keyward.app.engine.CreationTimeouts;
import java.util.Optional;

/**
 * ARM {@code Microsoft.StorageCache/caches}, one function per operationId of the REST spec (storagecache
 * resource-manager, stable 2023-05-01 {@code storagecache.json}), plus {@code Caches_AuthorizeKeyVault} (Keyward's
 * authorize step of the HPC Cache CMK docs, not in the spec) and the {@code Caches_FailUnauthorized} timer. Each routes
 * into the app's {@code hpccache.CachesController}; callers authenticate with bearer tokens.
 */
public class StorageCacheFunctions extends KeywardHttpFunction {

    private static final String GROUP_CACHES = "subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.StorageCache/caches";
    private static final String CACHE = GROUP_CACHES + "/{cacheName}";

    @FunctionName("Caches_CreateOrUpdate")
    public HttpResponseMessage createOrUpdate(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = CACHE,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Caches_Update")
    public HttpResponseMessage update(
            @HttpTrigger(name = "req", methods = {HttpMethod.PATCH}, route = CACHE,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Caches_Get")
    public HttpResponseMessage get(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = CACHE,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Caches_Delete")
    public HttpResponseMessage delete(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = CACHE,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Caches_AuthorizeKeyVault")
    public HttpResponseMessage authorizeKeyVault(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = CACHE + "/authorizeKeyVault",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Caches_ListByResourceGroup")
    public HttpResponseMessage listByResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = GROUP_CACHES,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Caches_List")
    public HttpResponseMessage list(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "subscriptions/{subscriptionId}/providers/Microsoft.StorageCache/caches",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    /** Caches still waiting for their key past keyward.hpccache.authorize-timeout (the docs: 90 minutes) fail. */
    @FunctionName("Caches_FailUnauthorized")
    public void failUnauthorized(@TimerTrigger(name = "timer", schedule = "%KEYWARD_HPCCACHE_SCHEDULE%") String timerInfo,
                                 ExecutionContext context) {
        getApplicationContext().getBean(CreationTimeouts.class).failOverdue();
    }
}
