package io.keyward.app.identity;

import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Limits failed client-credential sign-ins per client id and per client address ({@link SignInLimits}), and counts
 * them. State is per instance, in memory: with n instances an attacker gets at most n times the limit, which is
 * still nothing against 256-bit secrets; the limit is there to make guessing and credential stuffing loud and slow.
 */
@Singleton
public class SignInThrottle {

    private static final int MAX_TRACKED = 100_000;

    /** Failures of one client id or address since {@code since}; refused until {@code blockedUntil} once over. */
    private record Window(long since, int failures, long blockedUntil) {
    }

    private final SignInLimits limits;
    private final Clock clock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();

    SignInThrottle(SignInLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    /** Client-credential sign-ins refused for a wrong secret or an unknown client, since this instance started. */
    public long failedSignIns() {
        return failed.get();
    }

    /** Sign-in attempts answered 429 because their client id or address was over its limit. */
    public long throttledSignIns() {
        return throttled.get();
    }

    Duration window() {
        return limits.window();
    }

    /** How long the caller must wait, when the client id or the address is over its limit now. */
    Optional<Duration> refusal(String tenant, String clientId, @Nullable String address) {
        long now = clock.millis();
        long until = Math.max(blockedUntil(clientKey(tenant, clientId), now),
                address == null ? 0 : blockedUntil(addressKey(address), now));
        if (until <= now) {
            return Optional.empty();
        }
        throttled.incrementAndGet();
        return Optional.of(Duration.ofMillis(until - now));
    }

    /** Records a failed attempt; returns the client id's failures within the window, for the log. */
    int failed(String tenant, String clientId, @Nullable String address) {
        failed.incrementAndGet();
        long now = clock.millis();
        if (windows.size() > MAX_TRACKED) {
            windows.values().removeIf(w -> expired(w, now));
        }
        if (address != null) {
            count(addressKey(address), limits.failuresPerAddress(), now);
        }
        return count(clientKey(tenant, clientId), limits.failuresPerClient(), now).failures();
    }

    /** A successful sign-in clears the client id's count (not the address's). */
    void succeeded(String tenant, String clientId) {
        windows.remove(clientKey(tenant, clientId));
    }

    private Window count(String key, int limit, long now) {
        long window = limits.window().toMillis();
        return windows.compute(key, (k, w) -> {
            Window current = w == null || expired(w, now) ? new Window(now, 0, 0) : w;
            int failures = current.failures() + 1;
            return new Window(current.since(), failures, failures >= limit ? now + window : current.blockedUntil());
        });
    }

    private long blockedUntil(String key, long now) {
        Window w = windows.get(key);
        return w == null || expired(w, now) ? 0 : w.blockedUntil();
    }

    private boolean expired(Window w, long now) {
        return now >= Math.max(w.since() + limits.window().toMillis(), w.blockedUntil());
    }

    private static String clientKey(String tenant, String clientId) {
        return "client|" + tenant.toLowerCase(Locale.ROOT) + "|" + clientId.toLowerCase(Locale.ROOT);
    }

    private static String addressKey(String address) {
        return "address|" + address;
    }
}
