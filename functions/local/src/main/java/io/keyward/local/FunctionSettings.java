package io.keyward.local;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the Functions runtime reads besides the code: {@code host.json} (the HTTP route prefix) and the app
 * settings, which locally are the environment, then system properties, then {@code local.settings.json} Values.
 * Both JSON files come from keyward-azure's {@code src/main/azure}, packaged under {@code azure/}.
 */
final class FunctionSettings {

    private static final Pattern SETTING = Pattern.compile("%([A-Za-z0-9_.:-]+)%");

    private final Map<String, String> environment;
    private final Map<String, Object> hostJson;
    private final Map<String, Object> localValues;

    private FunctionSettings(Map<String, String> environment, Map<String, Object> hostJson, Map<String, Object> localValues) {
        this.environment = environment;
        this.hostJson = hostJson;
        this.localValues = localValues;
    }

    static FunctionSettings load(Map<String, String> environment) {
        Map<String, Object> local = readJson("azure/local.settings.json");
        Object values = local.get("Values");
        @SuppressWarnings("unchecked")
        Map<String, Object> v = values instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        return new FunctionSettings(environment, readJson("azure/host.json"), v);
    }

    /** {@code extensions.http.routePrefix}; the runtime's default is "api". */
    String routePrefix() {
        Object ext = hostJson.get("extensions");
        if (ext instanceof Map<?, ?> e && e.get("http") instanceof Map<?, ?> h && h.get("routePrefix") instanceof String p) {
            return p;
        }
        return "api";
    }

    String setting(String name) {
        String v = environment.get(name);
        if (v == null) {
            v = System.getProperty(name);
        }
        if (v == null && localValues.get(name) != null) {
            v = localValues.get(name).toString();
        }
        return v;
    }

    /** Replaces {@code %NAME%} with the app setting, as the runtime does for trigger attributes. */
    String resolve(String text) {
        Matcher m = SETTING.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = setting(m.group(1));
            if (v == null) {
                throw new IllegalStateException("app setting " + m.group(1) + " is not set (environment or local.settings.json)");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Map<String, Object> readJson(String resource) {
        InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource);
        if (in == null) {
            return Map.of();
        }
        try (in; JsonParser p = new JsonFactory().createParser(in)) {
            p.nextToken();
            Object value = read(p);
            @SuppressWarnings("unchecked")
            Map<String, Object> map = value instanceof Map<?, ?> ? (Map<String, Object>) value : Map.of();
            return map;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    private static Object read(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, Object> map = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                map.put(name, read(p));
            }
            return map;
        }
        if (t == JsonToken.START_ARRAY) {
            List<Object> list = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                list.add(read(p));
            }
            return list;
        }
        return switch (t) {
            case VALUE_NULL -> null;
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue();
            default -> p.getText();
        };
    }
}
