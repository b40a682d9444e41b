package io.keyward.app.hpccache;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.StepResult;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.KeyPolicy;
import io.keyward.app.engine.KeyUpdate;
import io.keyward.app.engine.Resource;
import io.keyward.app.engine.Surface;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Set;

/**
 * HPC caches on the engine: RSA 2048, the vault in the cache's region; the key is given at creation and bound by the
 * authorize action ({@link HpcCacheCatalog#authorize}), never by a key update operation; no soft delete: a delete
 * shreds the AEK (the cache's encrypted disks).
 */
@Singleton
class HpcCacheSurface implements Surface<HpcCache> {

    static final KeyPolicy POLICY = KeyPolicy.rsa2048(true, Set.of());

    private final HpcCacheProperties properties;

    HpcCacheSurface(HpcCacheProperties properties) {
        this.properties = properties;
    }

    @Override
    public String type() {
        return HpcCache.TYPE;
    }

    @Override
    public Class<HpcCache> propertiesType() {
        return HpcCache.class;
    }

    @Override
    public KeyPolicy keyPolicy(Resource<HpcCache> cache, KeyUpdate update) {
        return POLICY;
    }

    @Override
    public StepResult.Failed refused(Resource<HpcCache> cache, KeyUpdate update, Binding.Refused refusal) {
        return new StepResult.Failed(ArmErrorCode.BadRequest, HpcCacheCatalog.refusal(cache, refusal, null));
    }

    @Override
    public StepResult.Failed unreachable(Resource<HpcCache> cache, KeyUpdate update) {
        return new StepResult.Failed(ArmErrorCode.KeyVaultUnavailable, "The key vault of cache '" + cache.name() + "' could not be reached.");
    }

    @Override
    public Duration keyUpdateTimeout() {
        return properties.authorizeTimeout();
    }

    @Override
    public ArmException notFound(ArmResourceId id) {
        return new ArmException(ArmErrorCode.ResourceNotFound, "The Resource '" + HpcCache.TYPE + "/" + id.name() + "' under resource group '"
                + id.resourceGroup() + "' was not found.");
    }

    @Override
    public ArmException busy(Resource<HpcCache> cache, Request request) {
        return new ArmException(ArmErrorCode.ConflictError, "The cache '" + cache.name() + "' is "
                + (request == Request.DELETE ? "already " : "") + "being deleted.");
    }

    @Override
    public Resource<HpcCache> operationStarted(Resource<HpcCache> cache, AsyncOperation operation) {
        return cache.withProperties(cache.properties().withCreateOperation(operation.id()));
    }
}
