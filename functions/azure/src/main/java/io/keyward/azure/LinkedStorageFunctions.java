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
 * ARM {@code Microsoft.OperationalInsights/workspaces/linkedStorageAccounts} and {@code workspaces/savedSearches}, one
 * function per operationId of the REST spec (operationalinsights resource-manager stable 2020-08-01:
 * LinkedStorageAccounts.json, SavedSearches.json), each routing into the app's
 * {@code linkedstorage.LinkedStorageController}. Anonymous at the Functions level: callers authenticate with bearer tokens.
 */
public class LinkedStorageFunctions extends KeywardHttpFunction {

    private static final String WORKSPACE = "subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces/{workspaceName}";
    private static final String LINKS = WORKSPACE + "/linkedStorageAccounts";
    private static final String SEARCHES = WORKSPACE + "/savedSearches";

    @FunctionName("LinkedStorageAccounts_CreateOrUpdate")
    public HttpResponseMessage createOrUpdateLink(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = LINKS + "/{dataSourceType}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("LinkedStorageAccounts_Get")
    public HttpResponseMessage getLink(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = LINKS + "/{dataSourceType}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("LinkedStorageAccounts_Delete")
    public HttpResponseMessage deleteLink(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = LINKS + "/{dataSourceType}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("LinkedStorageAccounts_ListByWorkspace")
    public HttpResponseMessage listLinks(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = LINKS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("SavedSearches_CreateOrUpdate")
    public HttpResponseMessage createOrUpdateSearch(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = SEARCHES + "/{savedSearchId}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("SavedSearches_Get")
    public HttpResponseMessage getSearch(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = SEARCHES + "/{savedSearchId}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("SavedSearches_Delete")
    public HttpResponseMessage deleteSearch(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = SEARCHES + "/{savedSearchId}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("SavedSearches_ListByWorkspace")
    public HttpResponseMessage listSearches(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = SEARCHES,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
