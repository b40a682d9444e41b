package io.keyward.app.engine;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationHandler;
import io.keyward.app.arm.StepResult;
import io.keyward.app.cmk.Binding;
import io.keyward.app.cmk.CmkKeys;
import io.micronaut.context.BeanProvider;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cmk.updateKey}: binds a resource of any surface to the customer's key, in one step. First, with no transaction
 * open, the CMK core checks the key through the vault as the resource's identity and wraps the resource's AEK (the one
 * it has, or a new one) with exactly the key version it found. Then one transaction, with the row locked, stores the
 * wrapped AEK and the key and ends the update; a refusal ends it Failed with the surface's documented code, the resource
 * keeping its previous key and accepting the next request. An unreachable vault is retried until the surface's
 * timeout. A step that keeps throwing is abandoned by the runner: the resource then shows Failed, still not busy.
 */
@Singleton
class KeyUpdateStep implements OperationHandler {

    static final String KIND = "cmk.updateKey";
    private static final Duration RETRY = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(KeyUpdateStep.class);

    private final KeyedResources engine;
    private final ResourceRepository repository;
    private final CmkKeys cmk;
    private final JsonMapper json;
    private final BeanProvider<Surface<?>> surfaces;

    KeyUpdateStep(KeyedResources engine, ResourceRepository repository, CmkKeys cmk, JsonMapper json, BeanProvider<Surface<?>> surfaces) {
        this.engine = engine;
        this.repository = repository;
        this.cmk = cmk;
        this.json = json;
        this.surfaces = surfaces;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public StepResult run(AsyncOperation op) throws Exception {
        KeyUpdate update = json.readValue(op.payloadJson(), KeyUpdate.class);
        Optional<ResourceRow> row = repository.findById(update.resource());
        if (row.isEmpty() || row.get().deletedAt() != null) {
            return new StepResult.Failed(ArmErrorCode.ResourceNotFound, "The resource was deleted while its key was being updated.");
        }
        return run(op, surface(row.get().resourceType()), row.get(), update);
    }

    private <P> StepResult run(AsyncOperation op, Surface<P> s, ResourceRow row, KeyUpdate update) {
        Resource<P> resource = engine.view(s, row);
        // outside any transaction: the vault is called here
        Binding outcome = cmk.bind(resource.cmk(), update.key(), s.keyPolicy(resource, update));
        Instant now = engine.now();
        if (outcome instanceof Binding.Unreachable u && now.isBefore(op.startTime().plus(s.definition().keyUpdateTimeout()))) {
            LOG.info("{}: key update {} waits for the vault: {}", resource.id(), op.id(), u.reason());
            return new StepResult.RetryLater(RETRY, u.reason());
        }
        return new StepResult.InTransaction(() -> {
            Optional<Resource<P>> locked = repository.lockById(resource.uuid()).map(r -> engine.view(s, r)).filter(r -> !r.deleted());
            if (locked.isEmpty()) {
                return new StepResult.Failed(ArmErrorCode.ResourceNotFound, "The resource was deleted while its key was being updated.");
            }
            Resource<P> current = locked.get();
            if (outcome instanceof Binding.Bound bound) {
                Resource<P> next = s.keyBound(current.withKey(update.key()).withPhase(Phase.Succeeded), update);
                cmk.save(next.cmk(), bound, update.key().followsLatest(), now);
                engine.save(s, next);
                if (!s.polled(next)) {
                    cmk.setActive(next.uuid(), false); // save made the AEK row active; this resource is not polled now
                }
                LOG.info("{}: AEK wrapped by {}", current.id(), bound.aek().keyId());
                return new StepResult.Succeeded(null);
            }
            StepResult.Failed failed = s.keyUpdateFailed(current, update, outcome);
            engine.save(s, current.withPhase(Phase.Succeeded));
            LOG.info("{}: key update {} refused: {} {}", current.id(), op.id(), failed.code(),
                    outcome instanceof Binding.Refused r ? r.detail() : failed.message());
            return failed;
        });
    }

    /** The runner gave up on a step that kept throwing: the resource keeps the key it had and accepts the next request. */
    @Override
    public void abandoned(AsyncOperation op) throws Exception {
        KeyUpdate update = json.readValue(op.payloadJson(), KeyUpdate.class);
        Optional<ResourceRow> row = repository.lockById(update.resource());
        if (row.isPresent() && row.get().deletedAt() == null) {
            abandon(surface(row.get().resourceType()), row.get());
        }
    }

    private <P> void abandon(Surface<P> s, ResourceRow row) {
        engine.save(s, engine.view(s, row).withPhase(Phase.Failed));
    }

    private Surface<?> surface(String type) {
        return surfaces.stream().filter(s -> s.type().equals(type)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no surface serves resource type " + type));
    }
}
