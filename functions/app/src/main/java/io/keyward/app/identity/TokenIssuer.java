package io.keyward.app.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.HsmException;
import io.keyward.hsm.HsmFailure;
import io.keyward.hsm.KeyVersionRef;
import io.keyward.hsm.SignAlgorithm;
import io.micronaut.context.BeanProvider;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Set;
import java.util.UUID;

/**
 * Issues access tokens in Entra ID's v2.0 shape, RS256-signed by the HSM: the private key never leaves the token,
 * Keyward hands it the JWS signing input and gets the signature back.
 */
@Singleton
class TokenIssuer {

    private final BeanProvider<Hsm> hsm;
    private final SigningKeys keys;
    private final IdentityProperties properties;

    TokenIssuer(BeanProvider<Hsm> hsm, SigningKeys keys, IdentityProperties properties) {
        this.hsm = hsm;
        this.keys = keys;
        this.properties = properties;
    }

    /** {@code clientId} is the app id of a service principal signing in with its client credentials, else null. */
    String issue(Principal principal, @Nullable String clientId, String audience, Duration lifetime) {
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("token lifetime must be positive");
        }
        SigningKeys.ActiveKey key = keys.active();
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(properties.issuer(principal.tenantId()))
                .audience(audience)
                .subject(principal.objectId())
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString())
                .claim("tid", principal.tenantId())
                .claim("oid", principal.objectId())
                .claim("idtyp", principal.type() == PrincipalType.USER ? "user" : "app")
                .claim("ver", "2.0");
        if (clientId != null) {
            claims.claim("appid", clientId).claim("azp", clientId);
        }
        try {
            return sign(key, claims.build());
        } catch (HsmException e) {
            if (e.failure() != HsmFailure.KEY_NOT_FOUND) {
                throw e;
            }
            // The token lost the key (re-initialised under the same database): make a new one, once.
            keys.forget(key);
            return sign(keys.active(), claims.build());
        }
    }

    private String sign(SigningKeys.ActiveKey key, JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT)
                .keyID(key.kid()).build(), claims);
        try {
            jwt.sign(new HsmSigner(hsm.get(), key.ref()));
        } catch (JOSEException e) {
            if (e.getCause() instanceof HsmException hsmFailure) {
                throw hsmFailure; // Nimbus wraps the signer's exceptions; callers act on the HSM's classification
            }
            throw new IllegalStateException("could not sign token", e);
        }
        return jwt.serialize();
    }

    /** A Nimbus signer whose private key is an HSM key version: C_Sign with CKM_SHA256_RSA_PKCS in the token. */
    private static final class HsmSigner implements JWSSigner {
        private final Hsm hsm;
        private final KeyVersionRef ref;
        private final JCAContext jca = new JCAContext();

        HsmSigner(Hsm hsm, KeyVersionRef ref) {
            this.hsm = hsm;
            this.ref = ref;
        }

        @Override
        public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
            if (!JWSAlgorithm.RS256.equals(header.getAlgorithm())) {
                throw new JOSEException("only RS256 is signed by the HSM");
            }
            return Base64URL.encode(hsm.sign(ref, SignAlgorithm.RS256, signingInput));
        }

        @Override
        public Set<JWSAlgorithm> supportedJWSAlgorithms() {
            return Set.of(JWSAlgorithm.RS256);
        }

        @Override
        public JCAContext getJCAContext() {
            return jca;
        }
    }
}
