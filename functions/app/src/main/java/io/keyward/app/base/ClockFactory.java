package io.keyward.app.base;

import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The one clock of the app: every service asks it for "now", so that tests can run time forward (a replaced
 * {@code Clock} bean) instead of sleeping. Times that decide leases and outages come from the database's clock
 * instead, so that instances whose clocks differ agree.
 */
@Factory
class ClockFactory {

    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
