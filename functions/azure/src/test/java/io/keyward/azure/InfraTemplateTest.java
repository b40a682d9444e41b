package io.keyward.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * infra/azure/main.json (the ARM template docs/deployment.md deploys) is well-formed, deploys what Keyward needs, sets
 * every setting the code reads, and takes every secret from a securestring parameter or a Key Vault reference.
 * No Azure here: this is what can be checked without deploying (an {@code az deployment group validate} or what-if
 * against a subscription is the next step, see docs/deployment.md).
 */
class InfraTemplateTest {

    /**
     * Settings the template may leave to the code's default. Only settings that HAVE a code default can be excused
     * here (a required one always fails when the template lacks it). Entries ending in '_' are prefixes.
     */
    private static final Map<String, String> OPTIONAL_WITH_DEFAULT = Map.ofEntries(
            Map.entry("KEYWARD_OPERATIONS_",
                    "async-operation timing (lease 60 s > longest step, retries, run budget): tuned and "
                    + "exercised by AsyncOperationsTest, not per deployment"),
            Map.entry("KEYWARD_KEYHEALTH_",
                    "per-key check period 60 s is the top of the 6-60 s Azure documents; batch and lease "
                    + "follow it (the schedule has no default and is not excused)"),
            Map.entry("KEYWARD_CLUSTERS_",
                    "Azure's documented cluster limits (2 per region, 14 d soft delete, 30 d capacity lock)"),
            Map.entry("KEYWARD_DATAPLANE_",
                    "AEK cache TTL 60 s and 64 KiB blocks, measured in docs/benchmarks.md"),
            Map.entry("KEYWARD_VAULT_METADATA_CACHE_TTL",
                    "5 s: how late another instance's vault and key changes may reach the Key Vault crypto calls, a bound "
                    + "docs/security.md documents, not a per-deployment choice"),
            Map.entry("KEYWARD_IDENTITY_",
                    "token lifetime, clock skew, signing key name and Entra's public-cloud issuer and JWKS "
                    + "defaults; mode, authority and default tenant are set (authority's default is loopback, so required)"),
            Map.entry("KEYWARD_HSM_",
                    "borrow timeout, probe timeout and CKM_AES_KEY_WRAP 0x2109 (the same code on every token); "
                    + "library and PIN have no default and are set"),
            Map.entry("KEYWARD_HPCCACHE_",
                    "Azure HPC Cache's documented rules (90-minute key authorization window, the regions offering "
                    + "customer-managed keys) and a 5 s wait poll; the schedule has no default and is not excused"),
            Map.entry("KEYWARD_KUSTO_",
                    "the Data Explorer key update's retry window for an unreachable vault (10 min, like Log Analytics')"),
            Map.entry("KEYWARD_LOCKBOX_",
                    "how long a Customer Lockbox request waits for the customer's decision (4 days) before it expires"),
            Map.entry("KEYWARD_RETENTION_",
                    "batch sizes, per-run limits and the 1 h grace after the 14-day soft delete; the schedule has no "
                    + "default and is not excused"),
            Map.entry("KEYWARD_CMK_VAULT_TIMEOUT",
                    "5 s per remote vault call: an unanswering vault must count as an outage quickly (docs/data-plane-outages.md)"),
            Map.entry("KEYWARD_CMK_VAULT_RETRIES",
                    "1 retry: the outage grace period, not retries, rides out a blip (docs/data-plane-outages.md)"),
            Map.entry("KEYWARD_ARM_SUBSCRIPTIONS",
                    "none: a subscription belongs to the tenant that first creates something in it; the setting only "
                    + "gives a tenant one before that, for the Azure CLI's sign-in (docs/azure-cli.md)"),
            Map.entry("KEYWARD_INSTANCE_ID",
                    "empty: the instance id is then WEBSITE_INSTANCE_ID, which the Functions platform sets"));

    /**
     * Settings only the local host or the tests set; a deployment must not (they write the operator's credentials to a
     * local file, or load test-only handlers).
     */
    private static final Set<String> LOCAL_ONLY = Set.of("KEYWARD_IDENTITY_OPERATOR_FILE", "KEYWARD_OPERATIONS_TEST_HANDLERS");

    private static final Pattern SECRET_NAME = Pattern.compile("(?i)pin|password|secret|accountkey|connectionstring");
    private static final Pattern KEY_VAULT_REFERENCE = Pattern.compile(
            "^\\[format\\('@Microsoft\\.KeyVault\\(SecretUri=\\{0}\\)', variables\\('([A-Za-z0-9]+)'\\)\\)]$");
    private static final Pattern API_VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(-preview)?");
    private static final Pattern RESOURCE_ID = Pattern.compile("resourceId\\('([A-Za-z./]+)'");
    private static final Pattern REFERENCE_CALL = Pattern.compile(
            "(?:reference|listKeys)\\(resourceId\\('([A-Za-z./]+)'(?:[^()]|\\([^()]*\\))*\\), '(\\d{4}-\\d{2}-\\d{2})'\\)");
    private static final Pattern REFERENCE = Pattern.compile("\\b(parameters|variables)\\('([A-Za-z0-9_]+)'\\)");

    private static ArmTemplate template;
    private static KeywardSettings settings;

    @BeforeAll
    static void load() {
        template = ArmTemplate.load(ArmTemplate.DEFAULT);
        settings = KeywardSettings.scan(ArmTemplate.REPO);
    }

    @Test
    void theTemplateIsAWellFormedArmDeploymentTemplate() throws IOException {
        JsonNode root = template.root();
        assertThat(root.path("$schema").asText()).endsWith("/deploymentTemplate.json#");
        assertThat(root.path("contentVersion").asText()).matches("\\d+\\.\\d+\\.\\d+\\.\\d+");
        Set<String> types = Set.of("string", "securestring", "int", "bool", "object", "secureobject", "array");
        root.path("parameters").fields().forEachRemaining(p -> {
            assertThat(p.getValue().path("type").asText().toLowerCase()).as("type of parameter " + p.getKey()).isIn(types);
            assertThat(p.getValue().path("metadata").path("description").asText())
                    .as("parameter " + p.getKey() + " is documented (metadata.description)").isNotBlank();
            JsonNode allowed = p.getValue().path("allowedValues");
            JsonNode def = p.getValue().path("defaultValue");
            if (allowed.isArray() && !def.isMissingNode()) {
                List<String> values = new ArrayList<>();
                allowed.forEach(a -> values.add(a.asText()));
                assertThat(values).as("default of " + p.getKey() + " is an allowed value").contains(def.asText());
            }
        });
        for (JsonNode r : template.resources()) {
            String what = r.path("type").asText() + " " + r.path("name").asText();
            assertThat(r.path("type").asText()).as("resource type").matches("Microsoft\\.[A-Za-z]+/[A-Za-z/]+");
            assertThat(r.path("apiVersion").asText()).as(what + " apiVersion").matches(API_VERSION);
            assertThat(r.path("name").asText()).as("resource name").isNotBlank();
        }
        // Every string that is an expression is balanced, and names only declared parameters and variables.
        Set<String> parameters = fieldNames(root.path("parameters"));
        Set<String> variables = fieldNames(root.path("variables"));
        List<String> problems = new ArrayList<>();
        for (String s : strings(root)) {
            if (!ArmTemplate.isExpression(s)) {
                continue;
            }
            if (!balanced(s)) {
                problems.add("unbalanced: " + s);
            }
            Matcher m = REFERENCE.matcher(s);
            while (m.find()) {
                Set<String> declared = m.group(1).equals("parameters") ? parameters : variables;
                if (!declared.contains(m.group(2))) {
                    problems.add(m.group(1) + "('" + m.group(2) + "') is not declared: " + s);
                }
            }
        }
        // dependsOn and reference() name resources this template declares, at the api-version it declares them
        Map<String, String> declaredTypes = new java.util.HashMap<>();
        template.resources().forEach(r -> declaredTypes.put(r.path("type").asText().toLowerCase(), r.path("apiVersion").asText()));
        for (JsonNode r : template.resources()) {
            for (JsonNode dep : r.path("dependsOn")) {
                Matcher m = RESOURCE_ID.matcher(dep.asText());
                if (!m.find()) {
                    problems.add("dependsOn is not a resourceId(...) of this template: " + dep.asText());
                } else if (!declaredTypes.containsKey(m.group(1).toLowerCase())) {
                    problems.add("dependsOn names a type this template does not declare: " + dep.asText());
                }
            }
        }
        for (String s : strings(root)) {
            Matcher m = REFERENCE_CALL.matcher(s);
            while (m.find()) {
                String declared = declaredTypes.get(m.group(1).toLowerCase());
                if (declared == null || !declared.equals(m.group(2))) {
                    problems.add("reference to " + m.group(1) + " at " + m.group(2) + ", declared at " + declared + ": " + s);
                }
            }
        }
        assertThat(problems).as(String.join("\n", problems)).isEmpty();
        assertThat(strings(root).stream().filter(s -> REFERENCE_CALL.matcher(s).find()).count())
                .as("reference()/listKeys() calls checked").isGreaterThanOrEqualTo(5);
        // every parameter is used
        String text = Files.readString(template.file());
        for (String p : parameters) {
            assertThat(text).as("parameter " + p + " is used").contains("parameters('" + p + "')");
        }
    }

    @Test
    void itDeploysAScalingJava17LinuxFunctionAppWithPostgresStorageAndAKeyVault() {
        JsonNode plan = single("Microsoft.Web/serverfarms");
        assertThat(plan.path("sku").path("tier").asText()).as("Elastic Premium: scales out, VNet, containers").isEqualTo("ElasticPremium");
        assertThat(template.parameters().path("functionPlanSku").path("defaultValue").asText()).isEqualTo("EP1");
        assertThat(plan.path("kind").asText()).isEqualTo("elastic");
        assertThat(plan.path("properties").path("reserved").asBoolean()).as("Linux plan").isTrue();

        JsonNode site = template.functionApp();
        assertThat(site.path("kind").asText()).contains("functionapp,linux");
        assertThat(site.path("properties").path("httpsOnly").asBoolean()).isTrue();
        JsonNode siteConfig = site.path("properties").path("siteConfig");
        assertThat(template.root().path("variables").path("linuxFxVersion").asText())
                .as("code deployment runs on the Java 17 stack").contains("'Java|17'");
        assertThat(siteConfig.path("linuxFxVersion").asText()).isEqualTo("[variables('linuxFxVersion')]");
        assertThat(site.path("properties").path("virtualNetworkSubnetId").asText())
                .as("VNet integration: the HSM and PostgreSQL are reached privately").contains("'functions'");
        assertThat(siteConfig.path("vnetRouteAllEnabled").asBoolean()).isTrue();

        Map<String, String> app = template.appSettings();
        assertThat(app).containsEntry("FUNCTIONS_EXTENSION_VERSION", "~4").containsEntry("FUNCTIONS_WORKER_RUNTIME", "java");
        assertThat(app).containsKeys("AzureWebJobsStorage", "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", "WEBSITE_CONTENTSHARE");

        JsonNode pg = single("Microsoft.DBforPostgreSQL/flexibleServers");
        assertThat(pg.path("properties").path("network").path("publicNetworkAccess").asText()).isEqualTo("Disabled");
        assertThat(single("Microsoft.DBforPostgreSQL/flexibleServers/databases").path("name").asText()).contains("databaseName");
        assertThat(app.get("KEYWARD_DATABASE_URL")).as("JDBC URL of that server and database")
                .startsWith("[format('jdbc:postgresql://{0}:5432/{1}?sslmode=require'")
                .contains("Microsoft.DBforPostgreSQL/flexibleServers").contains("variables('databaseName')");
        single("Microsoft.Storage/storageAccounts");
        assertThat(single("Microsoft.KeyVault/vaults").path("properties").path("enableRbacAuthorization").asBoolean()).isTrue();
        assertThat(template.resourcesOfType("Microsoft.KeyVault/vaults/secrets")).hasSize(2);
        assertThat(single("Microsoft.Authorization/roleAssignments").path("properties").path("roleDefinitionId").asText())
                .as("the app's identity reads secrets (Key Vault Secrets User)").contains("keyVaultSecretsUserRoleId");
        assertThat(template.root().path("variables").path("keyVaultSecretsUserRoleId").asText())
                .isEqualTo("4633458b-17de-408a-b874-0445c86b69e6");
    }

    /** The heart of it: a setting the code reads with no usable default must be set by the template. */
    @Test
    void everySettingTheCodeReadsIsSetByTheTemplateOrHasAnExcusedDefault() {
        Set<String> inTemplate = template.appSettingNames();
        List<String> missing = new ArrayList<>();
        for (KeywardSettings.Setting s : settings.all().values()) {
            if (LOCAL_ONLY.contains(s.name()) || inTemplate.contains(s.name())) {
                continue;
            }
            if (s.required() || excuse(s.name()) == null) {
                missing.add(s.name() + (s.required() ? " (required: no default, or a loopback one)" : " (has a default)")
                        + " read by " + s.sources());
            }
        }
        assertThat(missing).as("settings the code reads that infra/azure/main.json does not set (add them to the "
                + "Function App's appSettings, or, for a defaulted one, to OPTIONAL_WITH_DEFAULT with the reason):\n  "
                + String.join("\n  ", missing)).isEmpty();
    }

    /** A sanity check of the scan itself: it must find what we know the code reads, or it proves nothing. */
    @Test
    void theScanFindsTheSettingsWeKnowTheCodeReads() {
        Map<String, KeywardSettings.Setting> all = settings.all();
        for (String required : List.of("KEYWARD_DATABASE_URL", "KEYWARD_HSM_LIBRARY", "KEYWARD_HSM_PIN",
                "KEYWARD_VAULT_URI_TEMPLATE", "KEYWARD_VAULT_DNS_SUFFIX", "KEYWARD_IDENTITY_AUTHORITY",
                "KEYWARD_IDENTITY_MODE", "KEYWARD_HEARTBEAT_SCHEDULE", "KEYWARD_KEYHEALTH_SCHEDULE",
                "KEYWARD_OPERATIONS_SCHEDULE")) {
            assertThat(all).as("scan found " + required).containsKey(required);
            assertThat(all.get(required).required()).as(required + " is required").isTrue();
        }
        for (String defaulted : List.of("KEYWARD_HSM_MAX_SESSIONS", "KEYWARD_DATABASE_POOL_SIZE", "KEYWARD_OPERATIONS_LEASE",
                "KEYWARD_DATAPLANE_AEK_CACHE_TTL", "KEYWARD_HSM_AES_KWP_WRAPS_EXACT_LENGTH", "KEYWARD_DATABASE_USER",
                "KEYWARD_IDENTITY_ENTRA_JWKS_URI")) {
            assertThat(all).as("scan found " + defaulted).containsKey(defaulted);
            assertThat(all.get(defaulted).required()).as(defaulted + " has a default").isFalse();
        }
        assertThat(all).containsKeys(LOCAL_ONLY.toArray(String[]::new));
        // and the excuse list cannot hide a required setting
        for (KeywardSettings.Setting s : all.values()) {
            if (s.required() && !LOCAL_ONLY.contains(s.name())) {
                assertThat(template.appSettingNames()).as(s.name() + " is required; an excuse does not cover it").contains(s.name());
            }
        }
    }

    /** A typo in the template would be a setting nobody reads, and the real one silently unset. */
    @Test
    void everyKeywardSettingOfTheTemplateIsOneTheCodeReadsAndNoneIsLocalOnly() {
        for (String name : template.appSettingNames()) {
            if (name.startsWith("KEYWARD_")) {
                assertThat(settings.all()).as(name + " is read by the code").containsKey(name);
                assertThat(LOCAL_ONLY).as(name + " is for the local host only").doesNotContain(name);
            }
        }
    }

    @Test
    void everyTimerScheduleSettingIsInLocalSettingsToo() throws IOException {
        JsonNode local = new ObjectMapper().readTree(
                ArmTemplate.REPO.resolve("functions/azure/src/main/azure/local.settings.json").toFile()).path("Values");
        List<String> schedules = settings.all().values().stream()
                .filter(s -> s.sources().stream().anyMatch(src -> src.endsWith("@TimerTrigger"))).map(KeywardSettings.Setting::name).toList();
        assertThat(schedules).isNotEmpty();
        for (String s : schedules) {
            assertThat(local.has(s)).as(s + " in local.settings.json").isTrue();
            assertThat(template.appSettingNames()).as(s + " in the template").contains(s);
        }
    }

    /** Secrets never appear in the template or the example parameters, and reach the app through Key Vault only. */
    @Test
    void secretsComeFromSecureParametersAndKeyVaultReferencesOnly() throws IOException {
        JsonNode params = template.parameters();
        Set<String> secure = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            boolean isSecure = p.getValue().path("type").asText().equalsIgnoreCase("securestring");
            if (SECRET_NAME.matcher(p.getKey()).find()) {
                assertThat(isSecure).as("parameter " + p.getKey() + " is a securestring").isTrue();
            }
            if (isSecure) {
                secure.add(p.getKey());
                assertThat(p.getValue().has("defaultValue")).as("securestring " + p.getKey() + " has no default").isFalse();
            }
        }
        assertThat(secure).contains("hsmPin", "postgresAdminPassword");

        // App settings: secret-looking ones are Key Vault references (the app's identity reads the vault at runtime),
        // or, for the host's storage connection, built from listKeys at deployment; none is a literal.
        for (Map.Entry<String, String> s : template.appSettings().entrySet()) {
            String name = s.getKey();
            String value = s.getValue();
            if (name.startsWith("KEYWARD_") && SECRET_NAME.matcher(name).find()) {
                Matcher kv = KEY_VAULT_REFERENCE.matcher(value);
                assertThat(kv.matches()).as(name + " is a Key Vault reference: " + value).isTrue();
                String uri = template.root().path("variables").path(kv.group(1)).asText();
                assertThat(uri).as(name + "'s secret URI is in the template's own vault").contains("variables('vaultName')");
            } else if (name.equals("AzureWebJobsStorage") || name.endsWith("CONNECTIONSTRING")) {
                assertThat(ArmTemplate.isExpression(value)).as(name + " is computed, not literal").isTrue();
                assertThat(value).as(name).contains("AccountKey={2}").contains("listKeys(");
            }
            assertThat(ArmTemplate.parameterOf(value).filter(secure::contains))
                    .as(name + " never carries a secure parameter in clear (use the Key Vault secret)").isEmpty();
        }

        // Where secure parameters go: the vault's secrets and the database server's administrator password only.
        for (JsonNode secret : template.resourcesOfType("Microsoft.KeyVault/vaults/secrets")) {
            String value = secret.path("properties").path("value").asText();
            assertThat(ArmTemplate.parameterOf(value)).as("secret " + secret.path("name").asText()).get().isIn(secure);
        }
        String pgPassword = single("Microsoft.DBforPostgreSQL/flexibleServers").path("properties").path("administratorLoginPassword").asText();
        assertThat(ArmTemplate.parameterOf(pgPassword)).get().isIn(secure);

        // No literal credentials anywhere in the template.
        for (String s : strings(template.root())) {
            if (!ArmTemplate.isExpression(s)) {
                assertThat(s).as("literal string").doesNotContain("AccountKey=").doesNotContainPattern("(?i)password=");
            }
        }

        // The example parameters take secure values from a Key Vault (ARM parameter references), never inline.
        JsonNode example = new ObjectMapper().readTree(ArmTemplate.EXAMPLE_PARAMETERS.toFile());
        assertThat(example.path("$schema").asText()).endsWith("/deploymentParameters.json#");
        for (Iterator<Map.Entry<String, JsonNode>> it = example.path("parameters").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            assertThat(params.has(p.getKey())).as("example parameter " + p.getKey() + " is declared").isTrue();
            if (secure.contains(p.getKey())) {
                assertThat(p.getValue().has("value")).as(p.getKey() + " not inline").isFalse();
                assertThat(p.getValue().path("reference").path("secretName").asText()).as(p.getKey() + " from Key Vault").isNotBlank();
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            if (!p.getValue().has("defaultValue")) {
                assertThat(example.path("parameters").has(p.getKey())).as("required parameter " + p.getKey() + " in the example").isTrue();
            }
        }
    }

    /** docs/deployment.md documents every parameter and every Keyward setting the template sets. */
    @Test
    void theDeploymentGuideDocumentsEveryParameterAndSetting() throws IOException {
        String guide = Files.readString(ArmTemplate.REPO.resolve("docs/deployment.md"));
        template.parameters().fieldNames().forEachRemaining(p ->
                assertThat(guide).as("docs/deployment.md documents parameter " + p).contains("`" + p + "`"));
        for (String name : template.appSettingNames()) {
            if (name.startsWith("KEYWARD_")) {
                assertThat(guide).as("docs/deployment.md documents " + name).contains(name);
            }
        }
    }

    private static String excuse(String name) {
        return OPTIONAL_WITH_DEFAULT.entrySet().stream()
                .filter(e -> e.getKey().endsWith("_") ? name.startsWith(e.getKey()) : name.equals(e.getKey()))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    private static JsonNode single(String type) {
        List<JsonNode> found = template.resourcesOfType(type);
        assertThat(found).as("one " + type).hasSize(1);
        return found.get(0);
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        collect(node, out);
        return out;
    }

    private static void collect(JsonNode node, List<String> out) {
        if (node.isTextual()) {
            out.add(node.asText());
        }
        node.fieldNames().forEachRemaining(out::add);
        node.forEach(child -> collect(child, out));
    }

    /** Parentheses and brackets balance outside ARM's single-quoted string literals ('' escapes a quote). */
    static boolean balanced(String expression) {
        String body = expression.substring(1, expression.length() - 1);
        int round = 0;
        int square = 0;
        boolean quoted = false;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted) {
                switch (c) {
                    case '(' -> round++;
                    case ')' -> round--;
                    case '[' -> square++;
                    case ']' -> square--;
                    default -> { }
                }
                if (round < 0 || square < 0) {
                    return false;
                }
            }
        }
        return round == 0 && square == 0 && !quoted;
    }
}
