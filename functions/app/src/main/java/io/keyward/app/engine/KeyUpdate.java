package io.keyward.app.engine;

import io.keyward.app.cmk.CustomerKey;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.UUID;

/**
 * A key update a surface asks for: the key to bind (already checked for its wire format by the surface) and the smallest
 * RSA size the customer accepts ({@code keyRsaSize} of Log Analytics; null: any size the surface allows). Also the payload
 * of the {@code cmk.updateKey} operation.
 */
@Serdeable
public record KeyUpdate(UUID resource, String vaultUri, String keyName, String keyVersion, @Nullable Integer minRsaSize) {

    public static KeyUpdate of(UUID resource, CustomerKey key, @Nullable Integer minRsaSize) {
        return new KeyUpdate(resource, key.vaultUri(), key.keyName(), key.keyVersion(), minRsaSize);
    }

    public CustomerKey key() {
        return new CustomerKey(vaultUri, keyName, keyVersion);
    }
}
