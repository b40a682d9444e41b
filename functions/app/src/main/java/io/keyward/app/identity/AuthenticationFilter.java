package io.keyward.app.identity;

import io.keyward.app.base.ErrorEnvelope;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves each route only on its surface's host names and authenticates its caller with the one audience the route
 * accepts ({@link Surfaces}): Key Vault's data plane on vault hosts with Key Vault tokens, everything else on the
 * management hosts with ARM tokens. A route asked for on another kind of host answers that host's 404 envelope; a
 * token of another audience is 401 with the route's challenge. Anonymous: the liveness ping (any host) and Entra's
 * token endpoint and discovery documents (management hosts). A validated caller whose principal still exists and is
 * enabled is left on the request for {@link PrincipalBinder}.
 *
 * <p>Challenges follow each API's own shape, which the Azure SDKs parse: Key Vault's names the vault's tenant and
 * the resource; ARM's names the authorization URI and comes with ARM's error envelope.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
class AuthenticationFilter implements Ordered {

    static final String PRINCIPAL = "keyward.identity.principal";
    static final String CLAIMS = "keyward.identity.claims";
    private static final Logger LOG = LoggerFactory.getLogger(AuthenticationFilter.class);

    private final AccessTokenValidator validator;
    private final Directory directory;
    private final IdentityProperties properties;
    private final Optional<VaultTenantLookup> vaults;
    private final Surfaces surfaces;

    AuthenticationFilter(AccessTokenValidator validator, Directory directory, IdentityProperties properties,
                         Optional<VaultTenantLookup> vaults, Surfaces surfaces) {
        this.validator = validator;
        this.directory = directory;
        this.properties = properties;
        this.vaults = vaults;
        this.surfaces = surfaces;
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.order();
    }

    @RequestFilter
    @Nullable
    HttpResponse<?> authenticate(HttpRequest<?> request) {
        return authenticate(request, surfaces.route(request));
    }

    /** The same decision for {@code route}, known to the caller (a front end that matched the function's route itself). */
    @Nullable
    HttpResponse<?> authenticate(HttpRequest<?> request, Optional<Surfaces.Route> route) {
        if (route.isPresent() && route.get().surface() == null) {
            return null; // liveness
        }
        String host = Surfaces.host(request);
        Optional<Surfaces.Surface> hostSurface = surfaces.ofHost(host);
        // A request that matched no route is held to its host's surface: a vault host 404s at once, a management
        // host still wants an ARM token first, so that unknown paths tell nothing to callers without one.
        Surfaces.Surface surface = route.map(Surfaces.Route::surface).orElse(hostSurface.orElse(null));
        if (surface == null || hostSurface.isEmpty() || hostSurface.get() != surface) {
            return notServedHere(hostSurface.orElse(Surfaces.Surface.MANAGEMENT));
        }
        if (route.isPresent() && route.get().anonymous()) {
            return null;
        }
        boolean keyVault = surface == Surfaces.Surface.KEY_VAULT;
        Optional<String> token = bearer(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
        if (token.isEmpty()) {
            return keyVault ? vaultChallenge(host, "AKV10000: Request is missing a Bearer or PoP token.")
                    : armChallenge("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", false);
        }
        AccessTokenValidator.Result result = validator.validate(token.get(), surface.audience());
        Optional<Principal> principal = Optional.empty();
        if (result instanceof AccessTokenValidator.Result.Valid valid) {
            principal = principal(valid);
            if (principal.isEmpty()) {
                result = new AccessTokenValidator.Result.Invalid("the token's principal was deleted or is disabled");
            }
        }
        if (result instanceof AccessTokenValidator.Result.Invalid invalid) {
            // The reason is about the token's shape or claims; the token itself is never logged.
            LOG.info("rejected bearer token for {} {}: {}", request.getMethod(), request.getPath(), invalid.reason());
            return keyVault ? vaultChallenge(host, "AKV10032: Invalid issuer, audience, signature or lifetime.")
                    : armChallenge("InvalidAuthenticationToken", "The access token is invalid.", true);
        }
        request.setAttribute(PRINCIPAL, principal.get());
        request.setAttribute(CLAIMS, ((AccessTokenValidator.Result.Valid) result).claims());
        return null;
    }

    /**
     * Keyward's own tokens name principals it stores: one deleted or disabled since is refused. Entra's name
     * principals Keyward never stores, and Entra stops issuing to deleted ones itself.
     */
    private Optional<Principal> principal(AccessTokenValidator.Result.Valid valid) {
        if (properties.entra()) {
            return Optional.of(directory.findPrincipal(valid.tenantId(), valid.objectId())
                    .orElseGet(() -> new Principal(valid.tenantId(), valid.objectId(), typeOf(valid), null)));
        }
        return directory.activePrincipal(valid.tenantId(), valid.objectId());
    }

    private static MutableHttpResponse<?> notServedHere(Surfaces.Surface hostSurface) {
        String message = hostSurface == Surfaces.Surface.KEY_VAULT
                ? "The requested path is not part of the Key Vault API; vault host names serve only keys and deletedkeys."
                : "The requested path is not served on this host name.";
        return HttpResponse.status(HttpStatus.NOT_FOUND).body(ErrorEnvelope.of("NotFound", message));
    }

    private MutableHttpResponse<?> vaultChallenge(String host, String message) {
        String tenant = vaults.flatMap(v -> v.tenantOfVaultHost(host)).orElse(properties.defaultTenant());
        return HttpResponse.status(HttpStatus.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer authorization=\"" + properties.trimmedAuthority() + "/" + tenant
                        + "\", resource=\"" + Audiences.KEY_VAULT + "\"")
                .body(ErrorEnvelope.of("Unauthorized", message));
    }

    private MutableHttpResponse<?> armChallenge(String code, String message, boolean invalidToken) {
        String challenge = "Bearer authorization_uri=\"" + properties.trimmedAuthority() + "/" + properties.defaultTenant()
                + "\", error=\"invalid_token\"" + (invalidToken ? ", error_description=\"" + message + "\"" : "");
        return HttpResponse.status(HttpStatus.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, challenge)
                .body(ErrorEnvelope.of(code, message));
    }

    private static Optional<String> bearer(@Nullable String header) {
        if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }

    private static PrincipalType typeOf(AccessTokenValidator.Result.Valid valid) {
        Object idtyp = valid.claims().getClaim("idtyp");
        if ("user".equals(idtyp)) {
            return PrincipalType.USER;
        }
        return valid.claims().getClaim("xms_mirid") != null ? PrincipalType.MANAGED_IDENTITY : PrincipalType.SERVICE_PRINCIPAL;
    }
}
