package io.keyward.app.base;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The edge's input hygiene, as the local host's HTTP layer and the app's filter (Azure Functions path) both apply it. */
class ControlCharactersTest {

    @Test
    void decodesStrictlyAndRefusesMalformedEscapes() {
        assertThat(ControlCharacters.decode("a%20b", false)).contains("a b");
        assertThat(ControlCharacters.decode("a+b", true)).contains("a b");
        assertThat(ControlCharacters.decode("%C3%A9t%C3%A9\ud83d\udd11", false)).contains("\u00e9t\u00e9\ud83d\udd11");
        assertThat(ControlCharacters.decode("%ZZ", false)).isEmpty();
        assertThat(ControlCharacters.decode("abc%", false)).isEmpty();
        assertThat(ControlCharacters.decode("%4", false)).isEmpty();
        assertThat(ControlCharacters.decode("%C3", false)).as("not UTF-8").isEmpty();
    }

    @Test
    void findsControlCharactersInEveryPartOfARequest() {
        List<Map.Entry<String, String>> clean = List.of(Map.entry("Authorization", "Bearer x"), Map.entry("X-Tab", "a\tb"));
        assertThat(ControlCharacters.inRequest("/keys/k/0123/wrapkey", "api-version=7.4", clean)).isEmpty();
        assertThat(ControlCharacters.inRequest("/keys/k/%00/wrapkey", null, clean)).get().asString().contains("path");
        assertThat(ControlCharacters.inRequest("/keys/k%7F", null, clean)).get().asString().contains("control character");
        assertThat(ControlCharacters.inRequest("/keys/%ZZ", null, clean)).get().asString().contains("malformed");
        assertThat(ControlCharacters.inRequest("/keys", "api-version=7.4%0A", clean)).get().asString().contains("'api-version'");
        assertThat(ControlCharacters.inRequest("/keys", "a=%G1", clean)).get().asString().contains("malformed");
        assertThat(ControlCharacters.inRequest("/keys", null, List.of(Map.entry("x-ms-client-request-id", "a\u0000"))))
                .get().asString().contains("'x-ms-client-request-id'").doesNotContain("a\u0000");
    }
}
