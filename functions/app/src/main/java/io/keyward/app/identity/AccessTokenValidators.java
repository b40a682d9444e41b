package io.keyward.app.identity;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.net.MalformedURLException;
import java.net.URI;

/**
 * Chooses where verification keys come from: local mode trusts only Keyward's own signing keys (published from the
 * database); entra mode trusts only Entra ID's JWKS, fetched and cached by Nimbus (refreshed on an unknown kid).
 */
@Factory
class AccessTokenValidators {

    @Singleton
    AccessTokenValidator validator(IdentityProperties properties, SigningKeys localKeys) {
        JWKSource<SecurityContext> keys = properties.entra() ? remote(properties.entraJwksUri()) : localKeys;
        return new AccessTokenValidator(keys, properties::acceptedIssuers, properties.clockSkew());
    }

    static JWKSource<SecurityContext> remote(String jwksUri) {
        try {
            return JWKSourceBuilder.create(URI.create(jwksUri).toURL()).retrying(true).build();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalStateException("keyward.identity.entra-jwks-uri is not a URL: " + jwksUri, e);
        }
    }
}
