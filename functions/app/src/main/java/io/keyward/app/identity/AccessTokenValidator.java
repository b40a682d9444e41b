package io.keyward.app.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.text.ParseException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Validates bearer tokens: RS256 only (so alg=none, HS256 keyed with the public key and the like fail before any
 * key is used), kid looked up in the JWK source, the issuer of the token's own tenant, the expected audience, exp
 * and nbf within the clock skew, tid and oid present.
 *
 * <p>The same code validates Keyward's own tokens (keys from the database) and Entra ID's (keys from Entra's JWKS).
 */
public final class AccessTokenValidator {

    /** Outcome of one validation; {@code reason} is for logs and the challenge, never the token itself. */
    public sealed interface Result {
        record Valid(JWTClaimsSet claims, String tenantId, String objectId) implements Result {
        }

        record Invalid(String reason) implements Result {
        }
    }

    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,63}");

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final Function<String, List<String>> issuersOfTenant;

    /**
     * @param keys           where verification keys come from, by kid
     * @param issuersOfTenant the issuers a token of a tenant may carry
     * @param clockSkew      tolerated clock difference on exp and nbf
     */
    public AccessTokenValidator(JWKSource<SecurityContext> keys, Function<String, List<String>> issuersOfTenant,
                                Duration clockSkew) {
        this.issuersOfTenant = issuersOfTenant;
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
        DefaultJWTClaimsVerifier<SecurityContext> verifier = new DefaultJWTClaimsVerifier<>(null,
                Set.of("iss", "aud", "exp", "tid", "oid"));
        verifier.setMaxClockSkew((int) clockSkew.toSeconds());
        processor.setJWTClaimsSetVerifier(verifier);
    }

    public Result validate(String token, String expectedAudience) {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            return new Result.Invalid("malformed token");
        } catch (BadJOSEException e) {
            return new Result.Invalid(e.getMessage());
        } catch (JOSEException e) {
            return new Result.Invalid("signature could not be checked");
        } catch (RuntimeException e) {
            // a key source that cannot be reached (Entra's JWKS) or a claim of the wrong JSON type
            return new Result.Invalid("token could not be validated");
        }
        String tid;
        String oid;
        try {
            tid = claims.getStringClaim("tid");
            oid = claims.getStringClaim("oid");
        } catch (ParseException e) {
            return new Result.Invalid("tid and oid must be strings");
        }
        if (tid == null || !TENANT.matcher(tid).matches()) {
            return new Result.Invalid("bad tid");
        }
        try {
            UUID.fromString(oid);
        } catch (IllegalArgumentException | NullPointerException e) {
            return new Result.Invalid("bad oid");
        }
        if (!issuersOfTenant.apply(tid).contains(claims.getIssuer())) {
            return new Result.Invalid("issuer does not match the token's tenant");
        }
        List<String> aud = claims.getAudience();
        if (aud == null || aud.stream().noneMatch(a -> Audiences.same(a, expectedAudience))) {
            return new Result.Invalid("audience is not " + expectedAudience);
        }
        return new Result.Valid(claims, tid, oid);
    }
}
