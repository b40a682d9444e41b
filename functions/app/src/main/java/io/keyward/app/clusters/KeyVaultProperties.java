package io.keyward.app.clusters;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.cmk.CustomerKey;
import io.micronaut.core.annotation.Nullable;

/** {@code keyVaultProperties} of a cluster update: the key, and the minimum RSA size the customer asks for. */
final class KeyVaultProperties {

    static final String BAD_FORMAT = "KeyVaultProperties is not empty but has a bad format. See key identifier update.";

    private KeyVaultProperties() {
    }

    /** Validates the wire values: the documented "bad format" error for anything a vault could never answer. */
    static CustomerKey parse(@Nullable String uri, @Nullable String name, @Nullable String version, @Nullable Integer rsaSize) {
        if (rsaSize != null && rsaSize != 2048 && rsaSize != 3072 && rsaSize != 4096) {
            throw new ArmException(ArmErrorCode.BadRequest, BAD_FORMAT, "properties.keyVaultProperties");
        }
        return CustomerKey.parse(uri, name, version)
                .orElseThrow(() -> new ArmException(ArmErrorCode.BadRequest, BAD_FORMAT, "properties.keyVaultProperties"));
    }
}
