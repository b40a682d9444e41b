package io.keyward.app.engine;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationHandler;
import io.keyward.app.arm.StepResult;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * {@code cmk.create}: the asynchronous create of a surface whose resources are not ready when the PUT answers (an HPC
 * cache waiting for its key). Each step asks the surface ({@link Surface#readiness}) in one transaction with the row
 * locked: ready or failed ends the operation, waiting looks again later.
 */
@Singleton
class CreateStep implements OperationHandler {

    static final String KIND = "cmk.create";

    private final KeyedResources engine;
    private final ResourceRepository repository;
    private final BeanProvider<Surface<?>> surfaces;

    CreateStep(KeyedResources engine, ResourceRepository repository, BeanProvider<Surface<?>> surfaces) {
        this.engine = engine;
        this.repository = repository;
        this.surfaces = surfaces;
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public StepResult run(AsyncOperation op) {
        return new StepResult.InTransaction(() -> {
            Optional<ArmResourceId> id = ArmResourceId.parse(op.resourceId());
            Optional<ResourceRow> row = id.flatMap(i -> repository.lockByName(i.type(), i.subscriptionId(), i.resourceGroup(), i.name()))
                    .filter(r -> r.deletedAt() == null && r.phase() != Phase.Deleting);
            if (row.isEmpty()) {
                return new StepResult.Failed(ArmErrorCode.ResourceNotFound, "The resource was deleted before its creation completed.");
            }
            return step(surface(row.get().resourceType()), row.get());
        });
    }

    private <P> StepResult step(Surface<P> s, ResourceRow row) {
        Resource<P> current = engine.view(s, row);
        Surface.Readiness<P> readiness = s.readiness(current, engine.now());
        if (readiness instanceof Surface.Readiness.Waiting<P> w) {
            return new StepResult.RetryLater(w.recheck(), "waiting for the resource to be ready");
        }
        Resource<P> next = readiness instanceof Surface.Readiness.Ready<P> r ? r.resource() : ((Surface.Readiness.Failed<P>) readiness).resource();
        if (next != current) {
            engine.save(s, next);
        }
        return readiness instanceof Surface.Readiness.Failed<P> f ? new StepResult.Failed(ArmErrorCode.BadRequest, f.message())
                : new StepResult.Succeeded(null);
    }

    private Surface<?> surface(String type) {
        return surfaces.stream().filter(s -> s.type().equals(type)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no surface serves resource type " + type));
    }
}
