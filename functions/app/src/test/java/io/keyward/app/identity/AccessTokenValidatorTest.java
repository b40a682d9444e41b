package io.keyward.app.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import io.keyward.app.base.SettableClock;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The validator alone, with locally generated RSA keys: every rule that makes a token invalid, one by one. */
class AccessTokenValidatorTest {

    private static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    private static final Function<String, String> ISSUER = tid -> "https://login.example.test/" + tid + "/v2.0";
    private static RSAKey key;
    private static RSAKey otherKey;
    private static AccessTokenValidator validator;

    @BeforeAll
    static void keys() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        otherKey = new RSAKeyGenerator(2048).keyID("k1").generate();
        validator = new AccessTokenValidator(new ImmutableJWKSet<>(new JWKSet(key.toPublicJWK())), tid -> List.of(ISSUER.apply(tid)),
                Duration.ofSeconds(60));
    }

    @Test
    void acceptsAWellFormedToken() throws Exception {
        AccessTokenValidator.Result r = validator.validate(sign(key, claims().build()), Audiences.KEY_VAULT);

        assertThat(r).isInstanceOfSatisfying(AccessTokenValidator.Result.Valid.class, v -> {
            assertThat(v.tenantId()).isEqualTo(TENANT);
            assertThat(v.objectId()).isNotBlank();
        });
        // a trailing slash on either side of the audience is the same resource
        assertThat(validator.validate(sign(key, claims().audience("https://vault.azure.net/").build()), Audiences.KEY_VAULT))
                .isInstanceOf(AccessTokenValidator.Result.Valid.class);
        assertThat(validator.validate(sign(key, claims().audience("https://management.azure.com").build()), Audiences.ARM))
                .isInstanceOf(AccessTokenValidator.Result.Valid.class);
    }

    @Test
    void refusesForgedTokens() throws Exception {
        assertInvalid(sign(otherKey, claims().build()), "signature");
        assertInvalid(new PlainJWT(claims().build()).serialize(), "Unsecured");
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), claims().build());
        hs.sign(new MACSigner(key.toRSAPublicKey().getEncoded()));
        assertInvalid(hs.serialize(), "algorithm");
        SignedJWT unknownKid = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k2").build(), claims().build());
        unknownKid.sign(new RSASSASigner(key));
        assertInvalid(unknownKid.serialize(), "no matching key");
        assertInvalid("not.a.token", "");
        assertInvalid("", "");
    }

    @Test
    void refusesTokensOutsideTheirLifetime() throws Exception {
        Instant now = Instant.now();
        assertInvalid(sign(key, claims().expirationTime(Date.from(now.minusSeconds(120))).build()), "Expired");
        assertInvalid(sign(key, claims().notBeforeTime(Date.from(now.plusSeconds(300))).build()), "before");
        // within the clock skew both ways
        assertThat(validator.validate(sign(key, claims().expirationTime(Date.from(now.minusSeconds(30)))
                .notBeforeTime(Date.from(now.plusSeconds(30))).build()), Audiences.KEY_VAULT))
                .isInstanceOf(AccessTokenValidator.Result.Valid.class);
    }

    @Test
    void refusesWrongIssuerAudienceAndMissingIds() throws Exception {
        assertInvalid(sign(key, claims().issuer(ISSUER.apply("other-tenant")).build()), "issuer");
        assertInvalid(sign(key, claims().claim("tid", "other-tenant").build()), "issuer");
        assertThat(validator.validate(sign(key, claims().build()), Audiences.ARM))
                .isInstanceOfSatisfying(AccessTokenValidator.Result.Invalid.class, i -> assertThat(i.reason()).contains("audience"));
        assertInvalid(sign(key, claims().claim("tid", null).build()), "tid");
        assertInvalid(sign(key, claims().claim("oid", null).build()), "oid");
        assertInvalid(sign(key, claims().claim("oid", "not-a-guid").build()), "oid");
        assertInvalid(sign(key, claims().expirationTime(null).build()), "exp");
    }

    /** entra mode: keys from a remote JWK set (here served locally), fetched and cached by Nimbus. */
    @Test
    void entraModeValidatesWithARemoteJwkSet() throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] jwks = new JWKSet(key.toPublicJWK()).toString(true).getBytes(StandardCharsets.UTF_8);
        server.createContext("/common/discovery/v2.0/keys", ex -> {
            fetches.incrementAndGet();
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, jwks.length);
            ex.getResponseBody().write(jwks);
            ex.close();
        });
        server.start();
        try {
            IdentityProperties entra = new IdentityProperties("entra", "https://login.microsoftonline.com",
                    "00000000-0000-0000-0000-00000000a11c", Duration.ofHours(1), Duration.ofSeconds(60), "keyward/token-issuer",
                    null, "https://sts.windows.net/{tenantid}/, https://login.microsoftonline.com/{tenantid}/v2.0",
                    "http://127.0.0.1:" + server.getAddress().getPort() + "/common/discovery/v2.0/keys",
                    List.of("127.0.0.1"), Duration.ofSeconds(10));
            AccessTokenValidator remote = new AccessTokenValidator(AccessTokenValidators.remote(entra.entraJwksUri()),
                    entra::acceptedIssuers, entra.clockSkew());
            String entraToken = sign(key, claims().issuer("https://login.microsoftonline.com/" + TENANT + "/v2.0").build());

            assertThat(remote.validate(entraToken, Audiences.KEY_VAULT)).isInstanceOf(AccessTokenValidator.Result.Valid.class);
            assertThat(remote.validate(entraToken, Audiences.KEY_VAULT)).isInstanceOf(AccessTokenValidator.Result.Valid.class);
            assertThat(fetches.get()).as("JWKS fetched once, then cached").isEqualTo(1);
            // Entra's v1.0 issuer (what ARM and Key Vault tokens carry) is accepted too
            assertThat(remote.validate(sign(key, claims().issuer("https://sts.windows.net/" + TENANT + "/").build()),
                    Audiences.KEY_VAULT)).isInstanceOf(AccessTokenValidator.Result.Valid.class);
            assertThat(remote.validate(sign(otherKey, claims().issuer("https://login.microsoftonline.com/" + TENANT + "/v2.0").build()),
                    Audiences.KEY_VAULT)).isInstanceOf(AccessTokenValidator.Result.Invalid.class);
            // Keyward's own issuer is not Entra's
            assertThat(remote.validate(sign(key, claims().build()), Audiences.KEY_VAULT))
                    .isInstanceOf(AccessTokenValidator.Result.Invalid.class);
        } finally {
            server.stop(0);
        }
    }

    /** A valid token is remembered: the key source is asked once, per audience, and never past the token's exp. */
    @Test
    void remembersAValidTokenUntilItsExpiry() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        SettableClock clock = new SettableClock(Instant.now());
        AccessTokenValidator remembering = counting(lookups, clock);
        Instant exp = clock.instant().plusSeconds(120);
        String token = sign(key, claims().expirationTime(Date.from(exp)).build());

        for (int i = 0; i < 5; i++) {
            assertThat(remembering.validate(token, Audiences.KEY_VAULT)).isInstanceOf(AccessTokenValidator.Result.Valid.class);
        }
        assertThat(lookups.get()).as("signature checked once, then remembered").isEqualTo(1);
        // another audience is another decision: refused, and never answered from the vault audience's entry
        assertThat(remembering.validate(token, Audiences.ARM)).isInstanceOf(AccessTokenValidator.Result.Invalid.class);
        // a different token (one character changed in the signature) is checked, not matched to the remembered one
        String tampered = token.substring(0, token.length() - 2) + (token.endsWith("A") ? "B" : "A") + token.charAt(token.length() - 1);
        assertThat(remembering.validate(tampered, Audiences.KEY_VAULT)).isInstanceOf(AccessTokenValidator.Result.Invalid.class);

        // past exp and the skew, the remembered entry is not used: the token is checked again and refused as expired
        clock.set(exp.plusSeconds(61));
        int before = lookups.get();
        assertThat(remembering.validate(token, Audiences.KEY_VAULT))
                .isInstanceOfSatisfying(AccessTokenValidator.Result.Invalid.class, i -> assertThat(i.reason()).contains("Expired"));
        assertThat(lookups.get()).isGreaterThan(before);
    }

    /** Between exp and exp + skew a token is still valid, but checked each time: nothing is remembered past exp. */
    @Test
    void doesNotRememberATokenPastItsExpiry() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        SettableClock clock = new SettableClock(Instant.now());
        AccessTokenValidator remembering = counting(lookups, clock);
        String token = sign(key, claims().expirationTime(Date.from(clock.instant().minusSeconds(30))).build());

        assertThat(remembering.validate(token, Audiences.KEY_VAULT)).isInstanceOf(AccessTokenValidator.Result.Valid.class);
        assertThat(remembering.validate(token, Audiences.KEY_VAULT)).isInstanceOf(AccessTokenValidator.Result.Valid.class);
        assertThat(lookups.get()).isEqualTo(2);
    }

    /** A validator on {@code clock} whose key source counts its lookups in {@code lookups}. */
    private static AccessTokenValidator counting(AtomicInteger lookups, Clock clock) {
        JWKSource<SecurityContext> counted = (selector, context) -> {
            lookups.incrementAndGet();
            return selector.select(new JWKSet(key.toPublicJWK()));
        };
        return new AccessTokenValidator(counted, tid -> List.of(ISSUER.apply(tid)), Duration.ofSeconds(60), clock);
    }

    private static void assertInvalid(String token, String reasonContains) {
        assertThat(validator.validate(token, Audiences.KEY_VAULT))
                .isInstanceOfSatisfying(AccessTokenValidator.Result.Invalid.class, i -> assertThat(i.reason()).contains(reasonContains));
    }

    private static JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(ISSUER.apply(TENANT)).audience(Audiences.KEY_VAULT)
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600)))
                .claim("tid", TENANT).claim("oid", UUID.randomUUID().toString());
    }

    private static String sign(RSAKey signingKey, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signingKey.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(signingKey));
        return jwt.serialize();
    }
}
