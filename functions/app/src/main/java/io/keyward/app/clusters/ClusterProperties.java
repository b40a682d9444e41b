package io.keyward.app.clusters;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;

/**
 * What a Log Analytics cluster keeps beyond the engine's columns: its daily capacity and when it last changed (a decrease
 * waits 30 days after it), its billing type, and the smallest RSA size the customer asked for with the key.
 */
@Serdeable
record ClusterProperties(long capacity, BillingType billingType, Instant lastSkuUpdate, @Nullable Integer keyRsaSize) {
}
