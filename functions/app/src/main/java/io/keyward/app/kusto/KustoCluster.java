package io.keyward.app.kusto;

import io.keyward.app.engine.ArmSku;
import io.keyward.app.engine.Phase;
import io.keyward.app.engine.Resource;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * What a Data Explorer cluster keeps beyond the engine's columns: its sku, whether it is stopped (a stopped cluster's
 * key is not polled) and the plain settings a request may change. Its wire states come from the engine's phase and
 * the stopped flag. Rows written before {@code settings} existed read it as null: the spec's defaults.
 */
@Serdeable
record KustoCluster(ArmSku sku, boolean stopped, @Nullable Settings settings) {

    static final String TYPE = "Microsoft.Kusto/clusters";
    /** The type Data Explorer answers with in resource bodies. */
    static final String WIRE_TYPE = "Microsoft.Kusto/Clusters";

    /**
     * ClusterProperties members of the 2024-04-13 spec that are stored settings: recorded, echoed and changed by PUT or
     * PATCH (Keyward runs no Data Explorer engine whose behaviour they would change further).
     */
    @Serdeable
    record Settings(boolean enablePurge, boolean enableStreamingIngest, boolean enableAutoStop, boolean enableDiskEncryption,
                    List<String> trustedExternalTenants, List<String> acceptedAudiences) {

        /** The spec's defaults: purge and streaming ingest off, auto-stop on, no external tenants or extra audiences. */
        static final Settings DEFAULTS = new Settings(false, false, true, false, List.of(), List.of());

        Settings {
            trustedExternalTenants = trustedExternalTenants == null ? List.of() : List.copyOf(trustedExternalTenants);
            acceptedAudiences = acceptedAudiences == null ? List.of() : List.copyOf(acceptedAudiences);
        }
    }

    Settings settingsOrDefaults() {
        return settings == null ? Settings.DEFAULTS : settings;
    }

    KustoCluster withStopped(boolean now) {
        return new KustoCluster(sku, now, settings);
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
