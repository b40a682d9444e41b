package io.keyward.app.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import io.keyward.devenv.Databases;
import io.keyward.devenv.LocalDatabase;
import io.keyward.devenv.SoftHsmToken;
import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyVersionRef;
import io.micronaut.context.ApplicationContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Token signing inside SoftHSM2, with the public half published from PostgreSQL. */
class TokenIssuerTest {

    private static LocalDatabase db;
    private static ApplicationContext ctx;

    @BeforeAll
    static void start() {
        SoftHsmToken token = SoftHsmToken.init(Path.of("target/softhsm"));
        db = Databases.start(Path.of("target/postgres-tokens"), System.getenv());
        ctx = ApplicationContext.builder().properties(Map.of(
                "keyward.database.url", db.jdbcUrl(),
                "keyward.database.user", db.user(),
                "keyward.database.password", db.password(),
                "keyward.hsm.library", token.library().toString(),
                "keyward.hsm.token-label", token.label(),
                "keyward.hsm.pin", token.pin(),
                "keyward.identity.authority", "https://issuer.test:7443/")).start();
    }

    @AfterAll
    static void stop() {
        if (ctx != null) {
            ctx.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void signsInTheHsmWithAKeyThatCannotLeaveIt() throws Exception {
        IdentityService identities = ctx.getBean(IdentityService.class);
        ClientCredentials client = identities.registerClient("tenant-a", "signer test");

        SignedJWT jwt = SignedJWT.parse(identities.issueToken(client.principal(), Audiences.ARM, Duration.ofMinutes(5)));

        String kid = jwt.getHeader().getKeyID();
        RSAKey published = (RSAKey) ctx.getBean(SigningKeys.class).jwks().getKeyByKeyId(kid);
        assertThat(published.isPrivate()).isFalse();
        assertThat(published.size()).isEqualTo(2048);
        assertThat(jwt.verify(new RSASSAVerifier(published))).isTrue();
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo("https://issuer.test:7443/tenant-a/v2.0");
        assertThat(ctx.getBean(Hsm.class).protection(new KeyVersionRef("keyward/token-issuer", kid)).isLockedInToken()).isTrue();
        AccessTokenValidator validator = ctx.getBean(AccessTokenValidator.class);
        assertThat(validator.validate(jwt.serialize(), Audiences.ARM)).isInstanceOf(AccessTokenValidator.Result.Valid.class);
    }

    @Test
    void replacesAStoredKeyThatTheTokenNoLongerHolds() throws Exception {
        Hsm hsm = ctx.getBean(Hsm.class);
        SigningKeys keys = ctx.getBean(SigningKeys.class);
        KeyVersionRef lost = keys.active().ref();
        hsm.keys().delete(lost);

        // a new instance (a restart) finds the stored key gone from the token and makes another
        SigningKeys restarted = new SigningKeys(ctx.getProvider(Hsm.class), ctx.getBean(SigningKeyRepository.class),
                ctx.getBean(IdentityProperties.class));
        KeyVersionRef replacement = restarted.active().ref();

        assertThat(replacement.version()).isNotEqualTo(lost.version());
        assertThat(restarted.jwks().getKeyByKeyId(lost.version())).isNull();
        assertThat(restarted.jwks().getKeyByKeyId(replacement.version())).isNotNull();

        // a running instance that still holds the lost key recovers on its next token
        IdentityService identities = ctx.getBean(IdentityService.class);
        Principal p = identities.createPrincipal("tenant-b", PrincipalType.MANAGED_IDENTITY, "mi");
        SignedJWT jwt = SignedJWT.parse(identities.issueToken(p, Audiences.KEY_VAULT, Duration.ofMinutes(5)));
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(replacement.version());
        assertThat(ctx.getBean(AccessTokenValidator.class).validate(jwt.serialize(), Audiences.KEY_VAULT))
                .isInstanceOf(AccessTokenValidator.Result.Valid.class);
    }

    @Test
    void entraModeIssuesNothingAndRefusesKeywardTokens() throws Exception {
        IdentityService identities = ctx.getBean(IdentityService.class);
        Principal p = identities.createPrincipal("tenant-c", PrincipalType.USER, "u");
        String keywardToken = identities.issueToken(p, Audiences.ARM, Duration.ofMinutes(5));
        try (ApplicationContext entra = ApplicationContext.builder().properties(Map.of(
                "keyward.database.url", db.jdbcUrl(),
                "keyward.database.user", db.user(),
                "keyward.database.password", db.password(),
                "keyward.identity.mode", "entra",
                // nothing listens here: Entra's keys are unreachable, so nothing validates
                "keyward.identity.entra-jwks-uri", "http://127.0.0.1:9/keys",
                "keyward.identity.operator-file", "target/never-written.json")).start()) {
            assertThat(entra.findBean(TokenController.class)).isEmpty();
            assertThat(entra.findBean(DiscoveryController.class)).isEmpty();
            assertThat(entra.findBean(ClientsController.class)).isEmpty();
            assertThat(entra.findBean(OperatorBootstrap.class)).isEmpty();
            assertThat(entra.getBean(AccessTokenValidator.class).validate(keywardToken, Audiences.ARM))
                    .isInstanceOf(AccessTokenValidator.Result.Invalid.class);
        }
        assertThat(Path.of("target/never-written.json")).doesNotExist();
    }
}
