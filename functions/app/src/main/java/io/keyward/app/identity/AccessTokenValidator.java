package io.keyward.app.identity;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.HexFormat;
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
 *
 * <p>A token found valid is remembered, keyed by the SHA-256 of the token and the audience (never the token itself),
 * until its {@code exp} (without the clock skew) and for at most {@link #REMEMBERED_AT_MOST}: a repeated token skips
 * the signature check and the key lookup. What can revoke a valid token is checked elsewhere on every request (its
 * principal deleted or disabled: {@code Directory}); a signing key removed from the JWKS stops new tokens at once and
 * the remembered ones at their expiry or within {@link #REMEMBERED_AT_MOST}, whichever is first.
 */
public final class AccessTokenValidator {

    /** Outcome of one validation; {@code reason} is for logs and the challenge, never the token itself. */
    public sealed interface Result {
        record Valid(JWTClaimsSet claims, String tenantId, String objectId) implements Result {
        }

        record Invalid(String reason) implements Result {
        }
    }

    /** How long a validated token is remembered at most, whatever its {@code exp}. */
    static final Duration REMEMBERED_AT_MOST = Duration.ofMinutes(5);
    private static final int REMEMBERED_TOKENS = 10_000;

    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,63}");
    /** Cloned, never used itself: {@link #sha256()}. */
    private static final MessageDigest SHA_256;

    static {
        try {
            SHA_256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final Function<String, List<String>> issuersOfTenant;
    private final Clock clock;
    private final Cache<String, Result.Valid> valid;

    /**
     * @param keys           where verification keys come from, by kid
     * @param issuersOfTenant the issuers a token of a tenant may carry
     * @param clockSkew      tolerated clock difference on exp and nbf
     */
    public AccessTokenValidator(JWKSource<SecurityContext> keys, Function<String, List<String>> issuersOfTenant,
                                Duration clockSkew) {
        this(keys, issuersOfTenant, clockSkew, Clock.systemUTC());
    }

    AccessTokenValidator(JWKSource<SecurityContext> keys, Function<String, List<String>> issuersOfTenant,
                         Duration clockSkew, Clock clock) {
        this.issuersOfTenant = issuersOfTenant;
        this.clock = clock;
        this.valid = Caffeine.newBuilder().maximumSize(REMEMBERED_TOKENS).expireAfter(new UntilExpiry()).build();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
        DefaultJWTClaimsVerifier<SecurityContext> verifier = new DefaultJWTClaimsVerifier<>(null,
                Set.of("iss", "aud", "exp", "tid", "oid")) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        verifier.setMaxClockSkew((int) clockSkew.toSeconds());
        processor.setJWTClaimsSetVerifier(verifier);
    }

    public Result validate(String token, String expectedAudience) {
        String key = cacheKey(token, expectedAudience);
        Result.Valid remembered = valid.getIfPresent(key);
        if (remembered != null && clock.instant().isBefore(remembered.claims().getExpirationTime().toInstant())) {
            return remembered;
        }
        Result result = check(token, expectedAudience);
        if (result instanceof Result.Valid v && remainingLife(v).compareTo(Duration.ZERO) > 0) {
            valid.put(key, v);
        }
        return result;
    }

    private Result check(String token, String expectedAudience) {
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

    private Duration remainingLife(Result.Valid v) {
        Duration left = Duration.between(clock.instant(), v.claims().getExpirationTime().toInstant());
        return left.compareTo(REMEMBERED_AT_MOST) < 0 ? left : REMEMBERED_AT_MOST;
    }

    private static String cacheKey(String token, String audience) {
        MessageDigest sha = sha256();
        sha.update(audience.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        return HexFormat.of().formatHex(sha.digest(token.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A fresh SHA-256 digest: a copy of {@link #SHA_256}, which is never updated itself, so copies may be taken on any
     * thread. {@code MessageDigest.getInstance} searches the security providers on every call, twice per request here.
     */
    private static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 can be copied", e);
        }
    }

    /** Each remembered token lives until its own expiry, capped; an entry is never extended by a read. */
    private final class UntilExpiry implements Expiry<String, Result.Valid> {
        @Override
        public long expireAfterCreate(String key, Result.Valid value, long currentTime) {
            return Math.max(0, remainingLife(value).toNanos());
        }

        @Override
        public long expireAfterUpdate(String key, Result.Valid value, long currentTime, long currentDuration) {
            return Math.max(0, remainingLife(value).toNanos());
        }

        @Override
        public long expireAfterRead(String key, Result.Valid value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
