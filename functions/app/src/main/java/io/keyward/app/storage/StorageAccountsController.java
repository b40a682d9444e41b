package io.keyward.app.storage;

import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.engine.KeyedResources;
import io.keyward.app.engine.ResourceHttp;
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
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;

/**
 * The two operations of ARM {@code Microsoft.Storage/storageAccounts} whose answers differ from the engine's generic ones
 * (the spec, storage resource-manager stable 2023-05-01): StorageAccounts_Create answers 200 (the spec has no 201), and
 * StorageAccounts_Delete answers 200 or 204 (no 202; the shredding of the account's AEK runs on). Get, Update, List and
 * ListByResourceGroup are the engine's ({@code engine.ResourcesController} over {@link StorageAccounts}).
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class StorageAccountsController {

    private static final String ACCOUNT = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
            + "Microsoft.Storage/storageAccounts/{accountName}";

    private final StorageAccounts accounts;
    private final KeyedResources engine;
    private final ResourceHttp http;

    StorageAccountsController(StorageAccounts accounts, KeyedResources engine, ResourceHttp http) {
        this.accounts = accounts;
        this.engine = engine;
        this.http = http;
    }

    @Put(ACCOUNT)
    HttpResponse<?> create(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String accountName, @Nullable @Body String body) {
        String apiVersion = ResourceHttp.apiVersion(request, StorageAccounts.API_VERSIONS);
        return http.saved(request, accounts.put(id(subscriptionId, resourceGroupName, accountName), body, caller), accounts::out, apiVersion)
                .status(HttpStatus.OK);
    }

    @Delete(ACCOUNT)
    HttpResponse<?> delete(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String accountName) {
        ResourceHttp.apiVersion(request, StorageAccounts.API_VERSIONS);
        KeyedResources.Deletion deletion = engine.delete(accounts, id(subscriptionId, resourceGroupName, accountName), caller,
                "Microsoft.Storage/storageAccounts/delete");
        return deletion.existed() ? HttpResponse.ok() : HttpResponse.noContent();
    }

    private ArmResourceId id(String sub, String group, String name) {
        return ArmResourceId.of(SubscriptionId.parse(sub), ResourceGroupName.parse(group), StorageAccount.TYPE, accounts.name(name));
    }
}
