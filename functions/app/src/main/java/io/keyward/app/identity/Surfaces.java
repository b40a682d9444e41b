package io.keyward.app.identity;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.web.router.RouteAttributes;
import io.micronaut.web.router.UriRouteInfo;
import jakarta.inject.Singleton;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which API a request is for, decided as Azure decides it. A host name picks a surface: vault host names
 * ({@code {vault}.<keyward.vault.dns-suffix>}) serve only Key Vault's data plane, the management host names
 * ({@code keyward.identity.management-hosts}, the token authority's host, and on Azure the Function App's own
 * {@code WEBSITE_HOSTNAME}) serve ARM, identity and the Log Analytics data plane, any other name serves nothing.
 * A route's surface, and with it the only audience its tokens may carry, is fixed by the route it matched: the Host
 * header never chooses an audience, it only decides whether the route is served there at all.
 */
@Singleton
class Surfaces {

    enum Surface {
        KEY_VAULT(Audiences.KEY_VAULT), MANAGEMENT(Audiences.ARM);

        private final String audience;

        Surface(String audience) {
            this.audience = audience;
        }

        String audience() {
            return audience;
        }
    }

    /**
     * What a matched route needs: its surface and whether it is anonymous. The liveness ping has no surface: it is
     * answered on every host name, since probes call whatever name they were given and it says nothing.
     */
    record Route(@Nullable Surface surface, boolean anonymous) {
        static final Route LIVENESS = new Route(null, true);
    }

    /**
     * Route templates (as the controllers declare them) that need no token: Entra's discovery and token endpoint,
     * their ADFS-style forms, and ARM's cloud metadata.
     */
    private static final Set<String> ANONYMOUS = Set.of("/discovery/v2.0/keys", "/{tenant}/discovery/v2.0/keys",
            "/{tenant}/v2.0/.well-known/openid-configuration", "/{tenant}/oauth2/v2.0/token",
            "/adfs/.well-known/openid-configuration", "/adfs/oauth2/token",
            "/adfs/oauth2/authorize", "/metadata/endpoints");
    private static final String PING = "/health/ping";
    private static final Pattern HOST = Pattern.compile("(\\[[0-9a-f:.]+]|[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*\\.?)(?::[0-9]{1,5})?");

    private final String vaultSuffix;
    private final Set<String> managementHosts;

    Surfaces(IdentityProperties properties, @Value("${keyward.vault.dns-suffix:vault.localhost}") String vaultDnsSuffix) {
        this.vaultSuffix = "." + vaultDnsSuffix.toLowerCase(Locale.ROOT).replaceAll("^\\.+", "");
        Set<String> hosts = new LinkedHashSet<>();
        properties.managementHosts().forEach(h -> hosts.add(hostName(h)));
        hosts.add(hostName(URI.create(properties.trimmedAuthority()).getAuthority()));
        String azure = System.getenv("WEBSITE_HOSTNAME");
        if (azure != null && !azure.isBlank()) {
            hosts.add(hostName(azure));
        }
        hosts.remove("");
        this.managementHosts = Set.copyOf(hosts);
    }

    /** The surface a host name serves; empty for a name that is neither a vault's nor a management host's. */
    Optional<Surface> ofHost(String host) {
        String name = hostName(host);
        if (name.endsWith(vaultSuffix) && name.length() > vaultSuffix.length()
                && name.lastIndexOf('.', name.length() - vaultSuffix.length() - 1) < 0) {
            return Optional.of(Surface.KEY_VAULT);
        }
        return managementHosts.contains(name) ? Optional.of(Surface.MANAGEMENT) : Optional.empty();
    }

    /** The route the request matched; empty when it matched none (a 404 or 405 to be). */
    Optional<Route> route(HttpRequest<?> request) {
        return RouteAttributes.getRouteInfo(request)
                .filter(UriRouteInfo.class::isInstance)
                .map(r -> of(((UriRouteInfo<?, ?>) r).getUriMatchTemplate().toString()));
    }

    static Route of(String template) {
        if (template.equals(PING) || template.equals(PING + "/")) {
            return Route.LIVENESS;
        }
        if (ANONYMOUS.contains(template)) {
            return new Route(Surface.MANAGEMENT, true);
        }
        boolean keyVault = List.of("/keys", "/deletedkeys").stream()
                .anyMatch(p -> template.equals(p) || template.startsWith(p + "/") || template.startsWith(p + "{"));
        return new Route(keyVault ? Surface.KEY_VAULT : Surface.MANAGEMENT, false);
    }

    Set<String> managementHosts() {
        return managementHosts;
    }

    /** The Host header the request was sent to (the URI's authority when it has none; an empty one names no host). */
    static String host(HttpRequest<?> request) {
        String h = request.getHeaders().get(HttpHeaders.HOST);
        if (h == null) {
            h = request.getUri().getAuthority();
        }
        return h == null ? "" : h;
    }

    /**
     * Lower case, without port or a trailing dot; an IPv6 literal keeps its brackets. Anything that is not a host
     * name (user info, a path, spaces: {@code 127.0.0.1@x.vault.localhost}) is no host at all, so it serves nothing.
     */
    static String hostName(@Nullable String host) {
        if (host == null) {
            return "";
        }
        // A request asks two to three times (the host's header check, the filters, the controller), almost always for
        // the host of the request before it: the last answer is kept (the match was ~1 % of an unwrapkey's CPU).
        Named last = lastNamed;
        if (last.host().equals(host)) {
            return last.name();
        }
        Matcher m = HOST.matcher(host.trim().toLowerCase(Locale.ROOT));
        String name = !m.matches() ? "" : m.group(1).endsWith(".") ? m.group(1).substring(0, m.group(1).length() - 1) : m.group(1);
        lastNamed = new Named(host, name);
        return name;
    }

    private record Named(String host, String name) {
    }

    private static volatile Named lastNamed = new Named("", "");
}
