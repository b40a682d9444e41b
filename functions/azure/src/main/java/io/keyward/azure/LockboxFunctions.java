package io.keyward.azure;

import com.microsoft.azure.functions.ExecutionContext;
import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.HttpResponseMessage;
import com.microsoft.azure.functions.annotation.AuthorizationLevel;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.Optional;

/**
 * ARM {@code Microsoft.CustomerLockbox}, one function per operationId of the REST spec (customerlockbox resource-manager,
 * 2018-02-28-preview, and the tenant opt-in operations of its later versions), plus Keyward's {@code Lockbox_ListEvents}
 * (the customer's record of requests, decisions and support access) and {@code Lockbox_RaiseRequest} (the operator raises
 * a support access request); each routes into the app's {@code lockbox.LockboxController}. Anonymous at the Functions
 * level: callers authenticate with bearer tokens.
 */
public class LockboxFunctions extends KeywardHttpFunction {

    private static final String REQUESTS = "subscriptions/{subscriptionId}/providers/Microsoft.CustomerLockbox/requests";
    private static final String PROVIDER = "providers/Microsoft.CustomerLockbox";

    @FunctionName("Requests_List")
    public HttpResponseMessage list(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = REQUESTS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Requests_Get")
    public HttpResponseMessage get(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = REQUESTS + "/{requestId}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Requests_UpdateStatus")
    public HttpResponseMessage updateStatus(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = REQUESTS + "/{requestId}/updateApproval",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Get_TenantOptedIn")
    public HttpResponseMessage tenantOptedIn(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = PROVIDER + "/tenantOptedIn/{tenantId}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Post_EnableLockbox")
    public HttpResponseMessage enableLockbox(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = PROVIDER + "/enableLockbox",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Post_DisableLockbox")
    public HttpResponseMessage disableLockbox(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = PROVIDER + "/disableLockbox",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Lockbox_ListEvents")
    public HttpResponseMessage listEvents(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "subscriptions/{subscriptionId}/providers/Microsoft.CustomerLockbox/events",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Lockbox_RaiseRequest")
    public HttpResponseMessage raiseRequest(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "keyward/lockbox/requests",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
