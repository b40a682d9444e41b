package io.keyward.app.arm;

import io.keyward.app.base.ControlCharacters;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;
import java.io.IOException;

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
        requireStorable(tree);
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
     * string, which PostgreSQL cannot store (NUL) or a log line could be split by, a null tag, and a null where the
     * resource's {@code properties} object belongs, are refused naming the property.
     */
    private static void requireStorable(JsonNode tree) {
        ControlCharacters.inJson(tree).ifPresent(f -> {
            throw switch (f.kind()) {
                case VALUE -> new ArmException(ArmErrorCode.InvalidRequestContent, "The property '" + f.path()
                        + "' contains a control character.", f.path());
                case NAME -> new ArmException(ArmErrorCode.InvalidRequestContent, "A property name under '"
                        + (f.path().isEmpty() ? "the body" : f.path()) + "' contains a control character.", f.path());
                case NULL_TAG -> new ArmException(ArmErrorCode.InvalidParameter, "The tag '" + f.path().substring("tags.".length())
                        + "' has no value: a tag value is a string.", f.path());
            };
        });
        JsonNode properties = tree.get("properties");
        if (properties != null && properties.isNull()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The 'properties' property is null; it must be an object (or left out).",
                    "properties");
        }
    }

    private static ArmException invalid() {
        return new ArmException(ArmErrorCode.InvalidRequestContent,
                "The request content was invalid and could not be deserialized: it is not well-formed JSON or a"
                        + " property has a value of the wrong type.");
    }
}
