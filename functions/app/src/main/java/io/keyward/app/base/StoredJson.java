package io.keyward.app.base;

import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.util.Objects;

/**
 * Writes of JSON columns, checked against the model their reads use: the text about to be stored is read back with the
 * reader's own type and must give the value written. A write that would store something its read cannot rebuild (a
 * member the serialiser leaves out and the reader needs, a value that does not parse) fails before it is stored, as an
 * unexpected error, instead of being accepted and leaving the row unreadable for every later request.
 *
 * <p>Why this exists: Micronaut Serialization leaves empty collections out by default (NON_EMPTY), so a stored list
 * that was empty came back as null and a vault with a secrets-only access policy could no longer be read (issue 17).
 */
public final class StoredJson {

    private StoredJson() {
    }

    /** {@code value} as the JSON text to store; throws {@link Unreadable} unless that text reads back as {@code type} to an equal value. */
    public static <T> String write(JsonMapper json, T value, Argument<T> type) {
        String text;
        try {
            text = json.writeValueAsString(value);
        } catch (IOException e) {
            throw new Unreadable(type, e);
        }
        T back = read(json, text, type);
        if (!Objects.equals(back, value)) {
            throw new Unreadable(type, null);
        }
        return text;
    }

    /** What {@code value} is after a write and a read through {@code type}: what a later read of the stored form will see. */
    public static <T> T reread(JsonMapper json, T value, Argument<T> type) {
        try {
            return read(json, json.writeValueAsString(value), type);
        } catch (IOException e) {
            throw new Unreadable(type, e);
        }
    }

    private static <T> T read(JsonMapper json, String text, Argument<T> type) {
        try {
            return json.readValue(text, type);
        } catch (IOException | RuntimeException e) {
            throw new Unreadable(type, e);
        }
    }

    /** A value whose stored form its read cannot rebuild; names the type (for the log), never the value. */
    public static final class Unreadable extends IllegalStateException {
        public Unreadable(Argument<?> type, Throwable cause) {
            super("the stored form of " + type.getTypeName() + " does not read back to the value written", cause);
        }
    }
}
