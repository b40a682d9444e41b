package io.keyward.app.identity;

import io.keyward.app.base.ControlCharacters;
import io.keyward.app.base.ErrorEnvelope;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.server.annotation.PreMatching;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Input hygiene at the edge, before routing, authentication or anything that reads the database or the HSM: a path
 * segment, query parameter or header value with a control character (after percent decoding: {@code /keys/k/%00/wrapkey}),
 * or with a malformed percent escape ({@code %ZZ}), is a 400 in the envelope of the surface the host name serves: Key
 * Vault's {@code BadParameter} on vault hosts, ARM's {@code BadRequest} elsewhere (management, identity and the Log
 * Analytics data plane). The message names the part (and a header's or parameter's name), never the value.
 * JSON bodies are checked by their readers (ArmRequestContent, the keys controller, the data plane), which know the
 * property paths.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
class InputHygiene implements Ordered {

    private final Surfaces surfaces;

    InputHygiene(Surfaces surfaces) {
        this.surfaces = surfaces;
    }

    @Override
    public int getOrder() {
        return HIGHEST_PRECEDENCE + 10; // after RequestIds (which only assigns an id), before everything else
    }

    @PreMatching
    @RequestFilter
    @Nullable
    HttpResponse<?> check(HttpRequest<?> request) {
        Optional<String> problem = problem(request);
        if (problem.isEmpty()) {
            return null;
        }
        boolean keyVault = surfaces.ofHost(Surfaces.host(request)).filter(s -> s == Surfaces.Surface.KEY_VAULT).isPresent();
        return HttpResponse.status(HttpStatus.BAD_REQUEST).body(ErrorEnvelope.of(keyVault ? "BadParameter" : "BadRequest", problem.get()));
    }

    static Optional<String> problem(HttpRequest<?> request) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (Map.Entry<String, List<String>> h : request.getHeaders()) {
            h.getValue().forEach(v -> headers.add(Map.entry(h.getKey(), v)));
        }
        return ControlCharacters.inRequest(request.getUri().getRawPath(), request.getUri().getRawQuery(), headers);
    }
}
