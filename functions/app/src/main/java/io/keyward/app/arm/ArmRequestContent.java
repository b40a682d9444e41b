package io.keyward.app.arm;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
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
        T value;
        try {
            value = json.readValue(body, Argument.of(type));
        } catch (IOException | RuntimeException e) {
            throw new ArmException(ArmErrorCode.InvalidRequestContent,
                    "The request content was invalid and could not be deserialized: it is not well-formed JSON or a"
                            + " property has a value of the wrong type.");
        }
        if (value == null) {
            throw new ArmException(ArmErrorCode.InvalidRequestContent, "The request content was null; a JSON object is required.");
        }
        return value;
    }
}
