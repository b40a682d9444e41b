package io.keyward.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** infra/azure/main.json as the tests read it: parameters, resources, and the Function App's appSettings. */
record ArmTemplate(Path file, JsonNode root) {

    /** Relative to functions/azure, the directory Maven runs the tests in. */
    static final Path REPO = Path.of("../..");
    static final Path DEFAULT = REPO.resolve("infra/azure/main.json");
    static final Path EXAMPLE_PARAMETERS = REPO.resolve("infra/azure/main.parameters.example.json");

    static ArmTemplate load(Path file) {
        try {
            return new ArmTemplate(file, new ObjectMapper().readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    JsonNode parameters() {
        return root.path("parameters");
    }

    List<JsonNode> resources() {
        List<JsonNode> list = new ArrayList<>();
        root.path("resources").forEach(list::add);
        return list;
    }

    List<JsonNode> resourcesOfType(String type) {
        return resources().stream().filter(r -> type.equalsIgnoreCase(r.path("type").asText())).toList();
    }

    JsonNode functionApp() {
        List<JsonNode> sites = resourcesOfType("Microsoft.Web/sites");
        if (sites.size() != 1) {
            throw new AssertionError(file + ": expected exactly one Microsoft.Web/sites resource, found " + sites.size());
        }
        return sites.get(0);
    }

    /** name -> value (an ARM expression or a literal), in template order. */
    Map<String, String> appSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        for (JsonNode s : functionApp().path("properties").path("siteConfig").path("appSettings")) {
            String previous = settings.put(s.path("name").asText(), s.path("value").asText());
            if (previous != null) {
                throw new AssertionError(file + ": app setting " + s.path("name").asText() + " is set twice");
            }
        }
        return settings;
    }

    Set<String> appSettingNames() {
        return new TreeSet<>(appSettings().keySet());
    }

    /** The parameter an expression of exactly the form {@code [parameters('x')]} names. */
    static Optional<String> parameterOf(String value) {
        var m = java.util.regex.Pattern.compile("^\\[parameters\\('([A-Za-z0-9_]+)'\\)]$").matcher(value);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    static boolean isExpression(String value) {
        return value.startsWith("[") && !value.startsWith("[[") && value.endsWith("]");
    }
}
