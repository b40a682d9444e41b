package io.keyward.app.hsm;

import io.keyward.hsm.Hsm;
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
    private static final int MAX_REASON = 200;

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
        // Bean creation wraps the real failure; report the innermost message. crypto-hsm and HsmFactory never put
        // the PIN in a message, and the reason is capped so a vendor's long dump does not reach clients.
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        LOG.warn("HSM probe failed: {}: {}", root.getClass().getSimpleName(), root.getMessage());
        String reason = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return new HsmHealth.Down(reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) : reason);
    }

    @PreDestroy
    void close() {
        executor.shutdownNow();
    }
}
