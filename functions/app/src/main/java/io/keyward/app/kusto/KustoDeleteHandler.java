package io.keyward.app.kusto;

import io.keyward.app.arm.AsyncOperation;
import io.keyward.app.arm.OperationHandler;
import io.keyward.app.arm.StepContext;
import io.keyward.app.arm.StepResult;
import io.keyward.app.cmk.CmkKeys;
import io.micronaut.json.JsonMapper;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kusto.delete}: Data Explorer keeps no deleted clusters, so the cluster's row and its attached database
 * configurations go, and the CMK core shreds its wrapped AEK and key-health row in the same transaction: nothing the
 * cluster's AEK sealed can be opened again, whatever the customer's vault still holds.
 */
@Singleton
class KustoDeleteHandler implements OperationHandler {

    static final String KIND = "kusto.delete";
    private static final Logger LOG = LoggerFactory.getLogger(KustoDeleteHandler.class);

    private final KustoRepository repository;
    private final CmkKeys cmk;
    private final JsonMapper json;

    KustoDeleteHandler(KustoRepository repository, CmkKeys cmk, JsonMapper json) {
        this.repository = repository;
        this.cmk = cmk;
        this.json = json;
    }

    @Serdeable
    record Payload(UUID cluster) {
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
        UUID cluster = json.readValue(op.payloadJson(), Payload.class).cluster();
        repository.delete(ctx.connection(), cluster);
        boolean shredded = cmk.shred(ctx.connection(), cluster);
        LOG.info("kusto cluster {} deleted{}", op.resourceId(), shredded ? "; its wrapped AEK was shredded" : "");
        return new StepResult.Succeeded(null);
    }
}
