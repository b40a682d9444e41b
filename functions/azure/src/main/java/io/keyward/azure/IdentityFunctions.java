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
 * Keyward's token authority (local identity mode): Entra ID's v2.0 token endpoint and discovery documents, and
 * operator-only client registration, update and deletion. Anonymous at the Functions level: the token endpoint
 * checks client secrets, the discovery documents are public, and the client calls are checked by the app's bearer
 * authentication.
 */
public class IdentityFunctions extends KeywardHttpFunction {

    @FunctionName("Identity_Token")
    public HttpResponseMessage token(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "{tenant}/oauth2/v2.0/token",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Identity_Keys")
    public HttpResponseMessage keys(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "discovery/v2.0/keys",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Identity_TenantKeys")
    public HttpResponseMessage tenantKeys(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "{tenant}/discovery/v2.0/keys",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Identity_OpenIdConfiguration")
    public HttpResponseMessage openIdConfiguration(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "{tenant}/v2.0/.well-known/openid-configuration",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    /** The ADFS-style authority's token endpoint (what the Azure CLI signs in at; the client id names the tenant). */
    @FunctionName("Identity_AdfsToken")
    public HttpResponseMessage adfsToken(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "adfs/oauth2/token",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Identity_AdfsOpenIdConfiguration")
    public HttpResponseMessage adfsOpenIdConfiguration(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "adfs/.well-known/openid-configuration",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    /** Advertised by the ADFS metadata, as OpenID requires; answers unsupported_response_type (no interactive sign-in). */
    @FunctionName("Identity_AdfsAuthorize")
    public HttpResponseMessage adfsAuthorize(
            @HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "adfs/oauth2/authorize",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    @FunctionName("Identity_RegisterClient")
    public HttpResponseMessage registerClient(
            @HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "identity/tenants/{tenant}/clients",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    /** Deletes a client (operators only); the tokens it holds are refused from their next use. */
    @FunctionName("Identity_DeleteClient")
    public HttpResponseMessage deleteClient(
            @HttpTrigger(name = "req", methods = {HttpMethod.DELETE}, route = "identity/tenants/{tenant}/clients/{clientId}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }

    /** Enables or disables a client ({@code {"accountEnabled": false}}, operators only). */
    @FunctionName("Identity_UpdateClient")
    public HttpResponseMessage updateClient(
            @HttpTrigger(name = "req", methods = {HttpMethod.PATCH}, route = "identity/tenants/{tenant}/clients/{clientId}",
                    authLevel = AuthorizationLevel.ANONYMOUS) HttpRequestMessage<Optional<String>> request,
            ExecutionContext context) {
        return route(request, context);
    }
}
