package io.keyward.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads what {@code azure-functions-maven-plugin}'s {@code package} goal generated in
 * {@code target/azure-functions/keyward/} (failsafe runs this after {@code package}) and checks it is the app the
 * Functions host will load: one function.json per operation, exactly the set in {@code expected-functions.tsv}, each
 * pointing at a method that exists, with the host.json, local.settings.json and lib/ that Core Tools and Azure expect.
 */
class FunctionJsonIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path app;

    @BeforeAll
    static void locate() {
        app = Path.of(System.getProperty("keyward.functions.dir", "target/azure-functions/keyward"));
        assertThat(app.resolve("host.json"))
                .as("the package goal's output; run `mvn verify` (or package) in functions/azure first").isRegularFile();
    }

    @Test
    void theGeneratedFunctionsAreExactlyTheExpectedList() throws IOException {
        Map<String, FunctionLine> expected = FunctionLine.readExpected(
                Path.of("src/test/resources/expected-functions.tsv"));
        Map<String, FunctionLine> actual = new TreeMap<>();
        for (Path dir : functionDirs()) {
            actual.put(dir.getFileName().toString(), FunctionLine.of(dir.getFileName().toString(), read(dir.resolve("function.json"))));
        }

        List<String> problems = new ArrayList<>();
        for (String name : expected.keySet()) {
            if (!actual.containsKey(name)) {
                problems.add("missing: " + name + " (expected " + expected.get(name).tsv() + ")");
            } else if (!actual.get(name).equals(expected.get(name))) {
                problems.add("different: " + name + "\n      expected " + expected.get(name).tsv()
                        + "\n      generated " + actual.get(name).tsv());
            }
        }
        for (String name : actual.keySet()) {
            if (!expected.containsKey(name)) {
                problems.add("unexpected: " + name + " (generated " + actual.get(name).tsv()
                        + "); if it is meant to be there, add this line to src/test/resources/expected-functions.tsv:\n"
                        + actual.get(name).line());
            }
        }
        assertThat(problems)
                .as("generated function.json files vs src/test/resources/expected-functions.tsv:\n  "
                        + String.join("\n  ", problems))
                .isEmpty();
    }

    /**
     * Anonymous on purpose: Keyward authenticates every call itself (bearer tokens checked by the app's
     * AuthenticationFilter, Key Vault's 401 challenge), as Azure's own endpoints do. A function key would be a second
     * credential that the unmodified Azure SDK clients never send, so every call would fail with 401 from the host.
     */
    @Test
    void everyHttpFunctionIsAnonymousAndAnswersThroughItsReturnValue() throws IOException {
        for (Path dir : functionDirs()) {
            JsonNode fn = read(dir.resolve("function.json"));
            JsonNode trigger = fn.path("bindings").get(0);
            if (!"httpTrigger".equals(trigger.path("type").asText())) {
                continue;
            }
            assertThat(trigger.path("authLevel").asText().toLowerCase(Locale.ROOT)).as(dir + " authLevel").isEqualTo("anonymous");
            assertThat(fn.path("bindings")).as(dir + " bindings").hasSize(2);
            JsonNode out = fn.path("bindings").get(1);
            assertThat(out.path("type").asText() + " " + out.path("direction").asText() + " " + out.path("name").asText())
                    .as(dir + " output binding").isEqualTo("http out $return");
            // The Functions host reserves these first segments for its own APIs; with routePrefix "" a route there
            // would be shadowed or refused.
            String first = trigger.path("route").asText().split("/")[0].toLowerCase(Locale.ROOT);
            assertThat(first).as(dir + " route").isNotIn("admin", "runtime");
        }
    }

    /** Two functions on the same method and route template would be ambiguous to the host's router. */
    @Test
    void noTwoHttpFunctionsShareAMethodAndRoute() throws IOException {
        Map<String, String> seen = new TreeMap<>();
        List<String> clashes = new ArrayList<>();
        for (Path dir : functionDirs()) {
            JsonNode trigger = read(dir.resolve("function.json")).path("bindings").get(0);
            if (!"httpTrigger".equals(trigger.path("type").asText())) {
                continue;
            }
            // parameter names do not disambiguate: keys/{name} and keys/{key} are the same template
            String route = trigger.path("route").asText().toLowerCase(Locale.ROOT).replaceAll("\\{[^}]*}", "{}");
            for (JsonNode method : trigger.path("methods")) {
                String key = method.asText().toUpperCase(Locale.ROOT) + " " + route;
                String other = seen.put(key, dir.getFileName().toString());
                if (other != null) {
                    clashes.add(key + ": " + other + " and " + dir.getFileName());
                }
            }
        }
        assertThat(clashes).as("functions on the same method and route").isEmpty();
    }

    @Test
    void everyTimerScheduleIsASettingOfLocalSettingsAndTheTemplateOrAValidNcrontab() throws IOException {
        Set<String> local = fieldNames(read(app.resolve("local.settings.json")).path("Values"));
        Set<String> template = ArmTemplate.load(ArmTemplate.DEFAULT).appSettingNames();
        int timers = 0;
        for (Path dir : functionDirs()) {
            JsonNode trigger = read(dir.resolve("function.json")).path("bindings").get(0);
            if (!"timerTrigger".equals(trigger.path("type").asText())) {
                continue;
            }
            timers++;
            String schedule = trigger.path("schedule").asText();
            if (schedule.matches("%[A-Za-z0-9_]+%")) {
                String setting = schedule.substring(1, schedule.length() - 1);
                assertThat(local).as(dir + ": " + schedule + " in src/main/azure/local.settings.json").contains(setting);
                assertThat(template).as(dir + ": " + schedule + " in infra/azure/main.json appSettings").contains(setting);
            } else {
                // A literal schedule cannot be tuned per deployment; it must at least be the six-field NCRONTAB
                // (with seconds) that the Functions host parses.
                assertThat(schedule.trim().split("\\s+")).as(dir + " literal NCRONTAB schedule").hasSize(6);
            }
        }
        assertThat(timers).as("timer functions").isPositive();
    }

    /** Every entryPoint names a public method of the packaged jar's classes, annotated with that @FunctionName. */
    @Test
    void everyEntryPointIsTheAnnotatedMethodInThePackagedJar() throws Exception {
        for (Path dir : functionDirs()) {
            JsonNode fn = read(dir.resolve("function.json"));
            Path script = dir.toAbsolutePath().resolve(fn.path("scriptFile").asText()).normalize();
            assertThat(script).as(dir + " scriptFile").isRegularFile();
            assertThat(script.getParent()).as(dir + " scriptFile is the app jar beside host.json")
                    .isEqualTo(app.toAbsolutePath().normalize());
            String entry = fn.path("entryPoint").asText();
            String className = entry.substring(0, entry.lastIndexOf('.'));
            String methodName = entry.substring(entry.lastIndexOf('.') + 1);
            Method method = Arrays.stream(Class.forName(className).getMethods())
                    .filter(m -> m.getName().equals(methodName)).findFirst()
                    .orElseThrow(() -> new AssertionError(dir + ": no public method " + entry));
            assertThat(method.getAnnotation(com.microsoft.azure.functions.annotation.FunctionName.class).value())
                    .as(entry + " @FunctionName").isEqualTo(dir.getFileName().toString());
        }
    }

    /** What Core Tools (`func start` in this directory) and the Azure Functions Java worker load. */
    @Test
    void thePackageHasTheLayoutTheFunctionsHostLoads() throws IOException {
        JsonNode host = read(app.resolve("host.json"));
        assertThat(host.path("version").asText()).isEqualTo("2.0");
        assertThat(host.path("extensions").path("http").path("routePrefix").isTextual()).as("routePrefix set").isTrue();
        assertThat(host.path("extensions").path("http").path("routePrefix").asText())
                .as("ARM and Key Vault paths start at the root (/subscriptions/..., /keys/...)").isEmpty();
        assertThat(host.path("extensionBundle").path("id").asText()).isEqualTo("Microsoft.Azure.Functions.ExtensionBundle");

        try (Stream<Path> jars = Files.list(app.resolve("lib"))) {
            Set<String> lib = jars.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
            for (String needed : List.of("keyward-app-", "crypto-hsm-", "schema-", "ipkcs11wrapper-", "postgresql-",
                    "micronaut-azure-function-http-", "flyway-core-")) {
                assertThat(lib).as("lib/ holds " + needed + "*.jar").anyMatch(n -> n.startsWith(needed) && n.endsWith(".jar"));
            }
        }
        try (Stream<Path> top = Files.list(app)) {
            assertThat(top.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")))
                    .as("exactly one app jar beside host.json").singleElement().asString().startsWith("keyward-azure-");
        }
    }

    /**
     * local.settings.json is shipped for Core Tools; it must carry no secret. The PIN, database password and the like
     * come from the environment (Core Tools passes its own environment through) or, on Azure, from Key Vault references.
     */
    @Test
    void theShippedLocalSettingsCarryNoSecrets() throws IOException {
        JsonNode settings = read(app.resolve("local.settings.json"));
        assertThat(settings.path("IsEncrypted").asBoolean(true)).isFalse();
        JsonNode values = settings.path("Values");
        assertThat(values.path("FUNCTIONS_WORKER_RUNTIME").asText()).isEqualTo("java");
        for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            assertThat(e.getKey()).as("secret-looking setting in local.settings.json").doesNotContainPattern("(?i)pin|password|secret");
            assertThat(e.getValue().asText()).as(e.getKey()).doesNotContain("AccountKey=").doesNotContainPattern("(?i)password=");
        }
        assertThat(settings.has("ConnectionStrings")).as("no connection strings in local.settings.json").isFalse();
    }

    private static List<Path> functionDirs() throws IOException {
        try (Stream<Path> s = Files.list(app)) {
            List<Path> dirs = s.filter(d -> Files.isRegularFile(d.resolve("function.json"))).sorted().toList();
            assertThat(dirs).as("function.json files under " + app).isNotEmpty();
            return dirs;
        }
    }

    static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** One line of expected-functions.tsv, or what a function.json says in the same shape. */
    record FunctionLine(String name, String trigger, String spec, String route) {

        static FunctionLine of(String name, JsonNode functionJson) {
            JsonNode t = functionJson.path("bindings").get(0);
            return switch (t.path("type").asText()) {
                case "httpTrigger" -> {
                    List<String> methods = new ArrayList<>();
                    t.path("methods").forEach(m -> methods.add(m.asText().toUpperCase(Locale.ROOT)));
                    yield new FunctionLine(name, "http", String.join(",", methods), t.path("route").asText());
                }
                case "timerTrigger" -> new FunctionLine(name, "timer", t.path("schedule").asText(), "");
                default -> new FunctionLine(name, t.path("type").asText(), "", "");
            };
        }

        static Map<String, FunctionLine> readExpected(Path tsv) throws IOException {
            Map<String, FunctionLine> lines = new TreeMap<>();
            for (String line : Files.readAllLines(tsv)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", -1);
                if (f.length < 3) {
                    throw new AssertionError(tsv + ": not <name> TAB <trigger> TAB <spec> [TAB <route>]: " + line);
                }
                FunctionLine previous = lines.put(f[0].trim(), new FunctionLine(f[0].trim(), f[1].trim(), f[2].trim(),
                        f.length > 3 ? f[3].trim() : ""));
                if (previous != null) {
                    throw new AssertionError(tsv + ": " + f[0] + " is listed twice");
                }
            }
            return lines;
        }

        /** The line as expected-functions.tsv writes it (tab-separated). */
        String line() {
            return name + "\t" + trigger + "\t" + spec + (route.isEmpty() ? "" : "\t" + route);
        }

        String tsv() {
            return (trigger + "\t" + spec + (route.isEmpty() ? "" : "\t" + route)).replace("\t", " | ");
        }
    }
}
