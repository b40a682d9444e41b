package io.keyward.app.kusto;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code keyward.kusto.*}.
 *
 * @param keyUpdateTimeout how long a key update keeps retrying an unreachable vault before it fails
 */
@ConfigurationProperties("keyward.kusto")
public record KustoProperties(@Bindable(defaultValue = "10m") Duration keyUpdateTimeout) {
}
