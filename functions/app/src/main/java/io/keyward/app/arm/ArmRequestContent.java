package io.keyward.app.arm;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.util.Map;

/**
 * Reads an ARM request body. ARM controllers take the body as text and parse it here, so that malformed JSON or a
 * value of the wrong type becomes ARM's {@code InvalidRequestContent} envelope instead of Micronaut's own 400 body.
 * The parser's message is not passed on: it can quote input back and names Java types.
 */
@Singleton
public class ArmRequestContent {

    private final JsonMapper json;

    ArmRequestContent(JsonMapper json) {
        this.json = json;
    }

    public <T> T read(@Nullable String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            throw new ArmException(ArmErrorCode.InvalidRequestContent, "The request content was empty; a JSON object is required.");
        }
        JsonNode tree;
        try {
            tree = json.readValue(body, JsonNode.class);
        } catch (IOException | RuntimeException e) {
            throw invalid();
        }
        if (tree == null || tree.isNull()) {
            throw new ArmException(ArmErrorCode.InvalidRequestContent, "The request content was null; a JSON object is required.");
        }
        if (!tree.isObject()) {
            throw new ArmException(ArmErrorCode.InvalidRequestContent, "The request content must be a JSON object.");
        }
        requireStorable(tree, "");
        try {
            T value = json.readValueFromTree(tree, Argument.of(type));
            if (value == null) {
                throw invalid();
            }
            return value;
        } catch (IOException | RuntimeException e) {
            throw invalid();
        }
    }

    /**
     * Input hygiene before anything reads a value: a control character (U+0000 to U+001F, U+007F) in a member name or a
     * string, which PostgreSQL cannot store (NUL) or a log line could be split by, and a null tag, are refused naming the
     * property.
     */
    private static void requireStorable(JsonNode node, String path) {
        if (node.isString()) {
            if (hasControl(node.getStringValue())) {
                throw new ArmException(ArmErrorCode.InvalidRequestContent, "The property '" + path + "' contains a control character.",
                        path);
            }
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> member : node.entries()) {
                String name = member.getKey();
                String at = path.isEmpty() ? name : path + "." + name;
                if (hasControl(name)) {
                    throw new ArmException(ArmErrorCode.InvalidRequestContent, "A property name under '" + (path.isEmpty() ? "the body" : path)
                            + "' contains a control character.", path);
                }
                if (member.getValue().isNull() && path.equals("tags")) {
                    throw new ArmException(ArmErrorCode.InvalidParameter, "The tag '" + name + "' has no value: a tag value is a string.", at);
                }
                requireStorable(member.getValue(), at);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                requireStorable(node.get(i), path + "[" + i + "]");
            }
        }
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    private static ArmException invalid() {
        return new ArmException(ArmErrorCode.InvalidRequestContent,
                "The request content was invalid and could not be deserialized: it is not well-formed JSON or a"
                        + " property has a value of the wrong type.");
    }
}
