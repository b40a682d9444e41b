package io.keyward.app.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.http.HttpRequest;
import org.junit.jupiter.api.Test;

/** The app's edge filter reads the request as Micronaut hands it over (the Azure Functions path has no local host before it). */
class InputHygieneTest {

    @Test
    void refusesControlCharactersInThePathQueryAndHeadersOfAMicronautRequest() {
        assertThat(InputHygiene.problem(HttpRequest.GET("/keys/k/%00/wrapkey?api-version=7.4"))).get().asString().contains("path");
        assertThat(InputHygiene.problem(HttpRequest.GET("/subscriptions/s/providers?api-version=%01"))).get().asString()
                .contains("'api-version'");
        assertThat(InputHygiene.problem(HttpRequest.GET("/keys/k?api-version=7.4").header("x-ms-client-request-id", "abc"))).isEmpty();
    }
}
