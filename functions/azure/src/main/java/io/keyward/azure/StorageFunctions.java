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
 * ARM {@code Microsoft.Storage/storageAccounts}, the operations Keyward's minimal storage account has, one function per
 * operationId of the REST spec (storage resource-manager, stable 2023-05-01), each routing into the app
 * ({@code storage.StorageAccountsController} and the engine's {@code engine.ResourcesController}). Anonymous at the
 * Functions level: callers authenticate with bearer tokens, checked by the app's identity filter.
 */
public class StorageFunctions extends KeywardHttpFunction {

    private static final String GROUP_ACCOUNTS = "subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Storage/storageAccounts";
    private static final String ACCOUNT = GROUP_ACCOUNTS + "/{accountName}";

    @FunctionName("StorageAccounts_Create")
    public HttpResponseMessage create(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = ACCOUNT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("StorageAccounts_GetProperties")
    public HttpResponseMessage getProperties(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = ACCOUNT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("StorageAccounts_Update")
    public HttpResponseMessage update(
            @HttpTrigger(name = "req", methods = {HttpMethod.PATCH}, route = ACCOUNT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("StorageAccounts_Delete")
    public HttpResponseMessage delete(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = ACCOUNT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("StorageAccounts_ListByResourceGroup")
    public HttpResponseMessage listByResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = GROUP_ACCOUNTS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("StorageAccounts_List")
    public HttpResponseMessage list(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "subscriptions/{subscriptionId}/providers/Microsoft.Storage/storageAccounts",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
