package io.keyward.local;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires timer functions on their NCRONTAB schedules, in UTC as the Functions runtime does by default. One thread:
 * timers run one at a time, and a run that overlaps its next occurrence delays it instead of overlapping, which is
 * what the runtime's singleton lock gives timer functions.
 */
final class TimerScheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TimerScheduler.class);

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keyward-timers");
        t.setDaemon(true);
        return t;
    });

    void schedule(String name, NcrontabSchedule schedule, Consumer<String> fire) {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        ZonedDateTime next = schedule.next(now);
        long delay = Math.max(0, Duration.between(now, next).toMillis());
        executor.schedule(() -> {
            try {
                fire.accept(name);
            } catch (RuntimeException e) {
                LOG.error("timer function {} failed", name, e);
            }
            if (!executor.isShutdown()) {
                schedule(name, schedule, fire);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
