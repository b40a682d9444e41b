package io.keyward.app.cmk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which adapter serves a vault URI: configuration decides, and a URI nobody configured is served by none (the callers
 * refuse it as not found, before any network call). Also: a remote vault entry is applied or refused at start.
 */
class VaultRoutesTest {

    private static final String SECRET = "s3cr3t-never-shown-4711";
    private static final CmkProperties DEFAULTS = new CmkProperties(Duration.ofSeconds(5), 1);
    private final HostedVaultNames names = new HostedVaultNames("vault.localhost");
    private final HostedVaultKeys hosted = new HostedVaultKeys(null, null, names, null);

    private static RemoteVault entry(String name, String suffix, Integer port) {
        return new RemoteVault(name, suffix, port, "11111111-1111-1111-1111-111111111111", "westeurope", RemoteVault.CLIENT_SECRET,
                "app-id", SECRET, null, null, null, "changeit", null, null, true);
    }

    private VaultRoutes routes(RemoteVault... entries) {
        return new VaultRoutes(hosted, names, new RemoteVaults(List.of(entries), DEFAULTS, null));
    }

    private static Optional<String> remoteName(Optional<CustomerKeyPort> served) {
        return served.filter(RemoteVaultKeys.class::isInstance).map(p -> ((RemoteVaultKeys) p).entry().name());
    }

    @Test
    void keywardsOwnSuffixIsServedInProcessAtAnyPort() {
        VaultRoutes r = routes(entry("azure", "vault.azure.net", null));
        assertThat(r.route("https://kv1.vault.localhost:7443/")).containsSame(hosted);
        assertThat(r.route("https://KV1.Vault.LocalHost/keys/k/0123")).containsSame(hosted);
        assertThat(r.route("https://kv1.vault.localhost:41234/keys/k/0123")).containsSame(hosted);
    }

    @Test
    void aConfiguredSuffixIsServedRemotely() {
        VaultRoutes r = routes(entry("azure", "vault.azure.net", null), entry("hsm", ".contoso.managedhsm.azure.net", 443));
        assertThat(remoteName(r.route("https://contoso-kv.vault.azure.net/"))).contains("azure");
        assertThat(remoteName(r.route("https://contoso-kv.vault.azure.net/keys/cmk/abc"))).contains("azure");
        assertThat(remoteName(r.route("https://contoso.managedhsm.azure.net/keys/cmk/abc"))).contains("hsm");
        assertThat(remoteName(r.route("https://contoso.managedhsm.azure.net:443/"))).contains("hsm");
        // a port of its own: the entry serves only that one
        assertThat(r.route("https://contoso.managedhsm.azure.net:8443/")).isEmpty();
    }

    @Test
    void aRemoteEntryWithAPortComesBeforeTheLocalSuffixAndTheLongestSuffixWins() {
        VaultRoutes r = routes(entry("relay", "vault.localhost", 9443), entry("wide", "azure.net", null),
                entry("narrow", "vault.azure.net", null));
        assertThat(remoteName(r.route("https://kv1.vault.localhost:9443/"))).contains("relay");
        assertThat(r.route("https://kv1.vault.localhost:7443/")).containsSame(hosted);
        assertThat(remoteName(r.route("https://kv1.vault.azure.net/"))).contains("narrow");
        assertThat(remoteName(r.route("https://kv1.managedhsm.azure.net/"))).contains("wide");
    }

    @Test
    void anythingElseIsServedByNone() {
        VaultRoutes r = routes(entry("azure", "vault.azure.net", null));
        for (String uri : List.of("https://evil.example.com/", "https://kv1.vault.localhost.evil.example/",
                "https://kv1.vault.azure.net.evil.example/", "https://evilvault.azure.net/", "http://kv1.vault.localhost:7443/",
                "http://kv1.vault.azure.net/", "https://a.b.vault.localhost/", "https://vault.localhost/", "https://127.0.0.1:7443/",
                "not a uri at all", "https:///keys/k/v")) {
            assertThat(r.route(uri)).as(uri).isEmpty();
            assertThat(r.unwrapKey(uri, null, new byte[1])).as(uri).isEqualTo(new VaultReply.Refused<>(404,
                    "The vault '" + uri + "' was not found."));
        }
    }

    @Test
    void anEntryThatCannotWorkStopsTheStart() {
        assertThatThrownBy(() -> routes(new RemoteVault("a", null, null, "t", "westeurope", RemoteVault.CLIENT_SECRET, "id", "s", null,
                null, null, "changeit", null, null, true))).hasMessage("keyward.cmk.remote-vaults.a.host-suffix is required");
        assertThatThrownBy(() -> routes(new RemoteVault("b", "vault.azure.net", null, null, "westeurope", RemoteVault.CLIENT_SECRET,
                "id", "s", null, null, null, "changeit", null, null, true))).hasMessageContaining("remote-vaults.b.tenant-id is required");
        assertThatThrownBy(() -> routes(new RemoteVault("c", "vault.azure.net", null, "t", null, RemoteVault.CLIENT_SECRET, "id", "s",
                null, null, null, "changeit", null, null, true))).hasMessageContaining("remote-vaults.c.location is required");
        assertThatThrownBy(() -> routes(new RemoteVault("d", "vault.azure.net", null, "t", "westeurope", RemoteVault.CLIENT_SECRET, "id",
                "s", Path.of("creds.json"), null, null, "changeit", null, null, true))).hasMessageContaining("not both");
        assertThatThrownBy(() -> routes(new RemoteVault("e", "vault.azure.net", null, "t", "westeurope", RemoteVault.CLIENT_SECRET, "id",
                null, null, null, null, "changeit", null, null, true))).hasMessage("keyward.cmk.remote-vaults.e.client-secret is required"
                + " with client-secret");
        assertThatThrownBy(() -> routes(new RemoteVault("f", "vault.azure.net", null, "t", "westeurope", "certificate", "id", "s", null,
                null, null, "changeit", null, null, true))).hasMessageContaining("must be client-secret or managed-identity");
        assertThatThrownBy(() -> routes(new RemoteVault("g", "vault.azure.net", null, "t", "westeurope", RemoteVault.MANAGED_IDENTITY,
                null, "s", null, null, null, "changeit", null, null, true))).hasMessageContaining("takes no secret");
        assertThatThrownBy(() -> routes(new RemoteVault("h", "vault.azure.net", null, "t", "westeurope", RemoteVault.CLIENT_SECRET, "id",
                "s", null, null, Path.of("target/no-such-truststore.p12"), "changeit", null, null, true)))
                .hasMessageContaining("remote-vaults.h.trust-store cannot be read");
        assertThatThrownBy(() -> routes(entry("one", "vault.azure.net", null), entry("two", ".Vault.Azure.Net", null)))
                .hasMessageContaining("serves the same hosts and port as another entry");
        assertThatThrownBy(() -> routes(new RemoteVault("i", "vault.azure.net", 0, "t", "westeurope", RemoteVault.CLIENT_SECRET, "id",
                "s", null, null, null, "changeit", null, null, true))).hasMessageContaining("remote-vaults.i.port is not a port");
        // managed identity needs no secret; a user-assigned one is named by its client id
        assertThat(remoteName(routes(new RemoteVault("mi", "vault.azure.net", null, "t", "westeurope", RemoteVault.MANAGED_IDENTITY,
                "uami-client-id", null, null, null, null, "changeit", null, null, true)).route("https://kv.vault.azure.net/"))).contains("mi");
    }

    @Test
    void theEntryNeverShowsItsSecret() {
        assertThat(entry("azure", "vault.azure.net", null).toString()).doesNotContain(SECRET).contains("azure", "vault.azure.net");
    }
}
