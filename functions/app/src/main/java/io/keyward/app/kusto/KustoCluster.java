package io.keyward.app.kusto;

import io.keyward.app.engine.ArmSku;
import io.keyward.app.engine.Phase;
import io.keyward.app.engine.Resource;
import io.micronaut.serde.annotation.Serdeable;

/**
 * What a Data Explorer cluster keeps beyond the engine's columns: its sku and whether it is stopped (a stopped cluster's
 * key is not polled). Its wire states come from the engine's phase and this flag.
 */
@Serdeable
record KustoCluster(ArmSku sku, boolean stopped) {

    static final String TYPE = "Microsoft.Kusto/clusters";
    /** The type Data Explorer answers with in resource bodies. */
    static final String WIRE_TYPE = "Microsoft.Kusto/Clusters";

    KustoCluster withStopped(boolean now) {
        return new KustoCluster(sku, now);
    }

    /** ProvisioningState of the 2024-04-13 spec: Running while a key update runs, as Data Explorer answers. */
    static String provisioningState(Resource<KustoCluster> c) {
        return switch (c.phase()) {
            case Updating -> "Running";
            case Deleting -> "Deleting";
            case Failed -> "Failed";
            default -> "Succeeded";
        };
    }

    /** properties.state of the 2024-04-13 spec, as far as Keyward goes through it (Unavailable is the key view's). */
    static String state(Resource<KustoCluster> c) {
        if (c.phase() == Phase.Updating || c.phase() == Phase.Deleting) {
            return c.phase().name();
        }
        return c.properties().stopped() ? "Stopped" : "Running";
    }
}
