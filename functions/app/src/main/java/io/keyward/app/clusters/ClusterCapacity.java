package io.keyward.app.clusters;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import io.keyward.app.engine.ArmSku;
import io.micronaut.core.annotation.Nullable;

/**
 * {@code sku}: name {@code CapacityReservation} and a daily capacity in GB. Accepted: the spec's smaller tiers 100-500
 * (its enum lists 100, 200, 300, 400, 500) and 1000 or more in steps of 100, up to the spec's largest value, 50000,
 * which covers the enum's 1000, 2000, 5000, 10000, 25000 and 50000 and the CMK docs' "1000 or higher in steps of 100".
 */
final class ClusterCapacity {

    static final long MIN = 100;
    static final long MAX = 50_000;
    static final String STEPS = "Set Capacity value to 1000 or higher in steps of 100 (GB).";

    private ClusterCapacity() {
    }

    /** Validates a sku of a create ({@code sku} required) or an update ({@code sku} optional): returns the capacity. */
    @Nullable
    static Long of(@Nullable ArmSku sku, boolean create) {
        if (sku == null) {
            if (create) {
                throw bad("No SKU was set. Set the SKU name to capacityReservation and Capacity value to 1000 or higher in steps of"
                        + " 100 (GB).", "sku");
            }
            return null;
        }
        boolean named = sku.name() != null && sku.name().equalsIgnoreCase(ClusterWire.SKU_NAME);
        if (!named && sku.capacity() != null) {
            throw bad("Capacity was provided but SKU is not capacityReservation. Set SKU name to capacityReservation.", "sku.name");
        }
        if (!named) {
            throw bad("SKU name is invalid. Set SKU name to capacityReservation.", "sku.name");
        }
        if (sku.capacity() == null) {
            if (create) {
                throw bad("Missing Capacity in SKU. " + STEPS, "sku.capacity");
            }
            return null;
        }
        long c = sku.capacity();
        boolean small = c >= MIN && c <= 500 && c % 100 == 0;
        boolean large = c >= 1000 && c <= MAX && c % 100 == 0;
        if (!small && !large) {
            throw bad("Capacity in SKU is not in range. Should be 100, 200, 300, 400, 500, or minimum 1000 in steps of 100 (GB) and"
                    + " up to " + MAX + ".", "sku.capacity");
        }
        return c;
    }

    private static ArmException bad(String message, String target) {
        return new ArmException(ArmErrorCode.BadRequest, message, target);
    }
}
