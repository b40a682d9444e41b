package io.keyward.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RouteTemplateTest {

    @Test
    void matchesLikeTheFunctionsHost() {
        RouteTemplate keys = RouteTemplate.compile("", "keys/{name}/{version?}");
        assertThat(keys.matches("/keys/k1")).isTrue();
        assertThat(keys.matches("/keys/k1/abc")).isTrue();
        assertThat(keys.matches("/KEYS/k1/")).isTrue();
        assertThat(keys.matches("/keys")).isFalse();
        assertThat(keys.matches("/keys/k1/abc/extra")).isFalse();

        assertThat(RouteTemplate.compile("api", "health/ping").matches("/api/health/ping")).isTrue();
        assertThat(RouteTemplate.compile("api", "health/ping").matches("/health/ping")).isFalse();
        assertThat(RouteTemplate.compile("", "files/{*rest}").matches("/files/a/b/c")).isTrue();
        assertThat(RouteTemplate.compile("", "items/{id:int}").matches("/items/12")).isTrue();
        assertThat(RouteTemplate.compile("", "items/{id:int}").matches("/items/x")).isFalse();
    }

    @Test
    void literalSegmentsWinFromTheLeftWhenSeveralRoutesMatch() {
        RouteTemplate jwks = RouteTemplate.compile("", "{tenant}/discovery/v2.0/keys");
        RouteTemplate keyOperation = RouteTemplate.compile("", "keys/{name}/{version}/{operation}");
        RouteTemplate restore = RouteTemplate.compile("", "keys/restore");
        RouteTemplate key = RouteTemplate.compile("", "keys/{name}/{version?}");

        // a key named "discovery": both match, and the route that starts with a literal is the more specific
        assertThat(jwks.matches("/keys/discovery/v2.0/keys")).isTrue();
        assertThat(keyOperation.matches("/keys/discovery/v2.0/keys")).isTrue();
        assertThat(RouteTemplate.bySpecificity(keyOperation, jwks)).isNegative();
        assertThat(RouteTemplate.bySpecificity(restore, key)).isNegative();
        assertThat(RouteTemplate.bySpecificity(RouteTemplate.compile("", "items/{id:int}"),
                RouteTemplate.compile("", "items/{name}"))).isNegative();
        assertThat(RouteTemplate.bySpecificity(key, RouteTemplate.compile("", "{*rest}"))).isNegative();
    }
}
