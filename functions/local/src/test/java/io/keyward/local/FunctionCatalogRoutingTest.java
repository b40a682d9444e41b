package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpRequestMessage;
import com.microsoft.azure.functions.annotation.FunctionName;
import com.microsoft.azure.functions.annotation.HttpTrigger;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The catalog's route lookup tries only the routes a path's first segment can match; it must pick exactly what
 * trying every route in order of specificity picks.
 */
class FunctionCatalogRoutingTest {

    @SuppressWarnings("unused")
    public static class Routes {
        @FunctionName("Unwrap")
        public Object unwrap(@HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "keys/{name}/{version}/unwrapkey") HttpRequestMessage<Optional<String>> r) { return null; }
        @FunctionName("Restore")
        public Object restore(@HttpTrigger(name = "req", methods = {HttpMethod.POST}, route = "keys/restore") HttpRequestMessage<Optional<String>> r) { return null; }
        @FunctionName("GetKey")
        public Object getKey(@HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "keys/{name}/{version?}") HttpRequestMessage<Optional<String>> r) { return null; }
        @FunctionName("TenantKeys")
        public Object tenantKeys(@HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "{tenant}/discovery/v2.0/keys") HttpRequestMessage<Optional<String>> r) { return null; }
        @FunctionName("Vault")
        public Object vault(@HttpTrigger(name = "req", methods = {HttpMethod.GET, HttpMethod.PUT}, route = "Subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.KeyVault/vaults/{v}") HttpRequestMessage<Optional<String>> r) { return null; }
        @FunctionName("Ping")
        public Object ping(@HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "health/ping") HttpRequestMessage<Optional<String>> r) { return null; }
        @FunctionName("Optional")
        public Object optional(@HttpTrigger(name = "req", methods = {HttpMethod.GET}, route = "{which?}") HttpRequestMessage<Optional<String>> r) { return null; }
        @FunctionName("Unmatched")
        public Object unmatched(@HttpTrigger(name = "req", route = "{*path}") HttpRequestMessage<Optional<String>> r) { return null; }
    }

    @Test
    void picksWhatTryingEveryRouteInOrderPicks() {
        FunctionCatalog catalog = FunctionCatalog.of(List.of(Routes.class), "");
        List<String> paths = List.of("/", "", "/keys", "/KEYS/k1/v1/UnwrapKey", "/keys/k1/v1/unwrapkey/", "/keys/restore",
                "/Keys/Restore", "/keys/k1", "/keys/k1/", "/keys/discovery/v2.0/keys", "/t1/discovery/v2.0/keys",
                "/subscriptions/s/resourcegroups/g/providers/microsoft.keyvault/vaults/v", "/SUBSCRIPTIONS/s",
                "/health/ping", "/health", "/nothing/here", "/x", "/\u212Aeys/k1", "/ke%79s/k1", "/keys/a/b/c/d");
        for (String path : paths) {
            for (HttpMethod m : new HttpMethod[] {HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE}) {
                FunctionCatalog.HttpFunction everyRoute = catalog.http().stream()
                        .filter(f -> f.route().matches(path) && f.allows(m)).findFirst().orElse(null);
                assertThat(catalog.route(path, m)).as("%s %s", m, path).isSameAs(everyRoute);
                assertThat(catalog.routesFor(path)).as(path)
                        .isEqualTo(catalog.http().stream().filter(f -> f.route().matches(path)).toList());
            }
        }
        assertThat(catalog.route("/KEYS/k1/v1/UnwrapKey", HttpMethod.POST).name()).isEqualTo("Unwrap");
        // four segments: beyond keys/{name}/{version?}, so the parameter-first route of the same length answers
        assertThat(catalog.route("/keys/discovery/v2.0/keys", HttpMethod.GET).name()).isEqualTo("TenantKeys");
        assertThat(catalog.route("/t1/discovery/v2.0/keys", HttpMethod.GET).name()).isEqualTo("TenantKeys");
        assertThat(catalog.route("/nothing/here", HttpMethod.DELETE).name()).isEqualTo("Unmatched");
        assertThat(catalog.route("/x", HttpMethod.GET).name()).isEqualTo("Optional");
    }
}
