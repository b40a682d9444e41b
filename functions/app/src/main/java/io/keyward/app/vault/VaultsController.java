package io.keyward.app.vault;

import io.keyward.app.arm.PageSize;
import io.keyward.app.arm.ApiVersions;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmRequestContent;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.keyward.app.identity.Principal;
import io.micronaut.context.annotation.Value;
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
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * ARM {@code Microsoft.KeyVault/vaults}: one method per operationId of the REST spec. Every call names an
 * api-version; bodies are read as text through {@link ArmRequestContent} so that bad JSON gets ARM's envelope.
 * Vault operations complete synchronously: PUT answers 200/201 with {@code provisioningState = Succeeded}, which
 * ARM clients accept as a finished long-running operation.
 */
@Controller
@Consumes({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.ALL})
class VaultsController {

    static final ApiVersions API_VERSIONS = ApiVersions.of("2019-09-01", "2021-10-01", "2022-07-01", "2022-11-01", "2023-02-01",
            "2023-07-01", "2024-11-01", "2025-05-01", "2026-02-01");
    /** Vaults_List's api-version: the spec pins the subscription resources list to 2015-11-01. */
    static final ApiVersions RESOURCES_API_VERSIONS = ApiVersions.of("2015-11-01");
    private static final Pattern VAULTS_FILTER = Pattern.compile(
            "^\\s*resourceType\\s+eq\\s+'Microsoft\\.KeyVault/vaults'\\s*$", Pattern.CASE_INSENSITIVE);
    static final int DEFAULT_PAGE_SIZE = 100;
    static final int MAX_PAGE_SIZE = 1000;
    private static final String VAULT = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults/{vaultName}";
    private static final String DELETED = "/subscriptions/{subscriptionId}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{vaultName}";

    private final VaultCatalog vaults;
    private final ArmRequestContent content;
    private final String uriTemplate;

    VaultsController(VaultCatalog vaults, ArmRequestContent content,
                     @Value("${keyward.vault.uri-template}") String uriTemplate) {
        this.vaults = vaults;
        this.content = content;
        this.uriTemplate = uriTemplate;
    }

    @Put(VAULT)
    HttpResponse<VaultWire.VaultOut> createOrUpdate(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                    @PathVariable String resourceGroupName, @PathVariable String vaultName,
                                                    @Nullable @Body String body) {
        apiVersion(request);
        SubscriptionId sub = SubscriptionId.parse(subscriptionId);
        ResourceGroupName group = ResourceGroupName.parse(resourceGroupName);
        VaultName name = VaultName.parse(vaultName);
        VaultRequest wanted = VaultWire.request(content.read(body, VaultWire.VaultBody.class), false);
        VaultCatalog.Saved saved = vaults.createOrUpdate(sub, group, name, wanted, caller);
        return HttpResponse.<VaultWire.VaultOut>status(saved.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(VaultWire.out(saved.vault(), vaultUri(request, saved.vault().vault().name())));
    }

    @Get(VAULT)
    VaultWire.VaultOut get(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String vaultName) {
        apiVersion(request);
        StoredVault v = vaults.get(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                VaultName.parse(vaultName), caller);
        return VaultWire.out(v, vaultUri(request, v.vault().name()));
    }

    @Patch(VAULT)
    VaultWire.VaultOut update(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                              @PathVariable String resourceGroupName, @PathVariable String vaultName, @Nullable @Body String body) {
        apiVersion(request);
        SubscriptionId sub = SubscriptionId.parse(subscriptionId);
        ResourceGroupName group = ResourceGroupName.parse(resourceGroupName);
        VaultName name = VaultName.parse(vaultName);
        VaultRequest changes = VaultWire.request(content.read(body, VaultWire.VaultBody.class), true);
        StoredVault v = vaults.update(sub, group, name, changes, caller);
        return VaultWire.out(v, vaultUri(request, v.vault().name()));
    }

    @Delete(VAULT)
    HttpResponse<?> delete(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                           @PathVariable String resourceGroupName, @PathVariable String vaultName) {
        apiVersion(request);
        boolean existed = vaults.delete(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                VaultName.parse(vaultName), caller);
        return existed ? HttpResponse.ok() : HttpResponse.noContent();
    }

    @Get("/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.KeyVault/vaults")
    VaultWire.VaultList listByResourceGroup(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                            @PathVariable String resourceGroupName) {
        apiVersion(request);
        VaultPage page = vaults.list(SubscriptionId.parse(subscriptionId), ResourceGroupName.parse(resourceGroupName),
                top(request), skipToken(request), caller);
        return vaultList(request, page);
    }

    @Get("/subscriptions/{subscriptionId}/providers/Microsoft.KeyVault/vaults")
    VaultWire.VaultList listBySubscription(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId) {
        apiVersion(request);
        VaultPage page = vaults.list(SubscriptionId.parse(subscriptionId), null, top(request), skipToken(request), caller);
        return vaultList(request, page);
    }

    /**
     * Vaults_List: the subscription's {@code resources} list with the spec's one {@code $filter} (resourceType eq
     * 'Microsoft.KeyVault/vaults') and its one api-version (2015-11-01), answered as generic ARM Resource entries;
     * Keyward lists no other resource types there, so any other filter is refused naming it.
     */
    @Get("/subscriptions/{subscriptionId}/resources")
    VaultWire.ResourceList list(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId) {
        RESOURCES_API_VERSIONS.require(request.getParameters().get("api-version"));
        String filter = request.getParameters().get("$filter");
        if (filter == null || !VAULTS_FILTER.matcher(filter).matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The $filter must be \"resourceType eq 'Microsoft.KeyVault/vaults'\":"
                    + " Keyward lists no other resources here.", "$filter");
        }
        VaultPage page = vaults.list(SubscriptionId.parse(subscriptionId), null, top(request), skipToken(request), caller);
        String next = nextLink(request, page);
        return new VaultWire.ResourceList(page.items().stream().map(VaultWire::resource).toList(),
                next == null ? null : next + "&%24filter=" + enc(filter));
    }

    @Put(VAULT + "/accessPolicies/{operationKind}")
    VaultWire.AccessPolicyBody updateAccessPolicy(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                  @PathVariable String resourceGroupName, @PathVariable String vaultName,
                                                  @PathVariable String operationKind, @Nullable @Body String body) {
        apiVersion(request);
        SubscriptionId sub = SubscriptionId.parse(subscriptionId);
        ResourceGroupName group = ResourceGroupName.parse(resourceGroupName);
        VaultName name = VaultName.parse(vaultName);
        AccessPolicyOperation operation = AccessPolicyOperation.parse(operationKind);
        VaultWire.AccessPolicyBody parsed = content.read(body, VaultWire.AccessPolicyBody.class);
        if (parsed.properties() == null || parsed.properties().accessPolicies() == null) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'properties.accessPolicies' property is required.",
                    "properties.accessPolicies");
        }
        List<AccessPolicy> given = VaultWire.policies(parsed.properties().accessPolicies(), "properties.accessPolicies");
        StoredVault v = vaults.updateAccessPolicy(sub, group, name, operation, given, caller);
        // Azure echoes the policies of the request, under the id of the access policy child resource.
        return new VaultWire.AccessPolicyBody(v.vault().id() + "/accessPolicies/" + operation.wireName(), operation.wireName(),
                Vault.TYPE + "/accessPolicies", v.vault().location(),
                new VaultWire.AccessPolicyProperties(VaultWire.policies(given)));
    }

    @Get("/subscriptions/{subscriptionId}/providers/Microsoft.KeyVault/deletedVaults")
    VaultWire.DeletedVaultList listDeleted(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId) {
        apiVersion(request);
        VaultPage page = vaults.listDeleted(SubscriptionId.parse(subscriptionId), top(request), skipToken(request), caller);
        return new VaultWire.DeletedVaultList(page.items().stream().map(VaultWire::deletedOut).toList(), nextLink(request, page));
    }

    @Get(DELETED)
    VaultWire.DeletedVaultOut getDeleted(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                         @PathVariable String location, @PathVariable String vaultName) {
        apiVersion(request);
        return VaultWire.deletedOut(vaults.getDeleted(SubscriptionId.parse(subscriptionId), location, VaultName.parse(vaultName), caller));
    }

    @Post(DELETED + "/purge")
    HttpResponse<?> purgeDeleted(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                 @PathVariable String location, @PathVariable String vaultName) {
        apiVersion(request);
        vaults.purge(SubscriptionId.parse(subscriptionId), location, VaultName.parse(vaultName), caller);
        return HttpResponse.ok();
    }

    @Post("/subscriptions/{subscriptionId}/providers/Microsoft.KeyVault/checkNameAvailability")
    VaultWire.NameCheckResult checkNameAvailability(HttpRequest<?> request, Principal caller, @PathVariable String subscriptionId,
                                                    @Nullable @Body String body) {
        apiVersion(request);
        SubscriptionId.parse(subscriptionId);
        VaultWire.NameCheck check = content.read(body, VaultWire.NameCheck.class);
        if (check.type() == null || !check.type().equalsIgnoreCase(Vault.TYPE)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'type' must be '" + Vault.TYPE + "'.", "type");
        }
        return vaults.nameUnavailableReason(check.name())
                .map(reason -> new VaultWire.NameCheckResult(false, reason, reason.equals("AlreadyExists")
                        ? "The vault name '" + check.name() + "' is already in use."
                        : "Vault name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a"
                                + " letter or digit, and not contain consecutive hyphens."))
                .orElseGet(() -> new VaultWire.NameCheckResult(true, null, null));
    }

    // --- helpers

    private static void apiVersion(HttpRequest<?> request) {
        API_VERSIONS.require(request.getParameters().get("api-version"));
    }

    private static int top(HttpRequest<?> request) {
        return PageSize.of(request, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    }

    /** Page position: the last name of the previous page, base64url so it is opaque to clients and safe in a URL. */
    @Nullable
    private static String skipToken(HttpRequest<?> request) {
        String token = request.getParameters().get("$skiptoken");
        if (token == null || token.isEmpty()) {
            return null;
        }
        try {
            String name = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (VaultName.valid(name)) {
                return name;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new ArmException(ArmErrorCode.InvalidParameter, "The $skiptoken '" + token + "' is invalid; use the nextLink of the"
                + " previous page as it is.", "$skiptoken");
    }

    private VaultWire.VaultList vaultList(HttpRequest<?> request, VaultPage page) {
        return new VaultWire.VaultList(page.items().stream().map(v -> VaultWire.out(v, vaultUri(request, v.vault().name()))).toList(),
                nextLink(request, page));
    }

    @Nullable
    private static String nextLink(HttpRequest<?> request, VaultPage page) {
        if (page.lastName() == null) {
            return null;
        }
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(page.lastName().getBytes(StandardCharsets.UTF_8));
        return origin(request) + request.getPath() + "?api-version=" + enc(request.getParameters().get("api-version"))
                + "&%24top=" + top(request) + "&%24skiptoken=" + token;
    }

    /**
     * {@code keyward.vault.uri-template} with {@code {name}} and {@code {port}}; the port is the one this management
     * request came in on, so a local host on any port hands out vault URIs that reach it.
     */
    private String vaultUri(HttpRequest<?> request, String vaultName) {
        int port = URI.create(origin(request)).getPort();
        return uriTemplate.replace("{name}", vaultName).replace("{port}", Integer.toString(port < 0 ? 443 : port));
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
