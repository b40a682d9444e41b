package io.keyward.app.identity;

import io.keyward.app.base.ControlCharacters;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.serde.annotation.Serdeable;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entra ID's v2.0 token endpoint, client-credentials grant only: form {@code grant_type=client_credentials},
 * {@code client_id}, {@code client_secret}, {@code scope=<resource>/.default}. Errors use OAuth 2.0's codes and
 * Entra's AADSTS numbers, so the Azure SDK's credential classes report them as they would Entra's.
 *
 * <p>Failed attempts are limited per client id and per client address ({@link SignInThrottle}): past the limit the
 * endpoint answers 429 with {@code Retry-After}, before it looks at the secret. The client address is the last
 * entry of {@code X-Forwarded-For}, the one the platform's front end (or the local host) puts there.
 */
@Controller
@Requires(property = "keyward.identity.mode", notEquals = "entra")
class TokenController {

    /** The resources a token may be asked for, each with the one audience Keyward issues for it (its surface's). */
    private static final Map<String, String> RESOURCES = Map.of(Audiences.KEY_VAULT, Audiences.KEY_VAULT,
            Audiences.ARM, Audiences.ARM, Audiences.ARM_CLASSIC, Audiences.ARM);
    private static final String ADFS = "adfs";

    private static final Logger LOG = LoggerFactory.getLogger(TokenController.class);

    private final Directory directory;
    private final IdentityProperties properties;
    private final SignInThrottle throttle;

    TokenController(Directory directory, IdentityProperties properties, SignInThrottle throttle) {
        this.directory = directory;
        this.properties = properties;
        this.throttle = throttle;
    }

    @Post(uri = "/{tenant}/oauth2/v2.0/token", consumes = MediaType.APPLICATION_FORM_URLENCODED, produces = MediaType.APPLICATION_JSON)
    HttpResponse<?> token(@PathVariable String tenant, @Nullable @Body String body, HttpRequest<?> request) {
        return grant(tenant, body, request);
    }

    /**
     * The same grant at the ADFS-style authority {@code <authority>/adfs} (what the Azure CLI signs in at, see
     * {@code DiscoveryController#adfsConfiguration}). An ADFS authority has no tenant in its path: the client id,
     * unique across tenants, names the tenant, and an unknown one answers as a wrong secret does. Besides v2.0's
     * {@code scope}, v1.0's {@code resource} parameter names the audience.
     */
    @Post(uri = "/adfs/oauth2/token", consumes = MediaType.APPLICATION_FORM_URLENCODED, produces = MediaType.APPLICATION_JSON)
    HttpResponse<?> adfsToken(@Nullable @Body String body, HttpRequest<?> request) {
        return grant(null, body, request);
    }

    /** {@code tenant} null: the client's own tenant (ADFS). */
    private HttpResponse<?> grant(@Nullable String tenant, @Nullable String body, HttpRequest<?> request) {
        Map<String, String> form = parseForm(body);
        if (form.entrySet().stream().anyMatch(e -> ControlCharacters.in(e.getKey()) || ControlCharacters.in(e.getValue()))) {
            // before the throttle and the directory: PostgreSQL cannot store NUL, and the log line quotes the client id
            return error(HttpStatus.BAD_REQUEST, "invalid_request", 900144, "A parameter of the request body contains a control character.");
        }
        String grant = form.get("grant_type");
        if (grant == null || grant.isEmpty()) {
            return error(HttpStatus.BAD_REQUEST, "invalid_request", 900144,
                    "The request body must contain the following parameter: 'grant_type'.");
        }
        if (!grant.equals("client_credentials")) {
            return error(HttpStatus.BAD_REQUEST, "unsupported_grant_type", 70003,
                    "The app requested an unsupported grant type '" + printable(grant) + "'.");
        }
        String clientId = form.get("client_id");
        String secret = form.get("client_secret");
        if (clientId == null || clientId.isEmpty() || secret == null || secret.isEmpty()) {
            return error(HttpStatus.BAD_REQUEST, "invalid_request", 900144,
                    "The request body must contain the parameters 'client_id' and 'client_secret'.");
        }
        Optional<String> audience = audience(form.get("scope"));
        if (audience.isEmpty() && tenant == null && form.get("scope") == null) {
            audience = resource(form.get("resource"));
        }
        if (audience.isEmpty()) {
            return error(HttpStatus.BAD_REQUEST, "invalid_scope", 1002012, "The scope must be one of "
                    + RESOURCES.keySet().stream().sorted().map(r -> (r.endsWith("/") ? r : r + "/") + ".default").toList() + ".");
        }
        // the name the answers use: an ADFS answer never names the tenant it found, so it confirms no client id
        String shown = tenant == null ? ADFS : tenant;
        if (tenant == null) {
            // the throttle counts an ADFS attempt against the client's own tenant, as the same attempt at its tenant's
            // endpoint would be; an unknown client id under the ADFS name
            tenant = directory.tenantOfClient(clientId).orElse(ADFS);
        } else if (!Directory.TENANT.matcher(tenant).matches()) {
            return error(HttpStatus.BAD_REQUEST, "invalid_request", 90002, "Tenant '" + printable(tenant) + "' not found.");
        }
        String address = clientAddress(request);
        Optional<Duration> wait = throttle.refusal(tenant, clientId, address);
        if (wait.isPresent()) {
            long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
            return error(HttpStatus.TOO_MANY_REQUESTS, "invalid_client", 50053, "Too many failed sign-in attempts for client '"
                    + printable(clientId) + "' or from this address; try again in " + seconds + " seconds.")
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        }
        // Unknown client and wrong secret answer alike, so that the endpoint does not confirm client ids.
        Optional<Directory.SignedIn> client = directory.signIn(tenant, clientId, secret);
        if (client.isEmpty()) {
            int failures = throttle.failed(tenant, clientId, address);
            // never the secret; the client id only in its printable, shortened form
            LOG.info("client-credential sign-in refused: client '{}' of tenant '{}' from {} ({} failed within {})",
                    printable(clientId), tenant, address == null ? "an unknown address" : address, failures,
                    throttle.window());
            return error(HttpStatus.UNAUTHORIZED, "invalid_client", 7000215,
                    "Invalid client secret provided, or no client '" + printable(clientId) + "' in tenant '" + shown + "'.");
        }
        throttle.succeeded(tenant, clientId);
        if (!client.get().enabled()) {
            return error(HttpStatus.UNAUTHORIZED, "unauthorized_client", 7000112,
                    "Application '" + client.get().clientId() + "' is disabled.");
        }
        long seconds = properties.tokenLifetime().toSeconds();
        String token = directory.issueToken(client.get(), audience.get(), properties.tokenLifetime());
        return HttpResponse.ok(new TokenResponse("Bearer", seconds, seconds, token))
                .header("Cache-Control", "no-store").header("Pragma", "no-cache");
    }

    /** {@code https://vault.azure.net/.default} and {@code https://vault.azure.net//.default} alike (Entra's rule). */
    private static Optional<String> audience(@Nullable String scope) {
        if (scope == null) {
            return Optional.empty();
        }
        for (String s : scope.trim().split(" +")) {
            if (s.endsWith("/.default")) {
                Optional<String> match = resource(s.substring(0, s.length() - "/.default".length()));
                if (match.isPresent()) {
                    return match;
                }
            }
        }
        return Optional.empty();
    }

    /** The audience issued for a resource named as v1.0's {@code resource} parameter names it. */
    private static Optional<String> resource(@Nullable String resource) {
        return resource == null ? Optional.empty() : RESOURCES.entrySet().stream()
                .filter(r -> Audiences.same(resource, r.getKey())).map(Map.Entry::getValue).findFirst();
    }

    private static Map<String, String> parseForm(@Nullable String body) {
        Map<String, String> form = new HashMap<>();
        if (body == null) {
            return form;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (pair.isEmpty() || eq == 0) {
                continue;
            }
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                form.putIfAbsent(k, v);
            } catch (IllegalArgumentException e) {
                // a malformed %-escape: the parameter is ignored, and its absence is reported
            }
        }
        return form;
    }

    /** Echoes caller input only in a short, printable form. */
    static String printable(String s) {
        String t = s.replaceAll("[^\\x20-\\x7e]", "?");
        return t.length() > 64 ? t.substring(0, 64) + "..." : t;
    }

    /** The last X-Forwarded-For entry without its port; null when there is none. */
    @Nullable
    static String clientAddress(HttpRequest<?> request) {
        String forwarded = request.getHeaders().get("X-Forwarded-For");
        if (forwarded == null || forwarded.isBlank()) {
            return null;
        }
        String last = forwarded.substring(forwarded.lastIndexOf(',') + 1).trim();
        if (last.startsWith("[")) {
            int end = last.indexOf(']');
            return end > 0 ? last.substring(1, end) : null;
        }
        int colon = last.indexOf(':');
        String address = colon > 0 && colon == last.lastIndexOf(':') ? last.substring(0, colon) : last;
        return address.isEmpty() || address.length() > 64 ? null : printable(address);
    }

    private static MutableHttpResponse<?> error(HttpStatus status, String error, int aadsts, String description) {
        return HttpResponse.status(status).body(new TokenError(error, "AADSTS" + aadsts + ": " + description, List.of(aadsts)))
                .header("Cache-Control", "no-store");
    }

    @Serdeable
    record TokenResponse(@JsonProperty("token_type") String tokenType,
                         @JsonProperty("expires_in") long expiresIn,
                         @JsonProperty("ext_expires_in") long extExpiresIn,
                         @JsonProperty("access_token") String accessToken) {
    }

    @Serdeable
    record TokenError(String error,
                      @JsonProperty("error_description") String errorDescription,
                      @JsonProperty("error_codes") List<Integer> errorCodes) {
    }
}
