package io.keyward.app.clusters;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import java.util.Arrays;

/** {@code properties.billingType}; Azure's own examples send it in lower case, so it is read without case. */
enum BillingType {
    Cluster, Workspaces;

    static BillingType parse(String value) {
        return Arrays.stream(values()).filter(b -> b.name().equalsIgnoreCase(value)).findFirst()
                .orElseThrow(() -> new ArmException(ArmErrorCode.BadRequest, "The billingType '" + value
                        + "' is invalid. Set billingType to 'Cluster' or 'Workspaces'.", "properties.billingType"));
    }
}
