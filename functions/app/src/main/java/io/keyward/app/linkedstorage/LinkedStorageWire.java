package io.keyward.app.linkedstorage;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON shapes of ARM {@code workspaces/linkedStorageAccounts} (LinkedStorageAccounts.json) and
 * {@code workspaces/savedSearches} (SavedSearches.json), operationalinsights resource-manager stable 2020-08-01. Member
 * names of requests are matched without case (the spec's own examples send {@code "Category"}); a member these shapes do
 * not have is refused naming it, never accepted and dropped.
 */
final class LinkedStorageWire {

    static final String LINK_TYPE = "Microsoft.OperationalInsights/workspaces/linkedStorageAccounts";
    static final String SEARCH_TYPE = "Microsoft.OperationalInsights/savedSearches";

    private LinkedStorageWire() {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record LinkOut(String id, String name, String type, LinkProperties properties) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record LinkProperties(String dataSourceType, List<String> storageAccountIds) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SearchOut(String id, String name, String type, String etag, SearchProperties properties) {
    }

    /** What is sealed of a saved search, and what its {@code properties} show. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SearchProperties(String category, String displayName, String query, @Nullable String functionAlias,
                            @Nullable String functionParameters, @Nullable Long version, @Nullable List<Tag> tags) {
    }

    @Serdeable
    record Tag(String name, String value) {
    }

    /** {@code value} is always there, an empty list too (serde leaves empty members out by default). */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Listed<T>(List<T> value) {
    }

    static LinkOut link(String workspaceId, LinkRepository.Link l) {
        return new LinkOut(workspaceId + "/linkedStorageAccounts/" + l.dataSourceType(), l.dataSourceType(), LINK_TYPE,
                new LinkProperties(l.dataSourceType(), List.of(l.storageAccountId())));
    }

    static SearchOut search(String workspaceId, SavedSearchRepository.Row r, SearchProperties p) {
        return new SearchOut(workspaceId + "/savedSearches/" + r.name(), r.name(), SEARCH_TYPE, r.etag(), p);
    }

    // --- reading requests

    /** The link's storage account ids; {@code properties.dataSourceType}, when sent, must be the path's. */
    static List<String> storageAccountIds(Map<?, ?> body, String dataSourceType) {
        only(body, "", Set.of("id", "name", "type", "properties"));
        Map<?, ?> properties = object(body, "properties", "");
        if (properties == null) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'properties' property is required.", "properties");
        }
        only(properties, "properties", Set.of("dataSourceType", "storageAccountIds"));
        Object type = member(properties, "dataSourceType");
        if (type != null && !dataSourceType.equalsIgnoreCase(String.valueOf(type))) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "properties.dataSourceType '" + type + "' is not the data source type of"
                    + " the path ('" + dataSourceType + "').", "properties.dataSourceType");
        }
        Object ids = member(properties, "storageAccountIds");
        if (!(ids instanceof List<?> list) || list.stream().anyMatch(i -> !(i instanceof String))) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "properties.storageAccountIds is required: an array of storage account"
                    + " resource ids.", "properties.storageAccountIds");
        }
        List<String> out = new ArrayList<>();
        list.forEach(i -> out.add((String) i));
        return out;
    }

    /** A saved search's etag (null: none sent) and properties, checked: category, displayName and query are required. */
    record SearchRequest(@Nullable String etag, SearchProperties properties) {
    }

    static SearchRequest search(Map<?, ?> body) {
        only(body, "", Set.of("id", "name", "type", "etag", "properties"));
        Map<?, ?> p = object(body, "properties", "");
        if (p == null) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'properties' property is required.", "properties");
        }
        only(p, "properties", Set.of("category", "displayName", "query", "functionAlias", "functionParameters", "version", "tags"));
        List<Tag> tags = null;
        Object t = member(p, "tags");
        if (t != null) {
            if (!(t instanceof List<?> list)) {
                throw new ArmException(ArmErrorCode.InvalidParameter, "properties.tags must be an array of {name, value}.", "properties.tags");
            }
            tags = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                String at = "properties.tags[" + i + "]";
                if (!(list.get(i) instanceof Map<?, ?> tag)) {
                    throw new ArmException(ArmErrorCode.InvalidParameter, at + " must be an object {name, value}.", at);
                }
                only(tag, at, Set.of("name", "value"));
                tags.add(new Tag(requiredString(tag, "name", at), requiredString(tag, "value", at)));
            }
        }
        Object version = member(p, "version");
        if (version != null && !(version instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()))) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "properties.version must be an integer.", "properties.version");
        }
        Object etag = member(body, "etag");
        if (etag != null && !(etag instanceof String)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "etag must be a string.", "etag");
        }
        return new SearchRequest((String) etag, new SearchProperties(requiredString(p, "category", "properties"),
                requiredString(p, "displayName", "properties"), requiredString(p, "query", "properties"),
                optionalString(p, "functionAlias", "properties"), optionalString(p, "functionParameters", "properties"),
                version == null ? null : ((Number) version).longValue(), tags));
    }

    private static void only(Map<?, ?> object, String path, Set<String> names) {
        for (Object key : object.keySet()) {
            String name = String.valueOf(key);
            if (names.stream().noneMatch(name::equalsIgnoreCase)) {
                String at = path.isEmpty() ? name : path + "." + name;
                throw new ArmException(ArmErrorCode.InvalidParameter, "The property '" + at + "' is not supported here; remove it from the"
                        + " request.", at);
            }
        }
    }

    @Nullable
    private static Object member(Map<?, ?> object, String name) {
        for (Map.Entry<?, ?> e : object.entrySet()) {
            if (name.equalsIgnoreCase(String.valueOf(e.getKey()))) {
                return e.getValue();
            }
        }
        return null;
    }

    @Nullable
    private static Map<?, ?> object(Map<?, ?> object, String name, String path) {
        Object value = member(object, name);
        if (value != null && !(value instanceof Map<?, ?>)) {
            String at = path.isEmpty() ? name : path + "." + name;
            throw new ArmException(ArmErrorCode.InvalidParameter, "The property '" + at + "' must be a JSON object.", at);
        }
        return (Map<?, ?>) value;
    }

    private static String requiredString(Map<?, ?> object, String name, String path) {
        String value = optionalString(object, name, path);
        if (value == null || value.isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The '" + path + "." + name + "' property is required.", path + "." + name);
        }
        return value;
    }

    @Nullable
    private static String optionalString(Map<?, ?> object, String name, String path) {
        Object value = member(object, name);
        if (value != null && !(value instanceof String)) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The property '" + path + "." + name + "' must be a string.",
                    path + "." + name);
        }
        return (String) value;
    }
}
