package io.keyward.app.linkedstorage;

import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmRequestContent;
import io.keyward.app.arm.Refusals;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.identity.Principal;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ARM {@code Microsoft.OperationalInsights/workspaces/linkedStorageAccounts} and {@code workspaces/savedSearches}, one
 * method per operationId of the REST spec (operationalinsights resource-manager stable 2020-08-01:
 * LinkedStorageAccounts.json, SavedSearches.json). Every operation completes synchronously with 200, as the spec
 * answers; a delete of nothing answers 204.
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class LinkedStorageController {

    /** The workspaces' api-versions: the Azure SDKs send their client's one version to every operation of the provider. */
    static final ApiVersions API_VERSIONS = ApiVersions.of("2020-08-01", "2020-10-01", "2021-06-01", "2021-12-01-preview",
            "2022-10-01", "2023-09-01", "2025-02-01", "2025-07-01");
    private static final String WORKSPACE = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
            + "Microsoft.OperationalInsights/workspaces/{workspaceName}";
    private static final String LINKS = WORKSPACE + "/linkedStorageAccounts";
    private static final String SEARCHES = WORKSPACE + "/savedSearches";

    private final LinkedStorage storage;
    private final ArmRequestContent content;

    LinkedStorageController(LinkedStorage storage, ArmRequestContent content) {
        this.storage = storage;
        this.content = content;
    }

    // --- LinkedStorageAccounts

    @Put(LINKS + "/{dataSourceType}")
    LinkedStorageWire.LinkOut createOrUpdateLink(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                 @PathVariable String resourceGroupName, @PathVariable String workspaceName,
                                                 @PathVariable String dataSourceType, @Nullable @Body String body) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        // the path's data source type and the body's accounts are checked together: the answer names every refused setting
        Refusals refusals = new Refusals();
        String[] type = {dataSourceType};
        refusals.check(() -> type[0] = LinkedStorage.dataSourceType(dataSourceType));
        Map<?, ?> raw = content.read(body, Map.class);
        List<List<String>> ids = new ArrayList<>(1);
        refusals.check(() -> ids.add(LinkedStorageWire.storageAccountIds(raw, type[0])));
        if (!ids.isEmpty()) {
            refusals.check(() -> LinkedStorage.requireOneAccount(ids.get(0)));
        }
        refusals.throwIfAny();
        LinkedStorage.Linked linked = storage.link(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                workspaceName, type[0], ids.get(0), caller);
        return LinkedStorageWire.link(linked.workspace().resourceId(), linked.link());
    }

    @Get(LINKS + "/{dataSourceType}")
    LinkedStorageWire.LinkOut getLink(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                      @PathVariable String resourceGroupName, @PathVariable String workspaceName,
                                      @PathVariable String dataSourceType) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        LinkedStorage.Linked linked = storage.getLink(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                workspaceName, LinkedStorage.dataSourceType(dataSourceType), caller);
        return LinkedStorageWire.link(linked.workspace().resourceId(), linked.link());
    }

    @Get(LINKS)
    LinkedStorageWire.Listed<LinkedStorageWire.LinkOut> listLinks(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                                  @PathVariable String resourceGroupName, @PathVariable String workspaceName) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        LinkedStorage.Links links = storage.listLinks(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                workspaceName, caller);
        return new LinkedStorageWire.Listed<>(links.links().stream().map(l -> LinkedStorageWire.link(links.workspace().resourceId(), l))
                .toList());
    }

    @Delete(LINKS + "/{dataSourceType}")
    HttpResponse<?> deleteLink(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                               @PathVariable String resourceGroupName, @PathVariable String workspaceName, @PathVariable String dataSourceType) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        return storage.unlink(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName), workspaceName,
                LinkedStorage.dataSourceType(dataSourceType), caller) ? HttpResponse.ok() : HttpResponse.noContent();
    }

    // --- SavedSearches

    @Put(SEARCHES + "/{savedSearchId}")
    LinkedStorageWire.SearchOut createOrUpdateSearch(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                     @PathVariable String resourceGroupName, @PathVariable String workspaceName,
                                                     @PathVariable String savedSearchId, @Nullable @Body String body) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        LinkedStorage.Search s = storage.saveSearch(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                workspaceName, LinkedStorage.searchName(savedSearchId), LinkedStorageWire.search(content.read(body, Map.class)), caller);
        return LinkedStorageWire.search(s.workspace().resourceId(), s.row(), s.properties());
    }

    @Get(SEARCHES + "/{savedSearchId}")
    LinkedStorageWire.SearchOut getSearch(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                          @PathVariable String resourceGroupName, @PathVariable String workspaceName,
                                          @PathVariable String savedSearchId) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        LinkedStorage.Search s = storage.getSearch(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                workspaceName, LinkedStorage.searchName(savedSearchId), caller);
        return LinkedStorageWire.search(s.workspace().resourceId(), s.row(), s.properties());
    }

    @Get(SEARCHES)
    LinkedStorageWire.Listed<LinkedStorageWire.SearchOut> listSearches(HttpRequest<?> request, Principal caller,
                                                                       @PathVariable String subscriptionId, @PathVariable String resourceGroupName,
                                                                       @PathVariable String workspaceName) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        LinkedStorage.Searches all = storage.listSearches(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                workspaceName, caller);
        return new LinkedStorageWire.Listed<>(all.items().stream()
                .map(s -> LinkedStorageWire.search(all.workspace().resourceId(), s.row(), s.properties())).toList());
    }

    @Delete(SEARCHES + "/{savedSearchId}")
    HttpResponse<?> deleteSearch(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                 @PathVariable String resourceGroupName, @PathVariable String workspaceName, @PathVariable String savedSearchId) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        return storage.deleteSearch(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName), workspaceName,
                LinkedStorage.searchName(savedSearchId), caller) ? HttpResponse.ok() : HttpResponse.noContent();
    }
}
