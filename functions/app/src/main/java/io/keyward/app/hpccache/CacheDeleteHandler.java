package io.keyward.app.hpccache;

import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationHandler;
import io.keyward.app.arm.StepContext;
import io.keyward.app.arm.StepResult;
import io.keyward.app.cmk.CmkKeys;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code caches.delete}: crypto-shreds the cache's AEK (with it, everything its encrypted disks held) through the core,
 * then removes the cache. HPC caches have no soft delete: the data is gone when this commits.
 */
@Singleton
class CacheDeleteHandler implements OperationHandler {

    static final String KIND = "caches.delete";
    private static final Logger LOG = LoggerFactory.getLogger(CacheDeleteHandler.class);

    private final HpcCacheRepository repository;
    private final CmkKeys cmk;

    CacheDeleteHandler(HpcCacheRepository repository, CmkKeys cmk) {
        this.repository = repository;
        this.cmk = cmk;
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
        if (found.isPresent()) {
            boolean shredded = cmk.shred(c, found.get().uuid()); // first: nothing sealed under the AEK can be opened again
            repository.delete(c, found.get().uuid());
            LOG.info("cache {} deleted{}", found.get().id(), shredded ? "; its AEK was shredded" : "");
        }
        return new StepResult.Succeeded(null);
    }
}
