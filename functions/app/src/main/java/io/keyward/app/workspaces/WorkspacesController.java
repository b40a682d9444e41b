package io.keyward.app.workspaces;

import io.keyward.app.arm.PageSize;
import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmRequestContent;
import io.keyward.app.arm.AsyncOperations;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
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
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * ARM {@code Microsoft.OperationalInsights/workspaces} and the workspace's linked service {@code cluster}: one method
 * per operationId of the REST spec (Workspaces.json 2022-10-01, LinkedServices.json 2020-08-01). Workspace operations
 * complete synchronously (200/201 with provisioningState Succeeded); linking and unlinking are async operations
 * answered 202 with {@code Azure-AsyncOperation}, {@code Location} and {@code Retry-After}, as the Azure Monitor
 * docs show ("202 (Accepted) and header").
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class WorkspacesController {

    /**
     * One list for workspaces and linked services: the Azure SDKs send their client's single api-version to every
     * operation of the provider (azure-resourcemanager-loganalytics 1.1.0 sends 2022-10-01 to LinkedServices too).
     */
    static final ApiVersions API_VERSIONS = ApiVersions.of("2020-08-01", "2020-10-01", "2021-06-01", "2021-12-01-preview",
            "2022-10-01", "2023-09-01", "2025-02-01", "2025-07-01");
    /** The spec's lists have no nextLink (x-ms-pageable nextLinkName null): one page holds what clients will read. */
    static final int DEFAULT_PAGE_SIZE = 1000;
    static final int MAX_PAGE_SIZE = 1000;
    private static final String GROUP_WORKSPACES = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.OperationalInsights/workspaces";
    private static final String WORKSPACE = GROUP_WORKSPACES + "/{workspaceName}";
    private static final String LINKED_SERVICE = WORKSPACE + "/linkedServices/{linkedServiceName}";

    private final WorkspaceCatalog workspaces;
    private final ArmRequestContent content;
    private final AsyncOperations operations;

    WorkspacesController(WorkspaceCatalog workspaces, ArmRequestContent content, AsyncOperations operations) {
        this.workspaces = workspaces;
        this.content = content;
        this.operations = operations;
    }

    @Put(WORKSPACE)
    HttpResponse<WorkspaceWire.WorkspaceOut> createOrUpdate(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                            @PathVariable String resourceGroupName, @PathVariable String workspaceName,
                                                            @Nullable @Body String body) {
        apiVersion(request);
        SubscriptionId sub = SubscriptionId.parse(subscriptionId);
        ResourceGroupName group = ResourceGroupName.parse(resourceGroupName);
        WorkspaceName name = WorkspaceName.parse(workspaceName);
        WorkspaceWire.requireKnown(content.read(body, Map.class));
        WorkspaceRequest wanted = WorkspaceWire.request(content.read(body, WorkspaceWire.WorkspaceBody.class), false);
        WorkspaceCatalog.Saved saved = workspaces.createOrUpdate(sub, group, name, wanted, caller);
        return HttpResponse.<WorkspaceWire.WorkspaceOut>status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(WorkspaceWire.out(saved.workspace()));
    }

    @Get(WORKSPACE)
    WorkspaceWire.WorkspaceOut get(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                   @PathVariable String resourceGroupName, @PathVariable String workspaceName) {
        apiVersion(request);
        return WorkspaceWire.out(workspaces.get(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                WorkspaceName.parse(workspaceName), caller));
    }

    @Patch(WORKSPACE)
    WorkspaceWire.WorkspaceOut update(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                      @PathVariable String resourceGroupName, @PathVariable String workspaceName,
                                      @Nullable @Body String body) {
        apiVersion(request);
        SubscriptionId sub = SubscriptionId.parse(subscriptionId);
        ResourceGroupName group = ResourceGroupName.parse(resourceGroupName);
        WorkspaceName name = WorkspaceName.parse(workspaceName);
        WorkspaceWire.requireKnown(content.read(body, Map.class));
        WorkspaceRequest changes = WorkspaceWire.request(content.read(body, WorkspaceWire.WorkspaceBody.class), true);
        return WorkspaceWire.out(workspaces.update(sub, group, name, changes, caller));
    }

    @Delete(WORKSPACE)
    HttpResponse<?> delete(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String workspaceName) {
        apiVersion(request);
        boolean force = Boolean.parseBoolean(request.getParameters().get("force"));
        boolean existed = workspaces.delete(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                WorkspaceName.parse(workspaceName), force, caller);
        return existed ? HttpResponse.ok() : HttpResponse.noContent();
    }

    @Get(GROUP_WORKSPACES)
    WorkspaceWire.WorkspaceList listByResourceGroup(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                    @PathVariable String resourceGroupName) {
        apiVersion(request);
        return list(request, workspaces.list(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                top(request), skipToken(request), caller));
    }

    @Get("/subscriptions/{subscriptionId}/providers/Microsoft.OperationalInsights/workspaces")
    WorkspaceWire.WorkspaceList list(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId) {
        apiVersion(request);
        return list(request, workspaces.list(SubscriptionId.parse(subscriptionId), null, top(request), skipToken(request), caller));
    }

    // --- the linked service "cluster"

    @Put(LINKED_SERVICE)
    HttpResponse<?> createOrUpdateLinkedService(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                @PathVariable String resourceGroupName, @PathVariable String workspaceName,
                                                @PathVariable String linkedServiceName, @Nullable @Body String body) {
        String apiVersion = apiVersion(request);
        SubscriptionId sub = SubscriptionId.parse(subscriptionId);
        ResourceGroupName group = ResourceGroupName.parse(resourceGroupName);
        WorkspaceName name = WorkspaceName.parse(workspaceName);
        requireClusterLink(linkedServiceName);
        ClusterResourceId cluster = ClusterResourceId.parse(writeAccessResourceId(content.read(body, Map.class)));
        WorkspaceCatalog.LinkRequest link = workspaces.link(sub, group, name, cluster, caller);
        WorkspaceWire.LinkedServiceOut out = WorkspaceWire.linkedService(link.workspace()).orElseThrow();
        if (link.operation() == null) {
            return HttpResponse.ok(out); // already linked to that cluster
        }
        return operations.accepted(HttpResponse.accepted().body(out), link.operation(), requestUri(request), apiVersion);
    }

    @Get(LINKED_SERVICE)
    WorkspaceWire.LinkedServiceOut getLinkedService(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                    @PathVariable String resourceGroupName, @PathVariable String workspaceName,
                                                    @PathVariable String linkedServiceName) {
        apiVersion(request);
        SubscriptionId sub = SubscriptionId.parse(subscriptionId);
        ResourceGroupName group = ResourceGroupName.parse(resourceGroupName);
        WorkspaceName name = WorkspaceName.parse(workspaceName);
        requireClusterLink(linkedServiceName);
        Workspace w = workspaces.linkedService(sub, group, name, caller);
        return WorkspaceWire.linkedService(w).orElseThrow(() -> new ArmException(ArmErrorCode.ResourceNotFound, "The linked service '"
                + Workspace.CLUSTER_LINK + "' of workspace '" + w.name() + "' was not found: the workspace is not linked to a cluster."));
    }

    /**
     * LinkedServices_ListByWorkspace (LinkedServiceListResult, no nextLink): the workspace's one kind of linked service,
     * {@code cluster}, when it has one; read with the same permission as LinkedServices_Get.
     */
    @Get(WORKSPACE + "/linkedServices")
    WorkspaceWire.LinkedServiceList listLinkedServices(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                       @PathVariable String resourceGroupName, @PathVariable String workspaceName) {
        apiVersion(request);
        Workspace w = workspaces.linkedService(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                WorkspaceName.parse(workspaceName), caller);
        return new WorkspaceWire.LinkedServiceList(WorkspaceWire.linkedService(w).stream().toList());
    }

    @Delete(LINKED_SERVICE)
    HttpResponse<?> deleteLinkedService(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                        @PathVariable String resourceGroupName, @PathVariable String workspaceName,
                                        @PathVariable String linkedServiceName) {
        String apiVersion = apiVersion(request);
        SubscriptionId sub = SubscriptionId.parse(subscriptionId);
        ResourceGroupName group = ResourceGroupName.parse(resourceGroupName);
        WorkspaceName name = WorkspaceName.parse(workspaceName);
        requireClusterLink(linkedServiceName);
        WorkspaceCatalog.LinkRequest unlink = workspaces.unlink(sub, group, name, caller);
        if (unlink.operation() == null) {
            return HttpResponse.noContent(); // not linked: nothing to delete
        }
        return operations.accepted(HttpResponse.accepted(), unlink.operation(), requestUri(request), apiVersion);
    }

    // --- helpers

    private static String apiVersion(HttpRequest<?> request) {
        return API_VERSIONS.require(request.getParameters().get("api-version"));
    }

    /** Keyward's workspaces have one kind of linked service, the cluster link (Azure also has "Automation"). */
    private static void requireClusterLink(String linkedServiceName) {
        if (!Workspace.CLUSTER_LINK.equalsIgnoreCase(linkedServiceName)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The linked service '" + linkedServiceName + "' is not supported;"
                    + " the only linked service is 'cluster', which links the workspace to a dedicated cluster.", "linkedServiceName");
        }
    }

    /**
     * {@code properties.writeAccessResourceId}, its property names matched without case: the Azure Monitor docs' own
     * REST example sends {@code "WriteAccessResourceId"}, and Azure accepts it.
     */
    @Nullable
    private static String writeAccessResourceId(Map<?, ?> body) {
        Object properties = property(body, "properties");
        if (!(properties instanceof Map<?, ?> p)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'properties' property is required.", "properties");
        }
        Object id = property(p, "writeAccessResourceId");
        if (id != null && !(id instanceof String)) {
            throw new ArmException(ArmErrorCode.InvalidRequestContent, "The property 'properties.writeAccessResourceId' must be a string.");
        }
        return (String) id;
    }

    @Nullable
    private static Object property(Map<?, ?> map, String name) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (name.equalsIgnoreCase(String.valueOf(e.getKey()))) {
                return e.getValue(); // null too: a null member is an absent one
            }
        }
        return null;
    }

    private static int top(HttpRequest<?> request) {
        return PageSize.of(request, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    }

    /** Page position: the previous page's last (group/name) key, base64url so that it is opaque and URL-safe. */
    @Nullable
    private static String skipToken(HttpRequest<?> request) {
        String token = request.getParameters().get("$skiptoken");
        if (token == null || token.isEmpty()) {
            return null;
        }
        try {
            String key = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (key.indexOf('/') > 0) {
                return key;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new ArmException(ArmErrorCode.InvalidParameter, "The $skiptoken '" + token + "' is invalid; use the nextLink of the"
                + " previous page as it is.", "$skiptoken");
    }

    private static WorkspaceWire.WorkspaceList list(HttpRequest<?> request, WorkspacePage page) {
        String next = null;
        if (page.lastKey() != null) {
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(page.lastKey().getBytes(StandardCharsets.UTF_8));
            next = origin(request) + request.getPath() + "?api-version=" + enc(request.getParameters().get("api-version"))
                    + "&%24top=" + top(request) + "&%24skiptoken=" + token;
        }
        return new WorkspaceWire.WorkspaceList(page.items().stream().map(WorkspaceWire::out).toList(), next);
    }

    private static URI requestUri(HttpRequest<?> request) {
        String query = request.getUri().getRawQuery();
        return URI.create(origin(request) + request.getUri().getRawPath() + (query == null ? "" : "?" + query));
    }

    private static String origin(HttpRequest<?> request) {
        URI uri = request.getUri();
        if (uri.getScheme() != null && uri.getRawAuthority() != null) {
            return uri.getScheme() + "://" + uri.getRawAuthority();
        }
        String host = request.getHeaders().get("Host");
        return "https://" + (host == null ? "localhost" : host);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
