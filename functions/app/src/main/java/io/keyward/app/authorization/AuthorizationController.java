package io.keyward.app.authorization;

import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmRequestContent;
import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.RequestBean;
import java.util.Optional;

/**
 * ARM {@code Microsoft.Authorization}: role assignments (Create, Get, Delete, ListForScope / ListForSubscription /
 * ListForResourceGroup / ListForResource) and role definitions (CreateOrUpdate, Get, Delete, List), at a subscription,
 * resource group, resource or child-resource scope. One method per operationId, each declared for every scope.
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class AuthorizationController {

    /** 2022-04-01 is what the current SDKs and the CLI send; the older ones are still sent by older tools. */
    static final ApiVersions ASSIGNMENT_VERSIONS = ApiVersions.of("2015-07-01", "2018-01-01-preview", "2018-09-01-preview",
            "2020-03-01-preview", "2020-04-01-preview", "2020-08-01-preview", "2020-10-01-preview", "2022-01-01-preview", "2022-04-01");
    static final ApiVersions DEFINITION_VERSIONS = ApiVersions.of("2015-07-01", "2018-01-01-preview", "2022-04-01", "2022-05-01-preview");

    private static final String S = "/subscriptions/{subscriptionId}";
    private static final String G = S + "/resourceGroups/{resourceGroupName}";
    private static final String R = G + "/providers/{resourceProviderNamespace}/{resourceType}/{resourceName}";
    private static final String N = G + "/providers/{resourceProviderNamespace}/{parentResourceType}/{parentResourceName}/{resourceType}/{resourceName}";
    private static final String RA = "/providers/Microsoft.Authorization/roleAssignments";
    private static final String RD = "/providers/Microsoft.Authorization/roleDefinitions";
    private static final String ASSIGNMENT = "/{roleAssignmentName}";
    private static final String DEFINITION = "/{roleDefinitionId}";

    private final RoleCatalog roles;
    private final ArmRequestContent content;

    AuthorizationController(RoleCatalog roles, ArmRequestContent content) {
        this.roles = roles;
        this.content = content;
    }

    // --- role assignments

    @Put(uris = {S + RA + ASSIGNMENT, G + RA + ASSIGNMENT, R + RA + ASSIGNMENT, N + RA + ASSIGNMENT})
    HttpResponse<AuthorizationWire.AssignmentOut> createAssignment(HttpRequest<?> request, Principal caller,
            @RequestBean ScopePath at, @PathVariable String roleAssignmentName, @Nullable @Body String body) {
        ASSIGNMENT_VERSIONS.require(apiVersion(request));
        Scope scope = at.scope();
        RoleCatalog.AssignmentRequest wanted = AuthorizationWire.request(content.read(body, AuthorizationWire.AssignmentBody.class));
        RoleCatalog.Saved<RoleAssignment> saved = roles.putAssignment(scope, AuthorizationWire.assignmentName(roleAssignmentName), wanted,
                caller);
        return HttpResponse.<AuthorizationWire.AssignmentOut>status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(AuthorizationWire.out(saved.value()));
    }

    @Get(uris = {S + RA + ASSIGNMENT, G + RA + ASSIGNMENT, R + RA + ASSIGNMENT, N + RA + ASSIGNMENT})
    AuthorizationWire.AssignmentOut getAssignment(HttpRequest<?> request, Principal caller,
            @RequestBean ScopePath at, @PathVariable String roleAssignmentName) {
        ASSIGNMENT_VERSIONS.require(apiVersion(request));
        Scope scope = at.scope();
        return AuthorizationWire.out(roles.getAssignment(scope, AuthorizationWire.assignmentName(roleAssignmentName), caller));
    }

    @Delete(uris = {S + RA + ASSIGNMENT, G + RA + ASSIGNMENT, R + RA + ASSIGNMENT, N + RA + ASSIGNMENT})
    HttpResponse<AuthorizationWire.AssignmentOut> deleteAssignment(HttpRequest<?> request, Principal caller,
            @RequestBean ScopePath at, @PathVariable String roleAssignmentName) {
        ASSIGNMENT_VERSIONS.require(apiVersion(request));
        Scope scope = at.scope();
        Optional<RoleAssignment> gone = roles.deleteAssignment(scope, AuthorizationWire.assignmentName(roleAssignmentName), caller);
        return gone.<HttpResponse<AuthorizationWire.AssignmentOut>>map(a -> HttpResponse.ok(AuthorizationWire.out(a)))
                .orElseGet(HttpResponse::noContent);
    }

    @Get(uris = {S + RA, G + RA, R + RA, N + RA})
    AuthorizationWire.AssignmentList listAssignments(HttpRequest<?> request, Principal caller,
            @RequestBean ScopePath at) {
        ASSIGNMENT_VERSIONS.require(apiVersion(request));
        Scope scope = at.scope();
        AuthorizationWire.AssignmentFilter filter = AuthorizationWire.AssignmentFilter.parse(request.getParameters().get("$filter"));
        // Listing a subscription's assignments (ListForSubscription) returns them at every scope in it.
        boolean atScope = filter.atScope();
        return new AuthorizationWire.AssignmentList(roles.listAssignments(scope, atScope, filter.principalId(), caller).stream()
                .map(AuthorizationWire::out).toList());
    }

    // --- role definitions

    @Put(uris = {S + RD + DEFINITION, G + RD + DEFINITION})
    HttpResponse<AuthorizationWire.DefinitionOut> createDefinition(HttpRequest<?> request, Principal caller,
            @RequestBean ScopePath at, @PathVariable String roleDefinitionId,
            @Nullable @Body String body) {
        DEFINITION_VERSIONS.require(apiVersion(request));
        Scope scope = at.scope();
        AuthorizationWire.CustomRole role = AuthorizationWire.customRole(content.read(body, AuthorizationWire.DefinitionBody.class));
        RoleCatalog.Saved<RoleDefinition> saved = roles.putDefinition(scope, AuthorizationWire.definitionName(roleDefinitionId),
                role.roleName(), role.description(), role.permissions(), role.assignableScopes(), caller);
        return HttpResponse.<AuthorizationWire.DefinitionOut>status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(AuthorizationWire.out(scope, saved.value()));
    }

    @Get(uris = {S + RD + DEFINITION, G + RD + DEFINITION, R + RD + DEFINITION})
    AuthorizationWire.DefinitionOut getDefinition(HttpRequest<?> request, Principal caller,
            @RequestBean ScopePath at, @PathVariable String roleDefinitionId) {
        DEFINITION_VERSIONS.require(apiVersion(request));
        Scope scope = at.scope();
        return AuthorizationWire.out(scope, roles.getDefinition(scope, AuthorizationWire.definitionName(roleDefinitionId), caller));
    }

    @Delete(uris = {S + RD + DEFINITION, G + RD + DEFINITION})
    HttpResponse<AuthorizationWire.DefinitionOut> deleteDefinition(HttpRequest<?> request, Principal caller,
            @RequestBean ScopePath at, @PathVariable String roleDefinitionId) {
        DEFINITION_VERSIONS.require(apiVersion(request));
        Scope scope = at.scope();
        Optional<RoleDefinition> gone = roles.deleteDefinition(scope, AuthorizationWire.definitionName(roleDefinitionId), caller);
        return gone.<HttpResponse<AuthorizationWire.DefinitionOut>>map(r -> HttpResponse.ok(AuthorizationWire.out(scope, r)))
                .orElseGet(HttpResponse::noContent);
    }

    @Get(uris = {S + RD, G + RD, R + RD})
    AuthorizationWire.DefinitionList listDefinitions(HttpRequest<?> request, Principal caller,
            @RequestBean ScopePath at) {
        DEFINITION_VERSIONS.require(apiVersion(request));
        Scope scope = at.scope();
        AuthorizationWire.DefinitionFilter filter = AuthorizationWire.DefinitionFilter.parse(request.getParameters().get("$filter"));
        return new AuthorizationWire.DefinitionList(roles.listDefinitions(scope, filter.roleName(), filter.type(), caller).stream()
                .map(r -> AuthorizationWire.out(scope, r)).toList());
    }

    private static String apiVersion(HttpRequest<?> request) {
        return request.getParameters().get("api-version");
    }
}
