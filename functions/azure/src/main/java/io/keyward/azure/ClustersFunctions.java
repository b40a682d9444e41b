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
 * ARM {@code Microsoft.OperationalInsights/clusters}, one function per operationId of the REST spec
 * (operationalinsights resource-manager, stable 2022-10-01 {@code Clusters.json}), plus {@code Clusters_Recover}
 * (Keyward's recovery of a soft-deleted cluster), each routing into the app's {@code clusters.ClustersController}.
 * Anonymous at the Functions level: callers authenticate with bearer tokens, checked by the app's identity filter.
 */
public class ClustersFunctions extends KeywardHttpFunction {

    private static final String GROUP_CLUSTERS = "subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.OperationalInsights/clusters";
    private static final String CLUSTER = GROUP_CLUSTERS + "/{clusterName}";

    @FunctionName("Clusters_CreateOrUpdate")
    public HttpResponseMessage createOrUpdate(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = CLUSTER,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Clusters_Get")
    public HttpResponseMessage get(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = CLUSTER,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Clusters_Update")
    public HttpResponseMessage update(
            @HttpTrigger(name = "req", methods = {HttpMethod.PATCH}, route = CLUSTER,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Clusters_Delete")
    public HttpResponseMessage delete(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = CLUSTER,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Clusters_Recover")
    public HttpResponseMessage recover(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = CLUSTER + "/recover",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Clusters_ListByResourceGroup")
    public HttpResponseMessage listByResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = GROUP_CLUSTERS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Clusters_List")
    public HttpResponseMessage list(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "subscriptions/{subscriptionId}/providers/Microsoft.OperationalInsights/clusters",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
