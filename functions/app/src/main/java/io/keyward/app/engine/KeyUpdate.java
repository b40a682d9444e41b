package io.keyward.app.engine;

import io.keyward.app.cmk.CustomerKey;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Map;
import java.util.UUID;

/**
 * A key update a surface asks for: the key to bind (already checked for its wire format by the surface) and the smallest
 * RSA size the customer accepts ({@code keyRsaSize} of Log Analytics; null: any size the surface allows). Also the payload
 * of the {@code cmk.updateKey} operation; {@code surface} holds what a surface keeps of the key beside it.
 */
@Serdeable
public record KeyUpdate(UUID resource, String vaultUri, String keyName, String keyVersion, @Nullable Integer minRsaSize,
                        @Nullable Map<String, String> surface) {

    public static KeyUpdate of(UUID resource, CustomerKey key, @Nullable Integer minRsaSize) {
        return new KeyUpdate(resource, key.vaultUri(), key.keyName(), key.keyVersion(), minRsaSize, null);
    }

    /** With what the surface needs to remember of the key once it is bound (an HPC cache's key URL and source vault). */
    public KeyUpdate with(Map<String, String> surfaceDetail) {
        return new KeyUpdate(resource, vaultUri, keyName, keyVersion, minRsaSize, Map.copyOf(surfaceDetail));
    }

    @Override
    public Map<String, String> surface() {
        return surface == null ? Map.of() : surface;
    }

    public CustomerKey key() {
        return new CustomerKey(vaultUri, keyName, keyVersion);
    }
}
