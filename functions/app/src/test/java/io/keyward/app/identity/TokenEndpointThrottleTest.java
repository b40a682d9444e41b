package io.keyward.app.identity;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.keyward.app.TestApp;
import io.micronaut.context.ApplicationContext;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The token endpoint's limit on failed client-credential attempts, on real PostgreSQL and SoftHSM2, with small limits
 * and a two-second window: 401s up to the limit, then 429 with Retry-After in OAuth's error shape (the right secret
 * too, until the window is over), other client ids and addresses unaffected, every failure counted and logged
 * without the secret.
 */
class TokenEndpointThrottleTest {

    private static TestApp app;
    private static ApplicationContext ctx;
    private static TokenController endpoint;
    private static SignInThrottle throttle;

    @BeforeAll
    static void start() {
        app = TestApp.start("target/postgres-tokens", null, Map.of(
                "keyward.identity.sign-in.failures-per-client", "3",
                "keyward.identity.sign-in.failures-per-address", "6",
                "keyward.identity.sign-in.window", "2s"));
        ctx = app.context();
        endpoint = ctx.getBean(TokenController.class);
        throttle = ctx.getBean(SignInThrottle.class);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void wrongSecretsGet401Then429AndTheRightSecretWorksAfterTheWindow() throws Exception {
        String tenant = UUID.randomUUID().toString();
        ClientCredentials target = ctx.getBean(IdentityService.class).registerClient(tenant, "target");
        ClientCredentials bystander = ctx.getBean(IdentityService.class).registerClient(tenant, "bystander");
        String wrong = "wrong-" + UUID.randomUUID();
        ListAppender<ILoggingEvent> logs = capture();
        long failedBefore = throttle.failedSignIns();

        for (int i = 0; i < 3; i++) {
            assertThat(sign(target, wrong, "10.0.0.1").getStatus().getCode()).isEqualTo(401);
        }
        HttpResponse<?> limited = sign(target, wrong, "10.0.0.1");
        assertThat(limited.getStatus().getCode()).isEqualTo(429);
        int retryAfter = Integer.parseInt(limited.getHeaders().get("Retry-After"));
        assertThat(retryAfter).isBetween(1, 2);
        TokenController.TokenError error = (TokenController.TokenError) limited.body();
        assertThat(error.error()).isEqualTo("invalid_client");
        assertThat(error.errorDescription()).startsWith("AADSTS50053: ").contains(target.clientId());
        assertThat(error.errorCodes()).containsExactly(50053);
        assertThat(sign(target, target.clientSecret(), "10.0.0.9").getStatus().getCode())
                .as("the right secret, from anywhere, waits too").isEqualTo(429);
        assertThat(sign(bystander, bystander.clientSecret(), "10.0.0.1").getStatus().getCode())
                .as("another client id from the same address").isEqualTo(200);

        long deadline = System.nanoTime() + 5_000_000_000L;
        int status;
        while ((status = sign(target, target.clientSecret(), "10.0.0.1").getStatus().getCode()) == 429
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(status).as("the right secret after the window").isEqualTo(200);

        assertThat(throttle.failedSignIns() - failedBefore).isEqualTo(3);
        assertThat(throttle.throttledSignIns()).isGreaterThanOrEqualTo(2);
        assertThat(logs.list).hasSize(3).allSatisfy(e -> {
            assertThat(e.getFormattedMessage()).contains(target.clientId()).contains("10.0.0.1")
                    .doesNotContain(wrong).doesNotContain(target.clientSecret());
        });
    }

    @Test
    void oneAddressIsLimitedAcrossClientIdsAndOthersAreNot() {
        String tenant = UUID.randomUUID().toString();
        ClientCredentials legit = ctx.getBean(IdentityService.class).registerClient(tenant, "legit");
        for (int i = 0; i < 6; i++) {
            ClientCredentials guessed = new ClientCredentials(tenant, UUID.randomUUID().toString(), "guess", null);
            assertThat(sign(guessed, "guess", "10.0.0.2").getStatus().getCode()).isEqualTo(401);
        }
        assertThat(sign(legit, legit.clientSecret(), "10.0.0.2").getStatus().getCode()).as("the address is over").isEqualTo(429);
        assertThat(sign(legit, legit.clientSecret(), "10.0.0.3").getStatus().getCode()).isEqualTo(200);
    }

    @Test
    void theClientAddressIsTheLastForwardedEntry() {
        assertThat(TokenController.clientAddress(request("203.0.113.7, 10.0.0.4:51234"))).isEqualTo("10.0.0.4");
        assertThat(TokenController.clientAddress(request("[2001:db8::1]:443"))).isEqualTo("2001:db8::1");
        assertThat(TokenController.clientAddress(request("::1"))).isEqualTo("::1");
        assertThat(TokenController.clientAddress(HttpRequest.POST("/t/oauth2/v2.0/token", ""))).isNull();
    }

    private static HttpResponse<?> sign(ClientCredentials c, String secret, String address) {
        String form = "grant_type=client_credentials&client_id=" + enc(c.clientId()) + "&client_secret=" + enc(secret)
                + "&scope=" + enc(Audiences.ARM + ".default");
        return endpoint.token(c.tenantId(), form, request(address));
    }

    private static HttpRequest<?> request(String forwardedFor) {
        return HttpRequest.POST("/t/oauth2/v2.0/token", "").header("X-Forwarded-For", forwardedFor);
    }

    private static ListAppender<ILoggingEvent> capture() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(TokenController.class)).addAppender(appender);
        return appender;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
