package io.keyward.app.authorization;

import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.ResourceGroupName;
import io.keyward.app.arm.SubscriptionId;
import io.micronaut.core.annotation.Nullable;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a role assignment applies, and what an operation is checked against: a subscription
 * ({@code /subscriptions/{s}}), a resource group ({@code .../resourceGroups/{g}}) or a resource, nested ones included
 * ({@code .../providers/Microsoft.KeyVault/vaults/{v}/keys/{k}}). An assignment at a scope applies to every scope below
 * it. Compared without case, as ARM compares ids; {@link #toString()} keeps the spelling given.
 */
public record Scope(String subscriptionId, String path) {

    private static final Pattern GUID = Pattern.compile("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$");

    public static Scope subscription(SubscriptionId sub) {
        return new Scope(sub.value(), "/subscriptions/" + sub.value());
    }

    public static Scope group(SubscriptionId sub, @Nullable ResourceGroupName group) {
        return group == null ? subscription(sub) : new Scope(sub.value(), "/subscriptions/" + sub.value() + "/resourceGroups/" + group.value());
    }

    public static Scope of(ArmResourceId id) {
        return new Scope(id.subscriptionId(), id.toString());
    }

    /** A child of this scope ({@code keys/k1} of a vault). */
    public Scope child(String type, String name) {
        return new Scope(subscriptionId, path + "/" + type + "/" + name);
    }

    /** A well-formed subscription, group or resource scope; empty for anything else (the tenant root {@code /} included). */
    public static Optional<Scope> parse(@Nullable String value) {
        if (value == null || !value.startsWith("/")) {
            return Optional.empty();
        }
        String trimmed = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        String[] s = trimmed.substring(1).split("/", -1);
        for (String segment : s) {
            if (segment.isEmpty()) {
                return Optional.empty();
            }
        }
        if (s.length < 2 || !s[0].equalsIgnoreCase("subscriptions") || !GUID.matcher(s[1]).matches()) {
            return Optional.empty();
        }
        String sub = s[1].toLowerCase(Locale.ROOT);
        if (s.length == 2) {
            return Optional.of(new Scope(sub, "/subscriptions/" + sub));
        }
        if (s.length == 4 && s[2].equalsIgnoreCase("resourceGroups")) {
            return Optional.of(new Scope(sub, "/subscriptions/" + sub + "/resourceGroups/" + s[3]));
        }
        return ArmResourceId.parse(trimmed).map(Scope::of);
    }

    /** The lower-case form indexes and comparisons use. */
    public String key() {
        return path.toLowerCase(Locale.ROOT);
    }

    /** Whether an assignment at this scope applies at {@code other}: the same scope or one below it. */
    public boolean covers(Scope other) {
        String mine = key();
        String theirs = other.key();
        return theirs.equals(mine) || theirs.startsWith(mine + "/");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Scope other && key().equals(other.key());
    }

    @Override
    public int hashCode() {
        return key().hashCode();
    }

    @Override
    public String toString() {
        return path;
    }
}
