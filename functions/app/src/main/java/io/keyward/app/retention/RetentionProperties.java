package io.keyward.app.retention;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code keyward.retention.*}: how much one run of the {@code Retention_Purge} timer does. A run that hits a limit
 * stops there; the next run continues where it stopped (every step is found again from the rows still there).
 *
 * @param enabled         false: the timer runs and does nothing (an operator's brake, e.g. during a restore)
 * @param batchSize       data blocks deleted per transaction: short transactions, short row locks
 * @param maxBatches      batches per kind of work per run, so that a run stays well inside a function timeout
 * @param resourcesPerRun soft-deleted clusters, and soft-deleted workspaces, claimed per run
 * @param purgeGrace      how long past its purge date a soft-deleted resource waits before it is shredded: recovery
 *                        is decided on the instance's clock, purge on the database's, and this margin keeps the two
 *                        from ever overlapping
 */
@ConfigurationProperties("keyward.retention")
public record RetentionProperties(
        @Bindable(defaultValue = "true") boolean enabled,
        @Bindable(defaultValue = "1000") int batchSize,
        @Bindable(defaultValue = "200") int maxBatches,
        @Bindable(defaultValue = "20") int resourcesPerRun,
        @Bindable(defaultValue = "1h") Duration purgeGrace) {
}
