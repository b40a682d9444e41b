package io.keyward.local;

import java.util.regex.Pattern;

/**
 * An Azure Functions HTTP route template ({@code keys/{name}/{version?}}, {@code {*rest}}, {@code {id:int}}),
 * compiled to a pattern over the request path. Literal segments match case-insensitively, as in the Functions host.
 */
record RouteTemplate(String template, Pattern pattern, int literalSegments) {

    static RouteTemplate compile(String routePrefix, String route) {
        String full = join(routePrefix, route);
        StringBuilder re = new StringBuilder("^");
        int literals = 0;
        for (String seg : full.split("/")) {
            if (seg.isEmpty()) {
                continue;
            }
            if (seg.startsWith("{") && seg.endsWith("}")) {
                String inner = seg.substring(1, seg.length() - 1);
                if (inner.startsWith("*")) {
                    re.append("(?:/.*)?");
                } else if (inner.endsWith("?")) {
                    re.append("(?:/[^/]+)?");
                } else {
                    re.append(inner.endsWith(":int") ? "/-?[0-9]+" : "/[^/]+");
                }
            } else {
                re.append('/').append(Pattern.quote(seg));
                literals++;
            }
        }
        re.append("/?$");
        return new RouteTemplate(full, Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE), literals);
    }

    boolean matches(String path) {
        return pattern.matcher(path.isEmpty() ? "/" : path).matches();
    }

    private static String join(String prefix, String route) {
        String p = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
        String r = route == null ? "" : route.replaceAll("^/+|/+$", "");
        return p.isEmpty() ? r : r.isEmpty() ? p : p + "/" + r;
    }
}
