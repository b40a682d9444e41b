package io.keyward.app.engine;

import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationHandler;
import io.keyward.app.arm.StepResult;
import io.keyward.app.cmk.CmkKeys;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cmk.delete}: the asynchronous delete of a surface without soft delete. One transaction shreds the resource's
 * wrapped AEK and removes its row (and, by their foreign keys, its child rows): once committed, nothing the AEK sealed can
 * be opened again, whatever the customer's vault still holds.
 */
@Singleton
class DeleteStep implements OperationHandler {

    static final String KIND = "cmk.delete";
    private static final Logger LOG = LoggerFactory.getLogger(DeleteStep.class);

    private final ResourceRepository repository;
    private final CmkKeys cmk;
    private final JsonMapper json;

    DeleteStep(ResourceRepository repository, CmkKeys cmk, JsonMapper json) {
        this.repository = repository;
        this.cmk = cmk;
        this.json = json;
    }

    @Serdeable
    record Payload(UUID resource) {
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public StepResult run(AsyncOperation op) throws Exception {
        UUID uuid = json.readValue(op.payloadJson(), Payload.class).resource();
        return new StepResult.InTransaction(tx -> {
            if (repository.lockById(uuid).isPresent()) {
                boolean shredded = cmk.shred(uuid); // first: nothing sealed under the AEK can be opened again
                repository.deleteById(uuid);
                LOG.info("{} deleted{}", op.resourceId(), shredded ? "; its wrapped AEK was shredded" : "");
            }
            return new StepResult.Succeeded(null);
        });
    }
}
