package io.keyward.app.identity;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code keyward.identity.sign-in.*}: how many failed client-credential attempts the token endpoint takes before it
 * answers 429 for a while. The per-address limit is the higher one, so that one noisy client behind an address
 * (or many clients behind a NAT) does not lock out the others there before its own client id is locked.
 *
 * @param failuresPerClient  failures for one client id, from any address, within {@code window}
 * @param failuresPerAddress failures from one client address, for any client ids, within {@code window}
 * @param window             the counting window, and how long a client id or address is refused once over
 */
@ConfigurationProperties("keyward.identity.sign-in")
public record SignInLimits(
        @Bindable(defaultValue = "10") int failuresPerClient,
        @Bindable(defaultValue = "100") int failuresPerAddress,
        @Bindable(defaultValue = "1m") Duration window) {
}
