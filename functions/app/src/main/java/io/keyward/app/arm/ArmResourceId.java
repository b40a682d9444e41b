package io.keyward.app.arm;

import io.micronaut.core.annotation.Nullable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An ARM resource id, {@code /subscriptions/{s}/resourceGroups/{g}/providers/{Namespace}/{type}/{name}[/{type}/{name}]...}:
 * the one parser of resource ids in Keyward. ARM compares ids without case, so two ids are equal when they differ only in
 * case ({@link #equals}, {@link #key()}), while {@link #toString()} keeps the spelling it was given (ARM answers with the
 * name as first created). A trailing slash is dropped.
 *
 * @param subscriptionId lower case
 * @param resourceGroup  as given
 * @param namespace      as given, e.g. {@code Microsoft.KeyVault}
 * @param types          the resource type's segments after the namespace ({@code clusters}, or {@code workspaces},
 *                       {@code linkedServices}), as given
 * @param names          one name per type segment, as given
 */
public record ArmResourceId(String subscriptionId, String resourceGroup, String namespace, List<String> types, List<String> names) {

    public ArmResourceId {
        types = List.copyOf(types);
        names = List.copyOf(names);
        if (types.isEmpty() || types.size() != names.size()) {
            throw new IllegalArgumentException("a resource id needs one name per type segment");
        }
    }

    /** A top-level resource of {@code type} ({@code Microsoft.Kusto/clusters}). */
    public static ArmResourceId of(SubscriptionId sub, ResourceGroupName group, String type, String name) {
        int slash = type.indexOf('/');
        return new ArmResourceId(sub.value(), group.value(), type.substring(0, slash), List.of(type.substring(slash + 1)), List.of(name));
    }

    /** Any well-formed resource id, or empty. Subscription ids are GUIDs; group and names are non-empty segments. */
    public static Optional<ArmResourceId> parse(@Nullable String id) {
        if (id == null || !id.startsWith("/")) {
            return Optional.empty();
        }
        String trimmed = id.endsWith("/") ? id.substring(0, id.length() - 1) : id;
        String[] s = trimmed.substring(1).split("/", -1);
        // subscriptions/{s}/resourceGroups/{g}/providers/{ns}/{type}/{name}[/{type}/{name}]...
        if (s.length < 8 || s.length % 2 != 0 || !s[0].equalsIgnoreCase("subscriptions") || !s[2].equalsIgnoreCase("resourceGroups")
                || !s[4].equalsIgnoreCase("providers")) {
            return Optional.empty();
        }
        for (String segment : s) {
            if (segment.isEmpty()) {
                return Optional.empty();
            }
        }
        SubscriptionId sub;
        ResourceGroupName group;
        try {
            sub = SubscriptionId.parse(s[1]);
            group = ResourceGroupName.parse(s[3]);
        } catch (ArmException e) {
            return Optional.empty();
        }
        List<String> types = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 6; i < s.length; i += 2) {
            types.add(s[i]);
            names.add(s[i + 1]);
        }
        return Optional.of(new ArmResourceId(sub.value(), group.value(), s[5], types, names));
    }

    /** A resource id of exactly {@code type} ({@code Microsoft.OperationalInsights/clusters}, compared without case), or empty. */
    public static Optional<ArmResourceId> parse(@Nullable String id, String type) {
        return parse(id).filter(r -> r.isOfType(type));
    }

    /** Whether this is a resource of {@code type} ({@code Namespace/type[/childType]}), compared without case. */
    public boolean isOfType(String type) {
        return type().equalsIgnoreCase(type);
    }

    /** {@code Namespace/type[/childType]...} as given. */
    public String type() {
        return namespace + "/" + String.join("/", types);
    }

    /** The last name: the resource's own. */
    public String name() {
        return names.get(names.size() - 1);
    }

    public SubscriptionId subscription() {
        return new SubscriptionId(subscriptionId);
    }

    public ResourceGroupName group() {
        return new ResourceGroupName(resourceGroup);
    }

    /** The parent resource of a child resource ({@code workspaces/w} of {@code workspaces/w/linkedServices/l}). */
    public Optional<ArmResourceId> parent() {
        return types.size() == 1 ? Optional.empty() : Optional.of(new ArmResourceId(subscriptionId, resourceGroup, namespace,
                types.subList(0, types.size() - 1), names.subList(0, names.size() - 1)));
    }

    /** The id in lower case: what indexes and comparisons use. */
    public String key() {
        return toString().toLowerCase(Locale.ROOT);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ArmResourceId other && key().equals(other.key());
    }

    @Override
    public int hashCode() {
        return key().hashCode();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("/subscriptions/").append(subscriptionId).append("/resourceGroups/").append(resourceGroup)
                .append("/providers/").append(namespace);
        for (int i = 0; i < types.size(); i++) {
            b.append('/').append(types.get(i)).append('/').append(names.get(i));
        }
        return b.toString();
    }
}
