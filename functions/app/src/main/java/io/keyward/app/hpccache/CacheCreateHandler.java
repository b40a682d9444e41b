package io.keyward.app.hpccache;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationHandler;
import io.keyward.app.arm.StepResult;
import io.keyward.app.engine.Phase;
import io.keyward.app.engine.Resource;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code caches.create}: the PUT's async operation, which ends when the cache is ready or failed. A cache with
 * Microsoft-managed keys is ready at once. A cache with a customer-managed key is ready when the authorize action
 * created its encrypted disks; until then this step only looks (every {@code keyward.hpccache.key-wait-poll}), and past
 * the authorization window it fails the cache. The binding itself is the authorize action's, never this step's.
 */
@Singleton
class CacheCreateHandler implements OperationHandler {

    private final HpcCacheCatalog catalog;

    CacheCreateHandler(HpcCacheCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public String kind() {
        return HpcCacheCatalog.CREATE_KIND;
    }

    @Override
    public StepResult run(AsyncOperation op) {
        return new StepResult.InTransaction(tx -> {
            Optional<Resource<HpcCache>> found = ArmResourceId.parse(op.resourceId(), HpcCache.TYPE).flatMap(catalog::find)
                    .filter(c -> c.phase() != Phase.Deleting);
            if (found.isEmpty()) {
                return new StepResult.Failed(ArmErrorCode.ResourceNotFound, "The cache was deleted before its creation completed.");
            }
            Resource<HpcCache> cache = found.get();
            if (cache.phase() == Phase.Succeeded) {
                return new StepResult.Succeeded(null);
            }
            if (cache.phase() == Phase.Failed) {
                return new StepResult.Failed(ArmErrorCode.BadRequest, cache.properties().statusDescription());
            }
            if (!cache.properties().customerKey()) {
                catalog.save(cache.withPhase(Phase.Succeeded).withProperties(cache.properties().withHealth(HpcCache.HEALTHY, "Cache is healthy.")));
                return new StepResult.Succeeded(null);
            }
            Instant now = Instant.now();
            Instant deadline = catalog.deadline(cache);
            if (!now.isBefore(deadline)) {
                catalog.save(cache.withPhase(Phase.Failed).withProperties(cache.properties().withHealth(HpcCache.START_FAILED,
                        catalog.timedOut())));
                return new StepResult.Failed(ArmErrorCode.BadRequest, catalog.timedOut());
            }
            Duration left = Duration.between(now, deadline);
            return new StepResult.RetryLater(left.compareTo(catalog.keyWaitPoll()) < 0 ? left : catalog.keyWaitPoll(),
                    "waiting for the key vault access to be authorized");
        });
    }
}
