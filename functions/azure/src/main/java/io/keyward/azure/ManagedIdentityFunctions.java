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
 * ARM {@code Microsoft.ManagedIdentity/userAssignedIdentities}, one function per operationId of the REST spec (msi
 * resource-manager {@code ManagedIdentity.json}), each routing into the app's
 * {@code managedidentity.UserAssignedIdentitiesController}. Anonymous at the Functions level: callers authenticate with
 * bearer tokens.
 */
public class ManagedIdentityFunctions extends KeywardHttpFunction {

    private static final String SUBSCRIPTION = "subscriptions/{subscriptionId}/providers/Microsoft.ManagedIdentity/userAssignedIdentities";
    private static final String GROUP = "subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
            + "Microsoft.ManagedIdentity/userAssignedIdentities";
    private static final String IDENTITY = GROUP + "/{resourceName}";

    @FunctionName("UserAssignedIdentities_CreateOrUpdate")
    public HttpResponseMessage createOrUpdate(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = IDENTITY,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("UserAssignedIdentities_Update")
    public HttpResponseMessage update(
            @HttpTrigger(name = "req", methods = {HttpMethod.PATCH}, route = IDENTITY,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("UserAssignedIdentities_Get")
    public HttpResponseMessage get(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = IDENTITY,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("UserAssignedIdentities_Delete")
    public HttpResponseMessage delete(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = IDENTITY,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("UserAssignedIdentities_ListByResourceGroup")
    public HttpResponseMessage listByResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = GROUP,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("UserAssignedIdentities_ListBySubscription")
    public HttpResponseMessage listBySubscription(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = SUBSCRIPTION,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
