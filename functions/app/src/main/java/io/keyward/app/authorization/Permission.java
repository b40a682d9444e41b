package io.keyward.app.authorization;

import io.micronaut.serde.annotation.Serdeable;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One permission block of a role definition, as Azure writes it: what it grants ({@code actions} on the management
 * plane, {@code dataActions} on data planes) minus what it carves out ({@code notActions}, {@code notDataActions}).
 * Entries compare without case, and {@code *} stands for any run of characters, slashes included
 * ({@code Microsoft.KeyVault/*}, {@code *}{@code /read}, {@code Microsoft.Authorization/*}{@code /Delete}). A notAction is no
 * deny: it only narrows this block, so another role that grants the action still grants it (Azure's rule).
 */
@Serdeable
public record Permission(List<String> actions, List<String> notActions, List<String> dataActions, List<String> notDataActions) {

    /** What an entry may look like: a provider namespace and path segments, or wildcards. */
    static final Pattern ENTRY = Pattern.compile("^(\\*|[A-Za-z0-9.*]+(/[A-Za-z0-9._*-]+)*)$");

    public Permission {
        actions = actions == null ? List.of() : List.copyOf(actions);
        notActions = notActions == null ? List.of() : List.copyOf(notActions);
        dataActions = dataActions == null ? List.of() : List.copyOf(dataActions);
        notDataActions = notDataActions == null ? List.of() : List.copyOf(notDataActions);
    }

    static Permission actions(List<String> actions, List<String> notActions) {
        return new Permission(actions, notActions, List.of(), List.of());
    }

    /** Whether this block grants the management-plane {@code action}. */
    public boolean allows(String action) {
        return matchesAny(actions, action) && !matchesAny(notActions, action);
    }

    /** Whether this block grants the data-plane {@code dataAction}. */
    public boolean allowsData(String dataAction) {
        return matchesAny(dataActions, dataAction) && !matchesAny(notDataActions, dataAction);
    }

    private static boolean matchesAny(List<String> patterns, String action) {
        for (String p : patterns) {
            if (matches(p, action)) {
                return true;
            }
        }
        return false;
    }

    static boolean matches(String pattern, String action) {
        String p = pattern.toLowerCase(Locale.ROOT);
        String a = action.toLowerCase(Locale.ROOT);
        if (p.indexOf('*') < 0) {
            return p.equals(a);
        }
        return glob(p, 0, a, 0);
    }

    /** Glob with {@code *} only; entries are short (a few segments), so the backtracking stays small. */
    private static boolean glob(String p, int pi, String a, int ai) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '*') {
                while (pi < p.length() && p.charAt(pi) == '*') {
                    pi++;
                }
                if (pi == p.length()) {
                    return true;
                }
                for (int k = ai; k <= a.length(); k++) {
                    if (glob(p, pi, a, k)) {
                        return true;
                    }
                }
                return false;
            }
            if (ai >= a.length() || a.charAt(ai) != c) {
                return false;
            }
            pi++;
            ai++;
        }
        return ai == a.length();
    }
}
