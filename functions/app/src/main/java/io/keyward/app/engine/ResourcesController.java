package io.keyward.app.engine;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.identity.Principal;
import io.micronaut.context.BeanProvider;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The ARM operations every keyed resource type has, written once: CreateOrUpdate (PUT), Update (PATCH), Get, Delete,
 * ListByResourceGroup and List, for whichever {@link Surface} serves the path's namespace and type (compared without
 * case, as ARM does). Routes with literal segments (a surface's actions, the vaults' and workspaces' controllers) are more
 * specific and win over these. A namespace and type no surface serves is ARM's {@code InvalidResourceType}.
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class ResourcesController {

    private static final String GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/{namespace}/{type}";
    private static final String RESOURCE = GROUP + "/{name}";

    /** Namespaces served by their own controllers only (vaults, Customer Lockbox), not by a surface of the engine. */
    private static final Set<String> OWN_CONTROLLERS = Set.of("microsoft.keyvault", "microsoft.customerlockbox");

    private final KeyedResources engine;
    private final ResourceHttp http;
    private final BeanProvider<Surface<?>> surfaces;

    ResourcesController(KeyedResources engine, ResourceHttp http, BeanProvider<Surface<?>> surfaces) {
        this.engine = engine;
        this.http = http;
        this.surfaces = surfaces;
    }

    @Put(RESOURCE)
    HttpResponse<?> createOrUpdate(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                   @PathVariable String resourceGroupName, @PathVariable String namespace, @PathVariable String type,
                                   @PathVariable String name, @Nullable @Body String body) {
        return put(request, caller, surface(namespace, type), subscriptionId, resourceGroupName, name, body, true);
    }

    @Patch(RESOURCE)
    HttpResponse<?> update(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String namespace, @PathVariable String type,
                           @PathVariable String name, @Nullable @Body String body) {
        return put(request, caller, surface(namespace, type), subscriptionId, resourceGroupName, name, body, false);
    }

    @Get(RESOURCE)
    Object get(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId, @PathVariable String resourceGroupName,
               @PathVariable String namespace, @PathVariable String type, @PathVariable String name) {
        return get(request, caller, surface(namespace, type), subscriptionId, resourceGroupName, name);
    }

    @Delete(RESOURCE)
    HttpResponse<?> delete(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String namespace, @PathVariable String type,
                           @PathVariable String name) {
        Surface<?> s = surface(namespace, type);
        String apiVersion = ResourceHttp.apiVersion(request, s.definition().apiVersions());
        return http.deleted(request, engine.delete(s, id(s, subscriptionId, resourceGroupName, name), caller, s.type() + "/delete"),
                apiVersion);
    }

    /** A surface's action ({@code POST .../{name}/{action}}): 200 with what the action answers. */
    @Post(RESOURCE + "/{action}")
    HttpResponse<?> act(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId, @PathVariable String resourceGroupName,
                        @PathVariable String namespace, @PathVariable String type, @PathVariable String name, @PathVariable String action) {
        Surface<?> s = surface(namespace, type);
        ResourceHttp.apiVersion(request, s.definition().apiVersions());
        Object answer = s.act(action, id(s, subscriptionId, resourceGroupName, name), caller);
        return answer == null ? HttpResponse.ok() : HttpResponse.ok(answer);
    }

    @Get(GROUP)
    ResourceHttp.Listed<Object> listByResourceGroup(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                    @PathVariable String resourceGroupName, @PathVariable String namespace,
                                                    @PathVariable String type) {
        return list(request, caller, surface(namespace, type), SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName));
    }

    @Get("/subscriptions/{subscriptionId}/providers/{namespace}/{type}")
    ResourceHttp.Listed<Object> list(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                     @PathVariable String namespace, @PathVariable String type) {
        return list(request, caller, surface(namespace, type), SubscriptionId.parse(subscriptionId), null);
    }

    private <P> HttpResponse<?> put(HttpRequest<?> request, Principal caller, Surface<P> s, String sub, String group, String name,
                                    @Nullable String body, boolean replace) {
        String apiVersion = ResourceHttp.apiVersion(request, s.definition().apiVersions());
        ArmResourceId id = id(s, sub, group, name);
        return http.saved(request, replace ? s.put(id, body, caller) : s.patch(id, body, caller), s::out, apiVersion);
    }

    private <P> Object get(HttpRequest<?> request, Principal caller, Surface<P> s, String sub, String group, String name) {
        ResourceHttp.apiVersion(request, s.definition().apiVersions());
        return s.outOne(engine.get(s, id(s, sub, group, name), caller, s.type() + "/read"));
    }

    private <P> ResourceHttp.Listed<Object> list(HttpRequest<?> request, Principal caller, Surface<P> s, SubscriptionId sub,
                                                 @Nullable ResourceGroupName group) {
        ResourceHttp.apiVersion(request, s.definition().apiVersions());
        if (s.definition().pageSize() == 0) {
            List<Object> all = engine.list(s, sub, group, caller, s.type() + "/read", null, Integer.MAX_VALUE - 1).items().stream()
                    .map(s::out).toList();
            return new ResourceHttp.Listed<>(all, null);
        }
        ResourceHttp.Paging paging = ResourceHttp.paging(request, s.definition().pageSize(), 1000);
        return ResourceHttp.listed(request, engine.list(s, sub, group, caller, s.type() + "/read", paging.after(), paging.top()), paging,
                s::out);
    }

    private static ArmResourceId id(Surface<?> s, String sub, String group, String name) {
        return ArmResourceId.of(SubscriptionId.parse(sub), ResourceGroupName.parse(group), s.type(), s.name(name));
    }

    private Surface<?> surface(String namespace, String type) {
        String wanted = namespace + "/" + type;
        return surfaces.stream().filter(s -> s.type().equalsIgnoreCase(wanted)).findFirst().orElseThrow(() -> {
            boolean served = OWN_CONTROLLERS.contains(namespace.toLowerCase(Locale.ROOT)) || surfaces.stream().anyMatch(s -> s.provider().equalsIgnoreCase(namespace));
            return served ? new ArmException(ArmErrorCode.InvalidResourceType, "The resource type '" + type + "' could not be found in the"
                    + " namespace '" + namespace + "'.")
                    : new ArmException(ArmErrorCode.NoRegisteredProviderFound, "No registered resource provider found for the namespace '"
                    + namespace + "'.");
        });
    }
}
