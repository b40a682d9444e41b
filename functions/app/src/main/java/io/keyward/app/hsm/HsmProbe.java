package io.keyward.app.hsm;

import io.keyward.hsm.Hsm;
import io.keyward.hsm.HsmException;
import io.micronaut.context.BeanProvider;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deep HSM health: opens the HSM if needed and reads the token info (C_GetTokenInfo), within
 * {@code keyward.hsm.probe-timeout}. A hung PKCS#11 call must not hang the health endpoint or the heartbeat, so
 * the probe runs on its own thread; while a previous probe is still stuck, new ones answer "down" at once instead
 * of piling up threads.
 */
@Singleton
public class HsmProbe {

    private static final Logger LOG = LoggerFactory.getLogger(HsmProbe.class);

    private final BeanProvider<Hsm> hsm;
    private final HsmProperties properties;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "keyward-hsm-probe");
        t.setDaemon(true);
        return t;
    });
    private Future<HsmHealth> pending;

    HsmProbe(BeanProvider<Hsm> hsm, HsmProperties properties) {
        this.hsm = hsm;
        this.properties = properties;
    }

    public synchronized HsmHealth check() {
        if (pending != null && !pending.isDone()) {
            return new HsmHealth.Down("a previous HSM probe has not returned yet");
        }
        pending = executor.submit(this::probeNow);
        try {
            return pending.get(properties.probeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new HsmHealth.Down("HSM did not answer within " + properties.probeTimeout().toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new HsmHealth.Down("interrupted");
        } catch (ExecutionException e) {
            return down(e.getCause());
        }
    }

    private HsmHealth probeNow() {
        try {
            return new HsmHealth.Up(hsm.get().probe());
        } catch (RuntimeException e) {
            return down(e);
        }
    }

    private static HsmHealth down(Throwable e) {
        // Bean creation wraps the real failure; the innermost one says what went wrong. Its message stays out of the
        // answer and the log (a vendor's module may put a path, a slot dump or worse there): its kind is enough for a
        // client, and the log line's frames show the operator where.
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String reason = root instanceof HsmSettingMissing missing ? missing.getMessage() : root instanceof HsmException h ? switch (h.failure()) {
            case CONFIGURATION -> "the token or its PIN was not accepted; check keyward.hsm";
            case DEVICE_FAILED, SESSION_BROKEN -> "the HSM module or token failed";
            case BUSY -> "every HSM session is busy";
            default -> "the HSM refused the probe";
        } : "the HSM binding could not be opened; check keyward.hsm";
        LOG.warn("HSM probe failed: {}", reason, root);
        return new HsmHealth.Down(reason);
    }

    @PreDestroy
    void close() {
        executor.shutdownNow();
    }
}
