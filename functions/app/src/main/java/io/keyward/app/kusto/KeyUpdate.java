package io.keyward.app.kusto;

import io.keyward.app.cmk.CustomerKey;
import io.micronaut.serde.annotation.Serdeable;
import java.util.UUID;

/** The payload of a {@code kusto.updateKey} operation: the key to bind and the state the cluster returns to. */
@Serdeable
record KeyUpdate(UUID cluster, String keyVaultUri, String keyName, String keyVersion, KustoCluster.State resumeState) {

    CustomerKey key() {
        return new CustomerKey(keyVaultUri, keyName, keyVersion);
    }
}
