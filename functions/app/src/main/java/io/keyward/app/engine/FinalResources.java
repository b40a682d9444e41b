package io.keyward.app.engine;

import io.keyward.app.arm.ArmResourceId;
import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationOutcome;
import io.keyward.app.identity.Principal;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * The resource an engine create or key update left, for the operation's {@code Location} URL: read again now, with the
 * caller's read permission, and shown as a GET shows it. A delete leaves none.
 */
@Singleton
class FinalResources implements OperationOutcome {

    private final KeyedResources engine;
    private final BeanProvider<Surface<?>> surfaces;

    FinalResources(KeyedResources engine, BeanProvider<Surface<?>> surfaces) {
        this.engine = engine;
        this.surfaces = surfaces;
    }

    @Override
    public Optional<Object> finalResource(AsyncOperation op, Principal caller) {
        if (!CreateStep.KIND.equals(op.kind()) && !KeyUpdateStep.KIND.equals(op.kind())) {
            return Optional.empty();
        }
        return ArmResourceId.parse(op.resourceId()).flatMap(id -> surfaces.stream()
                .filter(s -> s.type().equalsIgnoreCase(id.type())).findFirst().map(s -> shown(s, id, caller)));
    }

    private <P> Object shown(Surface<P> s, ArmResourceId id, Principal caller) {
        return s.outOne(engine.get(s, id, caller, s.type() + "/read"));
    }
}
