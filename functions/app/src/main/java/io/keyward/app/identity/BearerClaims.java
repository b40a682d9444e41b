package io.keyward.app.identity;

import com.nimbusds.jwt.JWTClaimsSet;
import io.micronaut.http.HttpRequest;
import java.util.Optional;

/**
 * The validated token's claims of a request, for messages that quote them the way Azure does (Key Vault's
 * "appid=...;oid=...;iss=..." in AccessDenied). Authorization decisions use {@link Principal}, not these.
 */
public final class BearerClaims {

    private BearerClaims() {
    }

    public static Optional<JWTClaimsSet> of(HttpRequest<?> request) {
        return request.getAttribute(AuthenticationFilter.CLAIMS, JWTClaimsSet.class);
    }

    /** {@code appid} (client id) when the caller signed in with client credentials. */
    public static Optional<String> appId(HttpRequest<?> request) {
        return of(request).map(c -> c.getClaim("appid")).map(Object::toString);
    }

    public static Optional<String> issuer(HttpRequest<?> request) {
        return of(request).map(JWTClaimsSet::getIssuer);
    }
}
