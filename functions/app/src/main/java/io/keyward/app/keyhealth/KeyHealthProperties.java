package io.keyward.app.keyhealth;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code keyward.keyhealth.*}.
 *
 * @param period how often each cluster's key is unwrapped (the docs say 6-60 s); the timer only decides how often
 *               an instance looks for due clusters
 * @param batch  clusters claimed per statement
 * @param lease  how long a claim holds before another instance may take the cluster; the poller renews it before each
 *               cluster it checks, so a slow vault (timeouts) cannot make a claim expire under a running check
 * @param outageGrace how long after the first failed unwrap (vault unreachable, timeout, 5xx) the data plane keeps
 *               using cached AEKs as if nothing happened; beyond it queries fail and ingestion is buffered
 * @param parallelism clusters of a batch checked at once by one instance (each check mostly waits on its vault)
 */
@ConfigurationProperties("keyward.keyhealth")
public record KeyHealthProperties(
        @Bindable(defaultValue = "60s") Duration period,
        @Bindable(defaultValue = "50") int batch,
        @Bindable(defaultValue = "60s") Duration lease,
        @Bindable(defaultValue = "10m") Duration outageGrace,
        @Bindable(defaultValue = "4") int parallelism) {
}
