package io.keyward.app.identity;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Map;

/**
 * Entra ID's discovery documents for Keyward's own tokens: the JWK set (public halves of the HSM signing keys,
 * the same for every tenant) and per-tenant OpenID metadata, so that any OIDC library can validate Keyward tokens.
 */
@Controller
@Requires(property = "keyward.identity.mode", notEquals = "entra")
class DiscoveryController {

    private final SigningKeys keys;
    private final IdentityProperties properties;

    DiscoveryController(SigningKeys keys, IdentityProperties properties) {
        this.keys = keys;
        this.properties = properties;
    }

    @Get(uri = "/discovery/v2.0/keys", produces = MediaType.APPLICATION_JSON)
    HttpResponse<String> keys() {
        keys.active(); // a fresh installation publishes its key before issuing its first token
        return HttpResponse.ok(keys.jwks().toString(true)).header("Cache-Control", "max-age=300");
    }

    @Get(uri = "/{tenant}/discovery/v2.0/keys", produces = MediaType.APPLICATION_JSON)
    HttpResponse<String> tenantKeys(@PathVariable String tenant) {
        return keys();
    }

    @Get(uri = "/{tenant}/v2.0/.well-known/openid-configuration", produces = MediaType.APPLICATION_JSON)
    HttpResponse<?> openidConfiguration(@PathVariable String tenant) {
        if (!Directory.TENANT.matcher(tenant).matches()) {
            return HttpResponse.badRequest();
        }
        String base = properties.trimmedAuthority() + "/" + tenant;
        return HttpResponse.ok(OpenIdConfiguration.clientCredentials(properties.issuer(tenant), null,
                base + "/oauth2/v2.0/token", base + "/discovery/v2.0/keys"));
    }

    /**
     * OpenID metadata of the ADFS-style authority {@code <authority>/adfs} (ARM's cloud metadata names it as the login
     * endpoint). MSAL requires {@code authorization_endpoint} and {@code token_endpoint} in it, and reads an ADFS
     * authority's tenant as {@code adfs} from the token endpoint's path. Only the client-credentials grant is offered:
     * the authorization endpoint answers every request with {@code unsupported_response_type}. Access tokens name
     * their client's own tenant as issuer ({@code <authority>/<tid>/v2.0}), as the tenant endpoints' tokens do.
     */
    @Get(uri = "/adfs/.well-known/openid-configuration", produces = MediaType.APPLICATION_JSON)
    HttpResponse<?> adfsConfiguration() {
        String base = properties.trimmedAuthority() + "/adfs";
        return HttpResponse.ok(OpenIdConfiguration.clientCredentials(base, base + "/oauth2/authorize",
                base + "/oauth2/token", properties.trimmedAuthority() + "/discovery/v2.0/keys"));
    }

    @Get(uri = "/adfs/oauth2/authorize", produces = MediaType.APPLICATION_JSON)
    HttpResponse<?> adfsAuthorize() {
        return HttpResponse.badRequest(Map.of("error", "unsupported_response_type", "error_description",
                "Keyward signs clients in with the client-credentials grant at the token endpoint only; it offers no"
                        + " interactive sign-in."));
    }

    /** {@code authorizationEndpoint} only where one is advertised (the ADFS authority's, which MSAL requires). */
    @Serdeable
    record OpenIdConfiguration(String issuer,
                               @Nullable @JsonProperty("authorization_endpoint") String authorizationEndpoint,
                               @JsonProperty("token_endpoint") String tokenEndpoint,
                               @JsonProperty("jwks_uri") String jwksUri,
                               @JsonProperty("grant_types_supported") List<String> grantTypes,
                               @JsonProperty("token_endpoint_auth_methods_supported") List<String> authMethods,
                               @JsonProperty("id_token_signing_alg_values_supported") List<String> signingAlgs,
                               @JsonProperty("subject_types_supported") List<String> subjectTypes,
                               @JsonProperty("response_types_supported") List<String> responseTypes) {

        static OpenIdConfiguration clientCredentials(String issuer, @Nullable String authorizationEndpoint,
                                                     String tokenEndpoint, String jwksUri) {
            return new OpenIdConfiguration(issuer, authorizationEndpoint, tokenEndpoint, jwksUri,
                    List.of("client_credentials"), List.of("client_secret_post"), List.of("RS256"), List.of("pairwise"),
                    List.of("token"));
        }
    }
}
