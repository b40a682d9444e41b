package io.keyward.app.cmk;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code keyward.cmk.*}: the defaults of the remote vaults ({@link RemoteVault}, which may set their own). Keyward's own
 * vaults are called in process and take neither.
 *
 * @param vaultTimeout how long one call to a remote vault may take until its response arrives (a vault that accepts
 *                     connections and never answers is an outage, not a hang); per attempt
 * @param vaultRetries attempts after the first one failed for want of the vault (I/O error, time-out, 5xx). Few on
 *                     purpose: the data plane and the key-health poller must learn of an outage quickly, and the
 *                     outage grace period (keyward.keyhealth.outage-grace), not retries, is what rides out a blip
 */
@ConfigurationProperties("keyward.cmk")
public record CmkProperties(
        @Bindable(defaultValue = "5s") Duration vaultTimeout,
        @Bindable(defaultValue = "1") int vaultRetries) {
}
