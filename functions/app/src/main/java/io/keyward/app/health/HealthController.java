package io.keyward.app.health;

import io.keyward.app.base.ErrorEnvelope;
import io.keyward.app.hsm.HsmHealth;
import io.keyward.app.hsm.HsmProbe;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.serde.annotation.Serdeable;

/**
 * Shallow and deep health. {@code /health/ping} touches neither the HSM nor the database, so a load balancer can
 * tell "process up" apart from "HSM reachable" ({@code /health/hsm}).
 */
@Controller("/health")
class HealthController {

    private final HsmProbe probe;

    HealthController(HsmProbe probe) {
        this.probe = probe;
    }

    @Get("/ping")
    Ping ping() {
        return new Ping("ok");
    }

    @Get("/hsm")
    HttpResponse<?> hsm() {
        HsmHealth health = probe.check();
        if (health instanceof HsmHealth.Up up) {
            return HttpResponse.ok(new TokenHealth(true, up.token().label(), up.token().manufacturer(), up.token().model()));
        }
        String reason = ((HsmHealth.Down) health).reason();
        return HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE)
                .body(ErrorEnvelope.of("HsmUnavailable", "The HSM is not available: " + reason));
    }

    @Serdeable
    record Ping(String status) {
    }

    @Serdeable
    record TokenHealth(boolean ok, String label, String manufacturer, String model) {
    }
}
