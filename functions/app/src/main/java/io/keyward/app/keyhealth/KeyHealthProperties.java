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
 * @param lease  how long a claim holds before another instance may take the cluster
 */
@ConfigurationProperties("keyward.keyhealth")
public record KeyHealthProperties(
        @Bindable(defaultValue = "60s") Duration period,
        @Bindable(defaultValue = "50") int batch,
        @Bindable(defaultValue = "60s") Duration lease) {
}
