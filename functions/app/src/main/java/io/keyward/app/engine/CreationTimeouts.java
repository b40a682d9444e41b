package io.keyward.app.engine;

import io.keyward.app.arm.AsyncOperations;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resources whose asynchronous create waited too long (an HPC cache whose key vault access was not authorized within its
 * window) fail: each surface's {@link Surface#readiness} decides, and the create operations of the failed ones are run at
 * once so that their status resources tell it. Run by a timer (Caches_FailUnauthorized) and before an action that must
 * not act on an overdue resource.
 */
@Singleton
public class CreationTimeouts {

    private static final Logger LOG = LoggerFactory.getLogger(CreationTimeouts.class);
    private static final int BATCH = 1000;

    private final KeyedResources engine;
    private final AsyncOperations operations;
    private final BeanProvider<Surface<?>> surfaces;

    CreationTimeouts(KeyedResources engine, AsyncOperations operations, BeanProvider<Surface<?>> surfaces) {
        this.engine = engine;
        this.operations = operations;
        this.surfaces = surfaces;
    }

    /** Fails every overdue create of every surface; returns how many. */
    public int failOverdue() {
        return surfaces.stream().mapToInt(this::failOverdue).sum();
    }

    /** Fails the overdue creates of {@code s}; returns how many. */
    public <P> int failOverdue(Surface<P> s) {
        List<UUID> failed = engine.inTransaction(() -> {
            List<UUID> ops = new ArrayList<>();
            for (Resource<P> r : engine.inPhaseSince(s, Phase.Creating, engine.now(), BATCH)) {
                if (s.readiness(r, engine.now()) instanceof Surface.Readiness.Failed<P> f) {
                    engine.save(s, f.resource());
                    s.createOperation(f.resource()).ifPresent(ops::add);
                    LOG.info("{}: its create was overdue and failed", r.id());
                }
            }
            return ops;
        });
        failed.forEach(operations::kick);
        return failed.size();
    }
}
