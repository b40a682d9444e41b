package io.keyward.local;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An Azure Functions HTTP route template ({@code keys/{name}/{version?}}, {@code {*rest}}, {@code {id:int}}),
 * compiled to a pattern over the request path. Literal segments match case-insensitively, as in the Functions host.
 * {@code precedence} has one digit per segment (1 literal, 2 constrained, 3 parameter, 4 optional, 5 catch-all).
 */
record RouteTemplate(String template, Pattern pattern, int literalSegments, String precedence) {

    static RouteTemplate compile(String routePrefix, String route) {
        String full = join(routePrefix, route);
        StringBuilder re = new StringBuilder("^");
        int literals = 0;
        StringBuilder rank = new StringBuilder();
        for (String seg : full.split("/")) {
            if (seg.isEmpty()) {
                continue;
            }
            if (seg.startsWith("{") && seg.endsWith("}")) {
                String inner = seg.substring(1, seg.length() - 1);
                if (inner.startsWith("*")) {
                    re.append("(?:/.*)?");
                    rank.append('5');
                } else if (inner.endsWith("?")) {
                    re.append("(?:/[^/]+)?");
                    rank.append('4');
                } else {
                    re.append(inner.endsWith(":int") ? "/-?[0-9]+" : "/[^/]+");
                    rank.append(inner.contains(":") ? '2' : '3');
                }
            } else {
                re.append('/').append(Pattern.quote(seg));
                literals++;
                rank.append('1');
            }
        }
        re.append("/?$");
        return new RouteTemplate(full, Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE), literals, rank.toString());
    }

    /**
     * Orders templates most specific first, as ASP.NET Core's route precedence does: segment by segment from the
     * left, a literal beats a constrained parameter, which beats a parameter, an optional one, a catch-all. So
     * {@code keys/{name}/{version}} wins over {@code {tenant}/discovery/v2.0/keys} for {@code /keys/discovery/v2.0},
     * although the latter has more literal segments.
     */
    static int bySpecificity(RouteTemplate a, RouteTemplate b) {
        return a.precedence.compareTo(b.precedence);
    }

    /**
     * The template's first segment in lower case when it is a literal, else null (a parameter, or no segment): a
     * path whose first segment is another can never match (literals match case-insensitively, ASCII only, so
     * lower-casing both sides never misses a match).
     */
    String firstLiteral() {
        for (String seg : template.split("/")) {
            if (!seg.isEmpty()) {
                return seg.startsWith("{") && seg.endsWith("}") ? null : seg.toLowerCase(Locale.ROOT);
            }
        }
        return null;
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
