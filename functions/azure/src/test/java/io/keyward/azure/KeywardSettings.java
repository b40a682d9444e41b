package io.keyward.azure;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * The settings Keyward's code reads, collected from the sources rather than listed by hand, each under its app
 * setting (environment variable) name, as Micronaut maps {@code KEYWARD_HSM_MAX_SESSIONS} to
 * {@code keyward.hsm.max-sessions}:
 * <ul>
 *   <li>{@code ${...}} placeholders and {@code keyward.*} values in functions/app's application.yml;</li>
 *   <li>{@code @ConfigurationProperties} records in functions/app (one setting per record component);</li>
 *   <li>{@code @Value("${...}")} and {@code @Requires(property = ...)} in functions/app;</li>
 *   <li>{@code %NAME%} schedules of {@code @TimerTrigger}s in functions/azure;</li>
 *   <li>the environment names crypto-hsm's {@code HsmConfig.fromEnvironment} reads, and any
 *       {@code System.getenv("KEYWARD_...")}.</li>
 * </ul>
 * A setting is <em>required</em> when some source reads it with no default, or when its default points at loopback
 * (a development value such as {@code vault.localhost} or {@code https://127.0.0.1:7443} that is wrong anywhere else).
 */
final class KeywardSettings {

    /** One setting: its app setting name, whether the code has a usable default, and where it was found. */
    record Setting(String name, boolean required, List<String> sources) {
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.\\-]+)(?::([^}]*))?}");
    private static final Pattern CONFIG_PROPERTIES = Pattern.compile("@ConfigurationProperties\\(\"([^\"]+)\"\\)");
    private static final Pattern VALUE = Pattern.compile("@Value\\(\"(\\$\\{[^\"]+})\"\\)");
    private static final Pattern REQUIRES = Pattern.compile("@Requires\\(property\\s*=\\s*\"([^\"]+)\"");
    private static final Pattern TIMER = Pattern.compile("schedule\\s*=\\s*\"%([A-Za-z0-9_]+)%\"");
    private static final Pattern GETENV = Pattern.compile("System\\.getenv\\(\"(KEYWARD_[A-Z0-9_]+)\"\\)");
    private static final Pattern ENV_GET = Pattern.compile("env\\.get\\(\"(KEYWARD_[A-Z0-9_]+)\"\\)");
    private static final Pattern ENV_OPTIONAL = Pattern.compile("env\\.(?:containsKey|getOrDefault)\\(\"(KEYWARD_[A-Z0-9_]+)\"");

    private final Map<String, Setting> settings = new TreeMap<>();

    static KeywardSettings scan(Path repo) {
        KeywardSettings s = new KeywardSettings();
        s.scanApplicationYml(repo.resolve("functions/app/src/main/resources/application.yml"));
        for (Path java : javaFiles(repo.resolve("functions/app/src/main/java"))) {
            String code = read(java);
            String where = repo.relativize(java).toString();
            s.scanConfigurationProperties(code, where);
            s.scanAnnotations(code, where);
        }
        for (Path java : javaFiles(repo.resolve("functions/azure/src/main/java"))) {
            Matcher m = TIMER.matcher(read(java));
            while (m.find()) {
                s.add(m.group(1), true, repo.relativize(java) + " @TimerTrigger");
            }
        }
        Path hsmConfig = repo.resolve("crypto-hsm/src/main/java/io/keyward/hsm/HsmConfig.java");
        String code = read(hsmConfig);
        List<String> optional = new ArrayList<>();
        Matcher opt = ENV_OPTIONAL.matcher(code);
        while (opt.find()) {
            optional.add(opt.group(1));
            s.add(opt.group(1), false, "HsmConfig.fromEnvironment");
        }
        Matcher get = ENV_GET.matcher(code);
        while (get.find()) {
            s.add(get.group(1), !optional.contains(get.group(1)), "HsmConfig.fromEnvironment");
        }
        if (s.settings.keySet().stream().noneMatch(n -> n.startsWith("KEYWARD_HSM_"))) {
            throw new AssertionError("found no KEYWARD_HSM_* in " + hsmConfig + ": has fromEnvironment changed shape?");
        }
        return s;
    }

    Map<String, Setting> all() {
        return settings;
    }

    Optional<Setting> get(String name) {
        return Optional.ofNullable(settings.get(name));
    }

    /** keyward.hsm.max-sessions, KEYWARD_HSM_MAX_SESSIONS -> KEYWARD_HSM_MAX_SESSIONS */
    static String envName(String property) {
        return property.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    private void add(String property, boolean required, String source) {
        String name = envName(property);
        Setting previous = settings.get(name);
        List<String> sources = new ArrayList<>(previous == null ? List.of() : previous.sources());
        sources.add(source);
        settings.put(name, new Setting(name, required || (previous != null && previous.required()), sources));
    }

    private void addWithDefault(String property, String defaultValue, String source) {
        boolean devDefault = defaultValue != null && (defaultValue.contains("localhost") || defaultValue.contains("127.0.0.1"));
        add(property, defaultValue == null || devDefault, source);
    }

    private void scanApplicationYml(Path yml) {
        Object tree;
        try (Reader r = Files.newBufferedReader(yml)) {
            tree = new Yaml().load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        walkYaml("", tree, "application.yml");
    }

    private void walkYaml(String path, Object node, String source) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walkYaml(path.isEmpty() ? String.valueOf(k) : path + "." + k, v, source));
            return;
        }
        if (node == null) {
            return;
        }
        String value = String.valueOf(node);
        Matcher m = PLACEHOLDER.matcher(value);
        boolean placeholder = false;
        while (m.find()) {
            placeholder = true;
            if (m.group(1).toLowerCase(Locale.ROOT).startsWith("keyward")) {
                addWithDefault(m.group(1), m.group(2), source + " " + path);
            }
        }
        if (!placeholder && path.startsWith("keyward.")) {
            // a plain value of Keyward's own: the environment variable of the same path overrides it
            addWithDefault(path, value, source + " " + path);
        }
    }

    private void scanConfigurationProperties(String code, String where) {
        Matcher cp = CONFIG_PROPERTIES.matcher(code);
        while (cp.find()) {
            String prefix = cp.group(1);
            int record = code.indexOf("record ", cp.end());
            int open = record < 0 ? -1 : code.indexOf('(', record);
            if (open < 0 || code.substring(cp.end(), record).contains("class ")) {
                throw new AssertionError(where + ": @ConfigurationProperties(\"" + prefix + "\") is not on a record; "
                        + "KeywardSettings reads records' components only");
            }
            for (String component : splitTopLevel(code.substring(open + 1, closing(code, open)))) {
                String c = component.trim();
                String name = c.substring(c.lastIndexOf(' ') + 1);
                Matcher def = Pattern.compile("@Bindable\\(defaultValue\\s*=\\s*\"([^\"]*)\"\\)").matcher(c);
                String property = prefix + "." + kebab(name);
                if (def.find()) {
                    addWithDefault(property, def.group(1), where + " " + property);
                } else {
                    // @Nullable: unset is a state the code handles (the feature is off, or the JDK's default applies)
                    add(property, !c.contains("@Nullable"), where + " " + property);
                }
            }
        }
    }

    private void scanAnnotations(String code, String where) {
        Matcher v = VALUE.matcher(code);
        while (v.find()) {
            Matcher p = PLACEHOLDER.matcher(v.group(1));
            if (p.find()) {
                addWithDefault(p.group(1), p.group(2), where + " @Value");
            }
        }
        Matcher r = REQUIRES.matcher(code);
        while (r.find()) {
            // a switch: unset turns a bean off (or on), so the deployment must decide it
            add(r.group(1), true, where + " @Requires");
        }
        Matcher e = GETENV.matcher(code);
        while (e.find()) {
            add(e.group(1), true, where + " System.getenv");
        }
    }

    private static int closing(String code, int open) {
        int depth = 0;
        boolean string = false;
        for (int i = open; i < code.length(); i++) {
            char ch = code.charAt(i);
            if (ch == '"' && code.charAt(i - 1) != '\\') {
                string = !string;
            } else if (!string && ch == '(') {
                depth++;
            } else if (!string && ch == ')' && --depth == 0) {
                return i;
            }
        }
        throw new AssertionError("unbalanced parentheses");
    }

    private static List<String> splitTopLevel(String components) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean string = false;
        int start = 0;
        for (int i = 0; i < components.length(); i++) {
            char ch = components.charAt(i);
            if (ch == '"' && (i == 0 || components.charAt(i - 1) != '\\')) {
                string = !string;
            } else if (!string && (ch == '(' || ch == '<')) {
                depth++;
            } else if (!string && (ch == ')' || ch == '>')) {
                depth--;
            } else if (!string && depth == 0 && ch == ',') {
                parts.add(components.substring(start, i));
                start = i + 1;
            }
        }
        if (!components.isBlank()) {
            parts.add(components.substring(start));
        }
        return parts;
    }

    private static List<Path> javaFiles(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
