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
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer authentication in front of every route but the anonymous ones (liveness ping, token endpoint, discovery). The
 * audience a token needs follows the host it was sent to: a vault host ({@code name.<keyward.vault.dns-suffix>})
 * needs Key Vault's, anything else ARM's. A validated caller is left on the request for {@link PrincipalBinder}.
 *
 * <p>Challenges follow each API's own shape, which the Azure SDKs parse: Key Vault's names the vault's tenant and
 * the resource; ARM's names the authorization URI and comes with ARM's error envelope.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
class AuthenticationFilter implements Ordered {

    static final String PRINCIPAL = "keyward.identity.principal";
    static final String CLAIMS = "keyward.identity.claims";
    private static final Logger LOG = LoggerFactory.getLogger(AuthenticationFilter.class);
    private static final List<Pattern> ANONYMOUS = List.of(
            // Liveness only: it says "the process answers" and nothing else, and probes cannot carry tokens.
            // Deep health (/health/hsm) names the token and its model, so it authenticates like the rest.
            Pattern.compile("/health/ping/?"),
            Pattern.compile("(/[^/]+)?/discovery/v2\\.0/keys/?"),
            Pattern.compile("/[^/]+/v2\\.0/\\.well-known/openid-configuration/?"),
            Pattern.compile("/[^/]+/oauth2/v2\\.0/token/?"));

    private final AccessTokenValidator validator;
    private final IdentityService identities;
    private final IdentityProperties properties;
    private final Optional<VaultTenantLookup> vaults;
    private final String vaultSuffix;

    AuthenticationFilter(AccessTokenValidator validator, IdentityService identities, IdentityProperties properties,
                         Optional<VaultTenantLookup> vaults,
                         @Value("${keyward.vault.dns-suffix:vault.localhost}") String vaultDnsSuffix) {
        this.validator = validator;
        this.identities = identities;
        this.properties = properties;
        this.vaults = vaults;
        this.vaultSuffix = "." + vaultDnsSuffix.toLowerCase(Locale.ROOT).replaceAll("^\\.+", "");
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.order();
    }

    @RequestFilter
    @Nullable
    HttpResponse<?> authenticate(HttpRequest<?> request) {
        String path = request.getPath();
        if (ANONYMOUS.stream().anyMatch(p -> p.matcher(path).matches())) {
            return null;
        }
        String host = host(request);
        boolean vaultHost = isVaultHost(host);
        String audience = vaultHost ? Audiences.KEY_VAULT : Audiences.ARM;
        Optional<String> token = bearer(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
        if (token.isEmpty()) {
            return vaultHost ? vaultChallenge(host, "AKV10000: Request is missing a Bearer or PoP token.")
                    : armChallenge("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", false);
        }
        AccessTokenValidator.Result result = validator.validate(token.get(), audience);
        if (result instanceof AccessTokenValidator.Result.Invalid invalid) {
            // The reason is about the token's shape or claims; the token itself is never logged.
            LOG.info("rejected bearer token for {} {}: {}", request.getMethod(), path, invalid.reason());
            return vaultHost ? vaultChallenge(host, "AKV10032: Invalid issuer, audience, signature or lifetime.")
                    : armChallenge("InvalidAuthenticationToken", "The access token is invalid.", true);
        }
        AccessTokenValidator.Result.Valid valid = (AccessTokenValidator.Result.Valid) result;
        Principal principal = identities.findPrincipal(valid.tenantId(), valid.objectId())
                .orElseGet(() -> new Principal(valid.tenantId(), valid.objectId(), typeOf(valid), null));
        request.setAttribute(PRINCIPAL, principal);
        request.setAttribute(CLAIMS, valid.claims());
        return null;
    }

    boolean isVaultHost(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        int colon = name.lastIndexOf(':');
        if (colon > 0 && name.indexOf(']') < colon) {
            name = name.substring(0, colon);
        }
        return name.endsWith(vaultSuffix) && name.length() > vaultSuffix.length();
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

    private static String host(HttpRequest<?> request) {
        String h = request.getHeaders().get(HttpHeaders.HOST);
        if (h == null || h.isBlank()) {
            h = request.getUri().getAuthority();
        }
        return h == null ? "" : h;
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
