package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.azure.functions.HttpMethod;
import com.microsoft.azure.functions.HttpResponseMessage;
import io.keyward.app.identity.Audiences;
import io.keyward.app.identity.HeaderAuthentication;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The host refuses from the headers exactly what the app's authentication filter refuses: for every route kind, host
 * and credential, the header-time answer equals what the function answers when called directly (through the Azure
 * adapter and the filter), status, challenge and body. A change to the filter's rules that the header check does not
 * follow fails here.
 */
class HeaderAuthenticationTest {

    private static final String TENANT = "7e57c0de-0000-4000-8000-0000000a9e11";
    private static final String SUBSCRIPTION = "a9e11000-0000-4000-8000-000000000001";

    @Test
    void refusesFromTheHeadersExactlyWhatTheFilterRefuses() {
        TestHost host = TestHost.get();
        var client = host.owner(host.newClient(TENANT, "header-auth"), SUBSCRIPTION);
        String arm = host.token(client, Audiences.ARM);
        String vault = host.token(client, Audiences.KEY_VAULT);
        String ip = "127.0.0.1:" + host.host().port();
        String vaultHost = "kwheaderauth.vault.localhost:" + host.host().port();
        List<String> hosts = List.of(ip, vaultHost);
        List<String> credentials = new ArrayList<>(List.of("", "Bearer " + arm, "Bearer " + vault, "Bearer not.a.token",
                "Basic dXNlcjpwYXNz", "Bearer " + arm.substring(0, arm.length() - 4) + "AAAA"));
        credentials.add(null);
        List<String[]> requests = List.of(
                new String[] {"GET", "/health/ping"},
                new String[] {"GET", "/health/hsm"},
                new String[] {"GET", "/discovery/v2.0/keys"},
                new String[] {"GET", "/" + TENANT + "/v2.0/.well-known/openid-configuration"},
                new String[] {"GET", "/subscriptions/" + SUBSCRIPTION + "/providers/Microsoft.KeyVault/vaults?api-version=2023-07-01"},
                new String[] {"GET", "/keys?api-version=7.5"});
        HeaderAuthentication check = host.bean(HeaderAuthentication.class);
        FunctionCatalog catalog = host.host().server().catalog();
        int compared = 0;
        for (String h : hosts) {
            for (String credential : credentials) {
                for (String[] r : requests) {
                    URI uri = URI.create("https://" + h + r[1]);
                    String route = catalog.routesFor(uri.getPath()).stream().filter(fn -> fn.allows(HttpMethod.value(r[0]))).findFirst()
                            .orElseThrow().declaredRoute();
                    Optional<HeaderAuthentication.Refusal> early = check.check(r[0], uri.toString(), h, credential, route);
                    HttpResponseMessage late = invoke(catalog, r[0], uri, h, credential);
                    String what = r[0] + " " + h + r[1] + " with " + (credential == null ? "no header" : "'" + abbreviated(credential) + "'");
                    if (late.getStatusCode() == 401) {
                        assertThat(early).as(what + ": the filter refuses, so must the host").isPresent();
                        assertThat(early.get().status()).isEqualTo(401);
                        assertThat(early.get().headers().get("WWW-Authenticate")).as(what)
                                .isEqualTo(late.getHeader("WWW-Authenticate"));
                        assertThat(new String(early.get().body())).as(what).isEqualTo(String.valueOf(late.getBody()));
                    } else {
                        assertThat(early).as(what + ": the filter lets it through (" + late.getStatusCode() + "), so must the host")
                                .isEmpty();
                    }
                    compared++;
                }
            }
        }
        assertThat(compared).isEqualTo(hosts.size() * credentials.size() * requests.size());
    }

    /** The function as the host would call it, minus the header check. */
    private static HttpResponseMessage invoke(FunctionCatalog catalog, String method, URI uri, String host, String credential) {
        HttpMethod m = HttpMethod.value(method);
        FunctionCatalog.HttpFunction f = catalog.routesFor(uri.getPath()).stream().filter(fn -> fn.allows(m)).findFirst()
                .orElseThrow(() -> new AssertionError("no function for " + method + " " + uri.getPath()));
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("host", host);
        if (credential != null) {
            headers.put("authorization", credential);
        }
        Map<String, String> query = new TreeMap<>();
        if (uri.getQuery() != null) {
            for (String pair : uri.getQuery().split("&")) {
                int eq = pair.indexOf('=');
                query.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return (HttpResponseMessage) f.invoke(new LocalHttpMessages.Request(uri, m, headers, query, Optional.empty()),
                new LocalHttpMessages.Context(f.name(), "test", Logger.getLogger("test")));
    }

    private static String abbreviated(String credential) {
        return credential.length() > 24 ? credential.substring(0, 24) + "..." : credential;
    }
}
