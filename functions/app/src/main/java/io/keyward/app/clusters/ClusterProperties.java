package io.keyward.app.clusters;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;

/**
 * What a Log Analytics cluster keeps beyond the engine's columns: its daily capacity and when it last changed (a decrease
 * waits 30 days after it), its billing type, the smallest RSA size the customer asked for with the key, and the two flags
 * fixed at creation: double encryption (blocks carry an outer layer under a platform key in the HSM) and availability
 * zones. A cluster stored before the flags existed has neither (null): its blocks never had an outer layer.
 */
@Serdeable
record ClusterProperties(long capacity, BillingType billingType, Instant lastSkuUpdate, @Nullable Integer keyRsaSize,
                         @Nullable Boolean doubleEncryption, @Nullable Boolean availabilityZones) {

    boolean doubleEncrypted() {
        return Boolean.TRUE.equals(doubleEncryption);
    }

    boolean zoneRedundant() {
        return Boolean.TRUE.equals(availabilityZones);
    }

    ClusterProperties with(long newCapacity, BillingType newBilling, Instant newLastSkuUpdate, @Nullable Integer newKeyRsaSize) {
        return new ClusterProperties(newCapacity, newBilling, newLastSkuUpdate, newKeyRsaSize, doubleEncryption, availabilityZones);
    }
}
