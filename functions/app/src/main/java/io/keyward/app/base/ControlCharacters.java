package io.keyward.app.base;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Input hygiene shared by every surface: text with a control character (U+0000 to U+001F, U+007F) is refused before it
 * reaches the database (PostgreSQL cannot store NUL) or a log line (a line break splits it), and percent escapes are
 * decoded strictly (a malformed one, or bytes that are not UTF-8, is an error, never a guess).
 */
public final class ControlCharacters {

    private ControlCharacters() {
    }

    /** What a name may look like to be quoted back; a stranger one is described, not echoed. */
    private static final Pattern QUOTABLE = Pattern.compile("[A-Za-z0-9._$-]{1,64}");

    /**
     * What is wrong with a request's path segments, query parameters (both percent-decoded) and header values, for a 400
     * in the surface's envelope: a control character, or a malformed percent escape. The message names the part (a
     * header's or parameter's name), never the value. The local host's HTTP layer and the app's edge filter both ask it.
     */
    public static Optional<String> inRequest(@Nullable String rawPath, @Nullable String rawQuery,
                                             Iterable<Map.Entry<String, String>> headers) {
        for (Map.Entry<String, String> h : headers) {
            if (inHeaderValue(h.getValue())) {
                return Optional.of("The header " + quoted(h.getKey()) + " contains a control character.");
            }
        }
        if (rawPath != null) {
            for (String segment : rawPath.split("/", -1)) {
                Optional<String> decoded = decode(segment, false);
                if (decoded.isEmpty()) {
                    return Optional.of("The request path contains a malformed percent escape (a '%' must be followed by two hex"
                            + " digits of UTF-8).");
                }
                if (in(decoded.get())) {
                    return Optional.of("A segment of the request path contains a control character.");
                }
            }
        }
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&", -1)) {
                int eq = pair.indexOf('=');
                Optional<String> name = decode(eq < 0 ? pair : pair.substring(0, eq), true);
                Optional<String> value = eq < 0 ? Optional.of("") : decode(pair.substring(eq + 1), true);
                if (name.isEmpty() || value.isEmpty()) {
                    return Optional.of("The query string contains a malformed percent escape (a '%' must be followed by two hex"
                            + " digits of UTF-8).");
                }
                if (in(name.get()) || in(value.get())) {
                    return Optional.of("The query parameter " + quoted(name.get()) + " contains a control character.");
                }
            }
        }
        return Optional.empty();
    }

    private static String quoted(String name) {
        return QUOTABLE.matcher(name).matches() ? "'" + name + "'" : "with an unusual name";
    }

    public static boolean in(@Nullable String s) {
        if (s == null) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    /** What {@link #inJson} found: where, and whether a member name, a string value or a tag's value (null) is at fault. */
    public record JsonFinding(String path, Kind kind) {
        public enum Kind { NAME, VALUE, NULL_TAG }
    }

    /**
     * The first control character in a member name or string of {@code node}, or a null tag value (a member of a
     * top-level {@code tags} object), with its property path ({@code properties.displayName}, {@code tags.a},
     * {@code value[2]}).
     */
    public static Optional<JsonFinding> inJson(JsonNode node) {
        return inJson(node, "");
    }

    private static Optional<JsonFinding> inJson(JsonNode node, String path) {
        if (node.isString()) {
            return in(node.getStringValue()) ? Optional.of(new JsonFinding(path, JsonFinding.Kind.VALUE)) : Optional.empty();
        }
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> member : node.entries()) {
                String name = member.getKey();
                if (in(name)) {
                    return Optional.of(new JsonFinding(path, JsonFinding.Kind.NAME));
                }
                String at = path.isEmpty() ? name : path + "." + name;
                if (member.getValue().isNull() && path.equals("tags")) {
                    return Optional.of(new JsonFinding(at, JsonFinding.Kind.NULL_TAG));
                }
                Optional<JsonFinding> inner = inJson(member.getValue(), at);
                if (inner.isPresent()) {
                    return inner;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                Optional<JsonFinding> inner = inJson(node.get(i), path + "[" + i + "]");
                if (inner.isPresent()) {
                    return inner;
                }
            }
        }
        return Optional.empty();
    }

    /** Header values may carry a horizontal tab (RFC 9110 field values); nothing else below U+0020. */
    public static boolean inHeaderValue(@Nullable String s) {
        return s != null && in(s.replace('\t', ' '));
    }

    /**
     * {@code raw} with its percent escapes decoded as UTF-8 ({@code +} a space when {@code form}); empty when an escape
     * is malformed ({@code %ZZ}, a lone {@code %}) or the bytes are not UTF-8.
     */
    public static Optional<String> decode(String raw, boolean form) {
        if (raw.indexOf('%') < 0 && !(form && raw.indexOf('+') >= 0)) {
            return Optional.of(raw);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return Optional.empty();
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return Optional.empty();
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else if (form && c == '+') {
                bytes.write(' ');
            } else {
                int end = i + Character.charCount(raw.codePointAt(i));
                byte[] b = raw.substring(i, end).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
                i = end - 1;
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
