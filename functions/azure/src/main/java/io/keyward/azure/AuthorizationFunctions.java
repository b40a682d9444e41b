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
 * ARM {@code Microsoft.Authorization} role assignments and role definitions (authorization resource-manager,
 * 2022-04-01), routing into the app's {@code authorization.AuthorizationController}. The REST spec takes any scope as
 * one {@code {scope}} parameter; a Functions route cannot, so each operation has one function per scope depth
 * (subscription, resource group, resource, child resource). Anonymous at the Functions level: the app authenticates.
 */
public class AuthorizationFunctions extends KeywardHttpFunction {

    private static final String SUBSCRIPTION = "subscriptions/{subscriptionId}";
    private static final String GROUP = "subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}";
    private static final String RESOURCE = "subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/{resourceProviderNamespace}/{resourceType}/{resourceName}";
    private static final String CHILD = "subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/{resourceProviderNamespace}/{parentResourceType}/{parentResourceName}/{resourceType}/{resourceName}";
    private static final String ASSIGNMENTS = "/providers/Microsoft.Authorization/roleAssignments";
    private static final String ASSIGNMENT = ASSIGNMENTS + "/{roleAssignmentName}";
    private static final String DEFINITIONS = "/providers/Microsoft.Authorization/roleDefinitions";
    private static final String DEFINITION = DEFINITIONS + "/{roleDefinitionId}";

    @FunctionName("RoleAssignments_Create")
    public HttpResponseMessage createAssignment(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = SUBSCRIPTION + ASSIGNMENT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_Get")
    public HttpResponseMessage getAssignment(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = SUBSCRIPTION + ASSIGNMENT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_Delete")
    public HttpResponseMessage deleteAssignment(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = SUBSCRIPTION + ASSIGNMENT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_ListForSubscription")
    public HttpResponseMessage listSubscriptionAssignments(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = SUBSCRIPTION + ASSIGNMENTS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_CreateAtResourceGroup")
    public HttpResponseMessage createAssignmentAtResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = GROUP + ASSIGNMENT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_GetAtResourceGroup")
    public HttpResponseMessage getAssignmentAtResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = GROUP + ASSIGNMENT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_DeleteAtResourceGroup")
    public HttpResponseMessage deleteAssignmentAtResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = GROUP + ASSIGNMENT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_ListForResourceGroup")
    public HttpResponseMessage listResourceGroupAssignments(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = GROUP + ASSIGNMENTS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_CreateAtResource")
    public HttpResponseMessage createAssignmentAtResource(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = RESOURCE + ASSIGNMENT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_GetAtResource")
    public HttpResponseMessage getAssignmentAtResource(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = RESOURCE + ASSIGNMENT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_DeleteAtResource")
    public HttpResponseMessage deleteAssignmentAtResource(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = RESOURCE + ASSIGNMENT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_ListForResource")
    public HttpResponseMessage listResourceAssignments(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = RESOURCE + ASSIGNMENTS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_CreateAtChildResource")
    public HttpResponseMessage createAssignmentAtChildResource(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = CHILD + ASSIGNMENT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_GetAtChildResource")
    public HttpResponseMessage getAssignmentAtChildResource(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = CHILD + ASSIGNMENT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_DeleteAtChildResource")
    public HttpResponseMessage deleteAssignmentAtChildResource(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = CHILD + ASSIGNMENT,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleAssignments_ListForChildResource")
    public HttpResponseMessage listChildResourceAssignments(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = CHILD + ASSIGNMENTS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleDefinitions_CreateOrUpdate")
    public HttpResponseMessage createDefinition(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = SUBSCRIPTION + DEFINITION,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleDefinitions_Delete")
    public HttpResponseMessage deleteDefinition(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = SUBSCRIPTION + DEFINITION,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleDefinitions_Get")
    public HttpResponseMessage getDefinition(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = SUBSCRIPTION + DEFINITION,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleDefinitions_List")
    public HttpResponseMessage listDefinitions(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = SUBSCRIPTION + DEFINITIONS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleDefinitions_CreateOrUpdateAtResourceGroup")
    public HttpResponseMessage createDefinitionAtResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.PUT}, route = GROUP + DEFINITION,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleDefinitions_DeleteAtResourceGroup")
    public HttpResponseMessage deleteDefinitionAtResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = GROUP + DEFINITION,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleDefinitions_GetAtResourceGroup")
    public HttpResponseMessage getDefinitionAtResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = GROUP + DEFINITION,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleDefinitions_ListAtResourceGroup")
    public HttpResponseMessage listDefinitionsAtResourceGroup(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = GROUP + DEFINITIONS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleDefinitions_GetAtResource")
    public HttpResponseMessage getDefinitionAtResource(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = RESOURCE + DEFINITION,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("RoleDefinitions_ListAtResource")
    public HttpResponseMessage listDefinitionsAtResource(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = RESOURCE + DEFINITIONS,
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
