package io.keyward.app.hpccache;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationHandler;
import io.keyward.app.arm.StepContext;
import io.keyward.app.arm.StepResult;
import jakarta.inject.Singleton;
import java.sql.Connection;
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

    static final String KIND = "caches.create";

    private final HpcCacheRepository repository;
    private final HpcCacheCatalog catalog;
    private final HpcCacheProperties properties;

    CacheCreateHandler(HpcCacheRepository repository, HpcCacheCatalog catalog, HpcCacheProperties properties) {
        this.repository = repository;
        this.catalog = catalog;
        this.properties = properties;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public StepResult run(AsyncOperation op) {
        return new StepResult.InTransaction(tx -> step(op, () -> tx));
    }

    private StepResult step(AsyncOperation op, StepContext ctx) throws Exception {
        Connection c = ctx.connection();
        Optional<HpcCacheCatalog.ParsedId> id = HpcCacheCatalog.parseId(op.resourceId());
        Optional<StoredCache> found = id.isEmpty() ? Optional.empty() : repository.find(c, id.get().sub(), id.get().group(), id.get().name(), true);
        if (found.isEmpty() || StoredCache.DELETING.equals(found.get().provisioningState())) {
            return new StepResult.Failed(ArmErrorCode.ResourceNotFound, "The cache was deleted before its creation completed.");
        }
        StoredCache cache = found.get();
        Instant now = catalog.now();
        switch (cache.provisioningState()) {
            case StoredCache.SUCCEEDED:
                return new StepResult.Succeeded(null);
            case StoredCache.FAILED:
                return new StepResult.Failed(ArmErrorCode.BadRequest, cache.statusDescription());
            default:
                break;
        }
        if (!cache.customerKey()) {
            repository.update(c, cache.withState(StoredCache.SUCCEEDED, StoredCache.HEALTHY, "Cache is healthy.", now));
            return new StepResult.Succeeded(null);
        }
        Instant deadline = catalog.deadline(cache);
        if (!now.isBefore(deadline)) {
            repository.update(c, cache.withState(StoredCache.FAILED, StoredCache.START_FAILED, catalog.timedOut(), now));
            return new StepResult.Failed(ArmErrorCode.BadRequest, catalog.timedOut());
        }
        Duration left = Duration.between(now, deadline);
        return new StepResult.RetryLater(left.compareTo(properties.keyWaitPoll()) < 0 ? left : properties.keyWaitPoll(),
                "waiting for the key vault access to be authorized");
    }
}
