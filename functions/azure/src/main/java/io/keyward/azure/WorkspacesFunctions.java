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
 * ARM {@code Microsoft.OperationalInsights/workspaces} and the workspace's linked service {@code cluster}, one
 * function per operationId of the REST spec (operationalinsights resource-manager: Workspaces.json 2022-10-01,
 * LinkedServices.json 2020-08-01), each routing into the app's {@code workspaces.WorkspacesController}. Anonymous
 * at the Functions level: callers authenticate with bearer tokens, checked by the app's identity filter.
 */
public class WorkspacesFunctions extends KeywardHttpFunction {

    private static final String PROVIDER = "subscriptions/{subscriptionId}/providers/Microsoft.OperationalInsights";
    private static final String GROUP_WORKSPACES = "subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces";
    private static final String WORKSPACE = GROUP_WORKSPACES + "/{workspaceName}";
    private static final String LINKED_SERVICE = WORKSPACE + "/linkedServices/{linkedServiceName}";

    @FunctionName("Workspaces_CreateOrUpdate")
    public HttpResponseMessage createOrUpdate(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = WORKSPACE,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Workspaces_Get")
    public HttpResponseMessage get(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = WORKSPACE,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Workspaces_Update")
    public HttpResponseMessage update(
            @HttpTrigger(name = "req", methods = {HttpMethod.PATCH}, route = WORKSPACE,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Workspaces_Delete")
    public HttpResponseMessage delete(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = WORKSPACE,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Workspaces_ListByResourceGroup")
    public HttpResponseMessage listByResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = GROUP_WORKSPACES,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Workspaces_List")
    public HttpResponseMessage list(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = PROVIDER + "/workspaces",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("LinkedServices_CreateOrUpdate")
    public HttpResponseMessage createOrUpdateLinkedService(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = LINKED_SERVICE,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("LinkedServices_ListByWorkspace")
    public HttpResponseMessage listLinkedServices(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = WORKSPACE + "/linkedServices",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("LinkedServices_Get")
    public HttpResponseMessage getLinkedService(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = LINKED_SERVICE,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("LinkedServices_Delete")
    public HttpResponseMessage deleteLinkedService(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = LINKED_SERVICE,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
