package io.keyward.app.arm;

import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.IdentityProperties;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.serde.annotation.Serdeable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ARM's cloud metadata, {@code GET /metadata/endpoints} (anonymous, as ARM serves it): what {@code az cloud register
 * --endpoint-resource-manager} and the SDKs' environment discovery read. api-version 2015-01-01 (what msrestazure, and
 * so {@code az cloud register}, asks) answers the single-cloud shape; 2019-05-01 and later the list of clouds, with
 * this one named {@value #CLOUD_NAME}.
 *
 * <p>The login endpoint is the ADFS-style authority {@code <authority>/adfs} (identity's ADFS token endpoint): MSAL
 * asks Microsoft's instance discovery about any other authority it does not know, and takes an {@code /adfs} one
 * as known to the developer. The first audience, which the CLI requests its ARM tokens for, is Azure's classic
 * {@code https://management.core.windows.net/}; Keyward's token endpoints bind it to the ARM surface.
 * {@code graphEndpoint} and {@code graphAudience} name Azure's (the CLI requires one; Keyward serves no Graph API).
 */
@Controller
class CloudMetadataController {

    static final String CLOUD_NAME = "Keyward";
    private static final String CLASSIC_VERSION = "2015-01-01";
    static final ApiVersions VERSIONS = ApiVersions.of(CLASSIC_VERSION, "2018-01-01", "2019-05-01", "2020-06-01",
            "2022-09-01");
    private static final String GRAPH = "https://graph.windows.net/";

    private final IdentityProperties identity;
    private final String vaultDnsSuffix;

    CloudMetadataController(IdentityProperties identity,
                            @Value("${keyward.vault.dns-suffix:vault.localhost}") String vaultDnsSuffix) {
        this.identity = identity;
        this.vaultDnsSuffix = vaultDnsSuffix.toLowerCase(Locale.ROOT).replaceAll("^\\.+", "");
    }

    @Get(uri = "/metadata/endpoints", produces = MediaType.APPLICATION_JSON)
    HttpResponse<?> endpoints(@Nullable @QueryValue("api-version") String apiVersion) {
        String version = VERSIONS.require(apiVersion);
        String base = identity.trimmedAuthority();
        Map<String, Object> authentication = new LinkedHashMap<>();
        authentication.put("loginEndpoint", base + "/adfs");
        authentication.put("audiences", List.of(Audiences.ARM_CLASSIC, Audiences.ARM));
        if (version.equals(CLASSIC_VERSION)) {
            return HttpResponse.ok(new Classic(base + "/", GRAPH, base + "/", authentication));
        }
        authentication.put("tenant", "adfs");
        authentication.put("identityProvider", "ADFS");
        Map<String, Object> cloud = new LinkedHashMap<>();
        cloud.put("name", CLOUD_NAME);
        cloud.put("portal", base + "/");
        cloud.put("authentication", authentication);
        cloud.put("media", base + "/");
        cloud.put("graphAudience", GRAPH);
        cloud.put("graph", GRAPH);
        cloud.put("resourceManager", base + "/");
        cloud.put("suffixes", Map.of("keyVaultDns", vaultDnsSuffix));
        return HttpResponse.ok(List.of(cloud));
    }

    /** The 2015-01-01 shape: one object, no name, no suffixes. */
    @Serdeable
    record Classic(String galleryEndpoint, String graphEndpoint, String portalEndpoint, Map<String, Object> authentication) {
    }
}
