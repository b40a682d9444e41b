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
 * ARM {@code Microsoft.Kusto/clusters} (Data Explorer) and {@code clusters/attachedDatabaseConfigurations}, one function
 * per operationId of the REST spec (azure-kusto resource-manager, stable 2024-04-13 {@code kusto.json}), each routing into
 * the app's {@code kusto.KustoClustersController}.
 *
 * <p>Naming rule: a Functions app needs unique function names, and several resource providers share operationIds
 * ({@code Clusters_CreateOrUpdate} is Log Analytics' too), so functions of a provider other than the first one get the
 * provider's short name as prefix: {@code Kusto_} + operationId. Anonymous at the Functions level: callers authenticate
 * with bearer tokens, checked by the app's identity filter.
 */
public class KustoFunctions extends KeywardHttpFunction {

    private static final String GROUP_CLUSTERS = "subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Kusto/clusters";
    private static final String CLUSTER = GROUP_CLUSTERS + "/{clusterName}";
    private static final String ATTACHED = CLUSTER + "/attachedDatabaseConfigurations/{attachedDatabaseConfigurationName}";

    @FunctionName("Kusto_Clusters_CreateOrUpdate")
    public HttpResponseMessage createOrUpdate(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = CLUSTER,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_Clusters_Get")
    public HttpResponseMessage get(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = CLUSTER,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_Clusters_Update")
    public HttpResponseMessage update(
            @HttpTrigger(name = "req", methods = {HttpMethod.PATCH}, route = CLUSTER,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_Clusters_Delete")
    public HttpResponseMessage delete(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = CLUSTER,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_Clusters_Stop")
    public HttpResponseMessage stop(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = CLUSTER + "/stop",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_Clusters_Start")
    public HttpResponseMessage start(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = CLUSTER + "/start",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_Clusters_ListByResourceGroup")
    public HttpResponseMessage listByResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = GROUP_CLUSTERS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_Clusters_List")
    public HttpResponseMessage list(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "subscriptions/{subscriptionId}/providers/Microsoft.Kusto/clusters",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_Clusters_CheckNameAvailability")
    public HttpResponseMessage checkNameAvailability(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "subscriptions/{subscriptionId}/providers/Microsoft.Kusto/locations/{location}/checkNameAvailability",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_Clusters_ListSkus")
    public HttpResponseMessage listSkus(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "subscriptions/{subscriptionId}/providers/Microsoft.Kusto/skus",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_Clusters_ListSkusByResource")
    public HttpResponseMessage listSkusByResource(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = CLUSTER + "/skus",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_AttachedDatabaseConfigurations_CreateOrUpdate")
    public HttpResponseMessage attachedCreateOrUpdate(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = ATTACHED,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_AttachedDatabaseConfigurations_Get")
    public HttpResponseMessage attachedGet(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = ATTACHED,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_AttachedDatabaseConfigurations_Delete")
    public HttpResponseMessage attachedDelete(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = ATTACHED,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Kusto_AttachedDatabaseConfigurations_ListByCluster")
    public HttpResponseMessage attachedListByCluster(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = CLUSTER + "/attachedDatabaseConfigurations",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
