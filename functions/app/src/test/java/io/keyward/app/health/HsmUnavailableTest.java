package io.keyward.app.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyward.app.base.ErrorEnvelope;
import io.keyward.app.hsm.HsmHealth;
import io.keyward.app.hsm.HsmProbe;
import io.micronaut.context.ApplicationContext;
import io.micronaut.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Deep health when the HSM cannot be used: 503 with Azure's error envelope, a reason a person can act on, and
 * neither a stack trace nor the PIN. The database is never touched on this path, so none is started.
 */
class HsmUnavailableTest {

    private static final Map<String, Object> NO_DATABASE = Map.of(
            "keyward.database.url", "jdbc:postgresql://127.0.0.1:1/unused",
            // Hikari's pool is a @Context bean that connects at start unless told not to fail
            "datasources.default.initialization-fail-timeout", -1,
            "flyway.datasources.default.enabled", false);

    @Test
    void missingSettingsAreNamed() {
        try (ApplicationContext ctx = ApplicationContext.run(NO_DATABASE)) {
            HsmHealth health = ctx.getBean(HsmProbe.class).check();

            assertThat(health).isInstanceOf(HsmHealth.Down.class);
            assertThat(((HsmHealth.Down) health).reason()).contains("KEYWARD_HSM_LIBRARY");
        }
    }

    @Test
    void anUnloadableLibraryAnswers503WithTheEnvelopeAndNoPin() {
        String pin = "pin-that-must-never-appear-4711";
        Map<String, Object> props = new java.util.HashMap<>(NO_DATABASE);
        props.putAll(Map.of("keyward.hsm.library", "/nonexistent/libpkcs11.so", "keyward.hsm.token-label", "keyward",
                "keyward.hsm.pin", pin));
        try (ApplicationContext ctx = ApplicationContext.run(props)) {
            HttpResponse<?> response = ctx.getBean(HealthController.class).hsm();

            assertThat(response.code()).isEqualTo(503);
            ErrorEnvelope body = (ErrorEnvelope) response.body();
            assertThat(body.error().code()).isEqualTo("HsmUnavailable");
            assertThat(body.error().message()).startsWith("The HSM is not available").doesNotContain(pin);
            assertThat(ctx.getBean(io.keyward.app.hsm.HsmProperties.class).toString()).doesNotContain(pin);
        }
    }
}
