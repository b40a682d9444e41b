package io.keyward.app.managedidentity;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmRequestContent;
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
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ARM {@code Microsoft.ManagedIdentity/userAssignedIdentities} (azure-rest-api-specs, msi resource-manager, 2018-11-30 to
 * 2024-11-30 {@code ManagedIdentity.json}: UserAssignedIdentities_CreateOrUpdate, _Update, _Get, _Delete,
 * _ListByResourceGroup, _ListBySubscription; Identity, UserAssignedIdentityProperties, IdentityUpdate).
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.ALL})
class UserAssignedIdentitiesController {

    /** 2023-01-31 is what the current SDKs send; 2018-11-30 what older ones do. */
    static final ApiVersions API_VERSIONS = ApiVersions.of("2018-11-30", "2021-09-30-preview", "2022-01-31-preview", "2023-01-31",
            "2023-07-31-preview", "2024-11-30");
    private static final String PROVIDER = "/providers/" + UserAssignedIdentity.TYPE;
    private static final String GROUP = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}" + PROVIDER;
    private static final String IDENTITY = GROUP + "/{resourceName}";
    /** Read-only members a client may echo back; anything else it sets (isolationScope) Keyward does not apply. */
    private static final Set<String> READ_ONLY = Set.of("tenantId", "principalId", "clientId");

    private final UserAssignedIdentities identities;
    private final ArmRequestContent content;

    UserAssignedIdentitiesController(UserAssignedIdentities identities, ArmRequestContent content) {
        this.identities = identities;
        this.content = content;
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record IdentityIn(@Nullable String location, @Nullable Map<String, String> tags, @Nullable Map<String, Object> properties) {
    }

    @Serdeable
    record Properties(String tenantId, String principalId, String clientId) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record IdentityOut(String id, String name, String type, String location, Map<String, String> tags, Properties properties) {
    }

    @Serdeable
    record Listed(List<IdentityOut> value) {
    }

    @Put(IDENTITY)
    HttpResponse<IdentityOut> createOrUpdate(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                             @PathVariable String resourceGroupName, @PathVariable String resourceName,
                                             @Nullable @Body String body) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        IdentityIn in = in(body);
        UserAssignedIdentities.Saved saved = identities.createOrUpdate(SubscriptionId.parse(subscriptionId),
                ResourceGroupName.parse(resourceGroupName), resourceName, in.location(), in.tags(), caller);
        return HttpResponse.status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK).body(out(saved.identity()));
    }

    @Patch(IDENTITY)
    IdentityOut update(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId, @PathVariable String resourceGroupName,
                       @PathVariable String resourceName, @Nullable @Body String body) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        IdentityIn in = in(body);
        if (in.location() != null) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The location of an identity cannot be changed: PATCH takes tags only.",
                    "location");
        }
        return out(identities.update(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName), resourceName, in.tags(),
                caller));
    }

    @Get(IDENTITY)
    IdentityOut get(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId, @PathVariable String resourceGroupName,
                    @PathVariable String resourceName) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        return out(identities.get(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName), resourceName, caller));
    }

    @Delete(IDENTITY)
    HttpResponse<?> delete(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String resourceName) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        return identities.delete(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName), resourceName, caller)
                ? HttpResponse.ok() : HttpResponse.noContent();
    }

    @Get(GROUP)
    Listed listByResourceGroup(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                               @PathVariable String resourceGroupName) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        return new Listed(identities.list(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName), caller).stream()
                .map(UserAssignedIdentitiesController::out).toList());
    }

    @Get("/subscriptions/{subscriptionId}" + PROVIDER)
    Listed listBySubscription(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
        return new Listed(identities.list(SubscriptionId.parse(subscriptionId), null, caller).stream()
                .map(UserAssignedIdentitiesController::out).toList());
    }

    private IdentityIn in(@Nullable String body) {
        IdentityIn in = body == null || body.isBlank() ? new IdentityIn(null, null, null) : content.read(body, IdentityIn.class);
        if (in.properties() != null) {
            for (Map.Entry<String, Object> e : in.properties().entrySet()) {
                if (!READ_ONLY.contains(e.getKey()) && e.getValue() != null && !"None".equals(e.getValue())) {
                    throw new ArmException(ArmErrorCode.InvalidParameter, "The property 'properties." + e.getKey() + "' is not supported by"
                            + " Keyward's user-assigned identities.", "properties." + e.getKey());
                }
            }
        }
        return in;
    }

    static IdentityOut out(UserAssignedIdentity u) {
        return new IdentityOut(u.id().toString(), u.id().name(), UserAssignedIdentity.TYPE, u.location(), u.tags(),
                new Properties(u.tenantId(), u.principalId().toString(), u.clientId().toString()));
    }
}
