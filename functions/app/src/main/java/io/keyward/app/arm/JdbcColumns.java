package io.keyward.app.arm;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.Map;

/** Column conversions the resource repositories share: nullable timestamps and jsonb columns (tags, policies). */
public final class JdbcColumns {

    private static final Argument<Map<String, String>> TAGS = Argument.mapOf(String.class, String.class);

    private JdbcColumns() {
    }

    public static void setInstant(PreparedStatement ps, int index, @Nullable Instant value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.TIMESTAMP);
        } else {
            ps.setTimestamp(index, Timestamp.from(value));
        }
    }

    @Nullable
    public static Instant instant(@Nullable Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    /** {@code value} as the JSON text of a jsonb column. */
    public static String toJson(JsonMapper json, Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A jsonb column's text as {@code type}. */
    public static <T> T fromJson(JsonMapper json, String text, Argument<T> type) {
        try {
            return json.readValue(text, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A resource's {@code tags} column. */
    public static Map<String, String> tags(JsonMapper json, String text) {
        return fromJson(json, text, TAGS);
    }
}
