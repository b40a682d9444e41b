package io.keyward.app.keyhealth;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code keyward.keyhealth.*}.
 *
 * @param period how often each cluster's key is unwrapped (the docs say 6-60 s); the timer only decides how often
 *               an instance looks for due clusters
 * @param batch  resources claimed per statement and checked as one batch (one read of their AEKs, one vault and key
 *               lookup per key version, one statement for the results)
 * @param lease  how long a claim holds before another instance may take the resource; the poller renews its batch's
 *               leases every third of a lease while the batch's vault calls run, so a slow vault (timeouts) cannot make a
 *               claim expire under a running check
 * @param outageGrace how long after the first failed unwrap (vault unreachable, timeout, 5xx) the data plane keeps
 *               using cached AEKs as if nothing happened; beyond it queries fail and ingestion is buffered
 * @param parallelism unwraps of a batch run at once by one instance (in the token for Keyward's own vaults, waiting on
 *               the network for remote ones)
 */
@ConfigurationProperties("keyward.keyhealth")
public record KeyHealthProperties(
        @Bindable(defaultValue = "60s") Duration period,
        @Bindable(defaultValue = "50") int batch,
        @Bindable(defaultValue = "60s") Duration lease,
        @Bindable(defaultValue = "10m") Duration outageGrace,
        @Bindable(defaultValue = "4") int parallelism) {
}
