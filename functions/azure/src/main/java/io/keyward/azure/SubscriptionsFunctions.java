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
 * ARM's own reads that the Azure CLI makes at sign-in and on {@code az cloud register}: cloud metadata (anonymous),
 * the caller's subscriptions and tenants (Microsoft.Resources {@code subscriptions.json} operationIds).
 */
public class SubscriptionsFunctions extends KeywardHttpFunction {

    @FunctionName("MetadataEndpoints_Get")
    public HttpResponseMessage metadata(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "metadata/endpoints",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Subscriptions_List")
    public HttpResponseMessage list(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "subscriptions",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Subscriptions_Get")
    public HttpResponseMessage get(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "subscriptions/{subscriptionId}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Tenants_List")
    public HttpResponseMessage tenants(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "tenants",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
