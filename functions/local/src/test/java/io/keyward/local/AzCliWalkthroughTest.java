package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyward.app.identity.ClientCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/azure-cli.md, run word for word with the stock Azure CLI (Debian's {@code azure-cli} 2.45.0) against the local
 * host: register the cloud from Keyward's own metadata, sign in as a service principal at Keyward's ADFS-style
 * authority, create the vault, the key and the access policies, the Log Analytics cluster, its key update, the
 * workspace and its link, then unlink and delete. Every command's output is checked, not only its exit code.
 *
 * <p>Needs {@code az} on the PATH ({@code ./keyward test} installs it with apt-get where it can); without it the test is
 * skipped, saying so. Each run has its own {@code AZURE_CONFIG_DIR} under target/, so the developer's own az
 * profile is never read or changed; {@code REQUESTS_CA_BUNDLE} names the host's CA.
 */
class AzCliWalkthroughTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** One command, including its sign-in and an HTTP round trip or two: az takes 1-3 s here. */
    private static final long COMMAND_TIMEOUT_SECONDS = 180;

    private static TestHost host;
    private static Path configDir;

    @BeforeAll
    static void start() throws Exception {
        configDir = Path.of("target/az-cli/" + UUID.randomUUID()).toAbsolutePath();
        Files.createDirectories(configDir);
        assumeTrue(azInstalled(), "the Azure CLI ('az') is not installed: the az walk-through is skipped."
                + " Install Debian's package (apt-get install azure-cli), or run ./keyward test, which installs it.");
        host = TestHost.get();
    }

    /** az keeps the client secret in its config directory (service_principal_entries.json): nothing of it stays. */
    @AfterAll
    static void removeConfig() throws IOException {
        if (configDir != null && Files.isDirectory(configDir)) {
            try (Stream<Path> files = Files.walk(configDir)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    @Test
    void theDocsAzureMonitorProcedureRunsWithTheStockCli() throws Exception {
        String base = host.baseUri().toString();
        int port = host.host().port();
        String tenant = TestHost.AZ_CLI_TENANT;
        String sub = TestHost.AZ_CLI_SUBSCRIPTION;
        // Owner up front: the subscription id is fixed, and a kept test database may hold an earlier run's first creator
        ClientCredentials me = host.owner(host.newClient(tenant, "az walk-through"), sub);
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String vault = "azcli-" + suffix;
        String cluster = "azcli-la-" + suffix;
        String workspace = "azcli-logs-" + suffix;
        String rg = "cmk-rg";

        // 1. the cloud, from Keyward's /metadata/endpoints
        az("cloud", "register", "-n", "keyward", "--cloud-config", "{\"endpoints\":{\"resourceManager\":\"" + base
                + "/\",\"microsoftGraphResourceId\":\"https://graph.microsoft.com/\"},\"suffixes\":{\"keyvaultDns\":\".vault.localhost\"}}");
        az("cloud", "set", "-n", "keyward");
        JsonNode cloud = json("cloud", "show", "-n", "keyward");
        assertThat(cloud.at("/endpoints/activeDirectory").asText()).isEqualTo(base + "/adfs");
        assertThat(cloud.at("/endpoints/activeDirectoryResourceId").asText()).isEqualTo("https://management.core.windows.net/");
        assertThat(cloud.at("/endpoints/resourceManager").asText()).isEqualTo(base + "/");
        assertThat(cloud.get("isActive").asBoolean()).isTrue();

        // 2. sign in at the ADFS authority; az lists the subscriptions and picks the tenant's one
        JsonNode login = json("login", "--service-principal", "-u", me.clientId(), "-p", me.clientSecret(), "--tenant", tenant);
        assertThat(login).hasSize(1);
        assertThat(login.get(0).get("id").asText()).isEqualTo(sub);
        assertThat(login.get(0).get("tenantId").asText()).isEqualTo(tenant);
        assertThat(login.get(0).get("cloudName").asText()).isEqualTo("keyward");
        assertThat(login.get(0).at("/user/type").asText()).isEqualTo("servicePrincipal");
        assertThat(login.get(0).at("/user/name").asText()).isEqualTo(me.clientId());
        assertThat(json("account", "show").get("id").asText()).isEqualTo(sub);

        // 3. the vault, recoverable as Azure Monitor requires; then key management for me
        JsonNode kv = json("keyvault", "create", "-g", rg, "-n", vault, "-l", "eastus", "--sku", "premium",
                "--enable-purge-protection", "true", "--retention-days", "90", "--no-self-perms");
        String vaultId = "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/Microsoft.KeyVault/vaults/" + vault;
        assertThat(kv.get("id").asText()).isEqualTo(vaultId);
        assertThat(kv.at("/properties/provisioningState").asText()).isEqualTo("Succeeded");
        assertThat(kv.at("/properties/enablePurgeProtection").asBoolean()).isTrue();
        assertThat(kv.at("/properties/enableSoftDelete").asBoolean()).isTrue();
        assertThat(kv.at("/properties/tenantId").asText()).isEqualTo(tenant);
        String vaultUri = kv.at("/properties/vaultUri").asText();
        assertThat(vaultUri).isEqualTo("https://" + vault + ".vault.localhost:" + port + "/");
        JsonNode mine = json("keyvault", "set-policy", "-g", rg, "-n", vault, "--object-id", me.principal().objectId(),
                "--key-permissions", "get", "list", "create", "update", "wrapKey", "unwrapKey");
        assertThat(policyKeys(mine, me.principal().objectId())).containsExactlyInAnyOrder("get", "list", "create", "update",
                "wrapKey", "unwrapKey");

        // 4. the key, through az rest: Debian's azure-cli lacks the Key Vault data-plane module (azure.keyvault.v7_0)
        String keys = "https://127.0.0.1:" + port + "/keys/la-cmk";
        String vaultHost = "Host=" + vault + ".vault.localhost:" + port;
        JsonNode key = json("rest", "--method", "post", "--url", keys + "/create?api-version=7.4", "--headers", vaultHost,
                "--resource", "https://vault.azure.net", "--body", "{\"kty\":\"RSA-HSM\",\"key_size\":2048}");
        String kid = key.at("/key/kid").asText();
        assertThat(kid).startsWith(vaultUri + "keys/la-cmk/");
        assertThat(key.at("/key/kty").asText()).isEqualTo("RSA-HSM");
        assertThat(key.at("/attributes/recoveryLevel").asText()).isEqualTo("Recoverable");
        String version = kid.substring(kid.lastIndexOf('/') + 1);
        String plain = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
        JsonNode wrapped = json("rest", "--method", "post", "--url", keys + "/" + version + "/wrapkey?api-version=7.4",
                "--headers", vaultHost, "--resource", "https://vault.azure.net",
                "--body", "{\"alg\":\"RSA-OAEP\",\"value\":\"" + plain + "\"}");
        assertThat(wrapped.get("kid").asText()).isEqualTo(kid);
        JsonNode unwrapped = json("rest", "--method", "post", "--url", keys + "/" + version + "/unwrapkey?api-version=7.4",
                "--headers", vaultHost, "--resource", "https://vault.azure.net",
                "--body", "{\"alg\":\"RSA-OAEP\",\"value\":\"" + wrapped.get("value").asText() + "\"}");
        assertThat(unwrapped.get("value").asText()).isEqualTo(plain);

        // 5. the cluster: long-running commands with --no-wait, then az ... wait (Debian's package races without it)
        String clusterId = "/subscriptions/" + sub + "/resourceGroups/" + rg
                + "/providers/Microsoft.OperationalInsights/clusters/" + cluster;
        assertThat(az("monitor", "log-analytics", "cluster", "create", "-g", rg, "-n", cluster, "-l", "eastus",
                "--sku-capacity", "1000", "--no-wait")).isBlank();
        az("monitor", "log-analytics", "cluster", "wait", "-g", rg, "-n", cluster, "--created");
        JsonNode created = json("monitor", "log-analytics", "cluster", "show", "-g", rg, "-n", cluster);
        assertThat(created.get("id").asText()).isEqualTo(clusterId);
        assertThat(created.get("provisioningState").asText()).isEqualTo("Succeeded");
        assertThat(created.at("/identity/type").asText()).isEqualTo("SystemAssigned");
        assertThat(created.at("/sku/capacity").asInt()).isEqualTo(1000);
        assertThat(created.path("keyVaultProperties").path("keyName").asText("")).as("no key yet").isEmpty();
        String principal = created.at("/identity/principalId").asText();
        assertThat(UUID.fromString(principal)).isNotNull();

        // 6. the cluster's identity may get, wrap and unwrap with the key
        JsonNode granted = json("keyvault", "set-policy", "-g", rg, "-n", vault, "--object-id", principal,
                "--key-permissions", "get", "wrapKey", "unwrapKey");
        assertThat(policyKeys(granted, principal)).containsExactlyInAnyOrder("get", "wrapKey", "unwrapKey");

        // 7. the key update
        assertThat(az("monitor", "log-analytics", "cluster", "update", "-g", rg, "-n", cluster, "--key-name", "la-cmk",
                "--key-vault-uri", vaultUri, "--key-version", version, "--no-wait")).isBlank();
        az("monitor", "log-analytics", "cluster", "wait", "-g", rg, "-n", cluster, "--updated");
        JsonNode keyed = json("monitor", "log-analytics", "cluster", "show", "-g", rg, "-n", cluster);
        assertThat(keyed.get("provisioningState").asText()).isEqualTo("Succeeded");
        assertThat(keyed.at("/keyVaultProperties/keyVaultUri").asText()).isEqualTo(vaultUri);
        assertThat(keyed.at("/keyVaultProperties/keyName").asText()).isEqualTo("la-cmk");
        assertThat(keyed.at("/keyVaultProperties/keyVersion").asText()).isEqualTo(version);
        JsonNode listed = json("monitor", "log-analytics", "cluster", "list", "-g", rg);
        assertThat(ids(listed)).contains(clusterId);
        assertThat(ids(json("monitor", "log-analytics", "cluster", "list"))).contains(clusterId);

        // 8. the workspace and its link to the cluster
        String workspaceId = "/subscriptions/" + sub + "/resourceGroups/" + rg
                + "/providers/Microsoft.OperationalInsights/workspaces/" + workspace;
        assertThat(az("monitor", "log-analytics", "workspace", "create", "-g", rg, "-n", workspace, "-l", "eastus",
                "--retention-time", "30", "--no-wait")).isBlank();
        az("monitor", "log-analytics", "workspace", "wait", "-g", rg, "-n", workspace, "--created");
        JsonNode ws = json("monitor", "log-analytics", "workspace", "show", "-g", rg, "-n", workspace);
        assertThat(ws.get("id").asText()).isEqualTo(workspaceId);
        assertThat(ws.get("provisioningState").asText()).isEqualTo("Succeeded");
        assertThat(ws.get("retentionInDays").asInt()).isEqualTo(30);
        assertThat(ws.at("/sku/name").asText()).isEqualTo("PerGB2018");

        assertThat(az("monitor", "log-analytics", "workspace", "linked-service", "create", "-g", rg, "--workspace-name",
                workspace, "-n", "cluster", "--write-access-resource-id", clusterId, "--no-wait")).isBlank();
        az("monitor", "log-analytics", "workspace", "linked-service", "wait", "-g", rg, "--workspace-name", workspace,
                "-n", "cluster", "--created");
        JsonNode link = json("monitor", "log-analytics", "workspace", "linked-service", "show", "-g", rg,
                "--workspace-name", workspace, "-n", "cluster");
        assertThat(link.get("id").asText()).isEqualTo(workspaceId + "/linkedServices/cluster");
        assertThat(link.get("provisioningState").asText()).isEqualTo("Succeeded");
        assertThat(link.get("writeAccessResourceId").asText()).isEqualTo(clusterId);
        JsonNode linked = json("monitor", "log-analytics", "workspace", "show", "-g", rg, "-n", workspace);
        assertThat(linked.at("/features/clusterResourceId").asText()).isEqualTo(clusterId);
        assertThat(linked.at("/sku/name").asText()).isEqualTo("LACluster");
        JsonNode associated = json("monitor", "log-analytics", "cluster", "show", "-g", rg, "-n", cluster)
                .get("associatedWorkspaces");
        assertThat(associated).hasSize(1);
        assertThat(associated.get(0).get("resourceId").asText()).isEqualTo(workspaceId);

        // 9. unlink, then delete the cluster
        assertThat(az("monitor", "log-analytics", "workspace", "linked-service", "delete", "-g", rg, "--workspace-name",
                workspace, "-n", "cluster", "--yes", "--no-wait")).isBlank();
        az("monitor", "log-analytics", "workspace", "linked-service", "wait", "-g", rg, "--workspace-name", workspace,
                "-n", "cluster", "--deleted");
        JsonNode unlinked = json("monitor", "log-analytics", "workspace", "show", "-g", rg, "-n", workspace);
        assertThat(unlinked.at("/features/clusterResourceId").isMissingNode()
                || unlinked.at("/features/clusterResourceId").isNull()).as(unlinked.toString()).isTrue();
        assertThat(unlinked.at("/sku/name").asText()).isEqualTo("PerGB2018");

        assertThat(az("monitor", "log-analytics", "cluster", "delete", "-g", rg, "-n", cluster, "--yes", "--no-wait")).isBlank();
        az("monitor", "log-analytics", "cluster", "wait", "-g", rg, "-n", cluster, "--deleted");
        Result gone = run("monitor", "log-analytics", "cluster", "show", "-g", rg, "-n", cluster);
        assertThat(gone.exit()).isNotZero();
        assertThat(gone.stderr()).contains("ResourceNotFound");
        assertThat(ids(json("monitor", "log-analytics", "cluster", "list", "-g", rg))).doesNotContain(clusterId);
    }

    private static List<String> policyKeys(JsonNode vault, String objectId) {
        List<String> keys = new ArrayList<>();
        for (JsonNode p : vault.at("/properties/accessPolicies")) {
            if (p.get("objectId").asText().equals(objectId)) {
                p.at("/permissions/keys").forEach(k -> keys.add(k.asText()));
            }
        }
        return keys;
    }

    private static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.forEach(n -> ids.add(n.get("id").asText()));
        return ids;
    }

    record Result(int exit, String stdout, String stderr) {
    }

    /** Runs az; fails the test, with az's own error output (never the secret), unless it exits 0. */
    private static String az(String... args) throws Exception {
        Result r = run(args);
        assertThat(r.exit()).as("az %s failed:\n%s", args[0] + " " + args[1], r.stderr()).isZero();
        return r.stdout();
    }

    private static JsonNode json(String... args) throws Exception {
        List<String> withOutput = new ArrayList<>(List.of(args));
        withOutput.addAll(List.of("-o", "json"));
        return JSON.readTree(az(withOutput.toArray(String[]::new)));
    }

    private static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("az");
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.put("AZURE_CONFIG_DIR", configDir.toString());
        env.put("REQUESTS_CA_BUNDLE", host.host().caPem().toAbsolutePath().toString());
        env.put("AZURE_CORE_COLLECT_TELEMETRY", "false");
        env.put("AZURE_CORE_NO_COLOR", "true");
        env.put("AZURE_CORE_SURVEY_MESSAGE", "false");
        Path out = Files.createTempFile(configDir, "out", ".txt");
        Path err = Files.createTempFile(configDir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p = pb.start();
        if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("az " + args[0] + " " + args[1] + " did not finish within " + COMMAND_TIMEOUT_SECONDS + " s");
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    private static boolean azInstalled() {
        try {
            ProcessBuilder pb = new ProcessBuilder("az", "version", "-o", "none").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("AZURE_CONFIG_DIR", configDir.toString());
            Process p = pb.start();
            return p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
