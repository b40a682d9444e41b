package io.keyward.app.clusters;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import java.util.regex.Pattern;

/**
 * A cluster name. The CMK docs say "a-z, A-Z, 0-9 and length of 3-63"; the 2022-10-01 spec's pattern
 * {@code ^[A-Za-z0-9][A-Za-z0-9-]+[A-Za-z0-9]$} also allows inner hyphens, which ARM clients send, so both are
 * accepted: 3-63 characters, letters and digits, hyphens only inside.
 */
record ClusterName(String value) {

    static final Pattern PATTERN = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9-]{1,61}[A-Za-z0-9]$");

    static ClusterName parse(String value) {
        if (!valid(value)) {
            throw new ArmException(ArmErrorCode.BadRequest,
                    "Cluster name is not valid. Cluster name can contain characters a-z, A-Z, 0-9 and length of 3-63.", "clusterName");
        }
        return new ClusterName(value);
    }

    static boolean valid(String value) {
        return value != null && PATTERN.matcher(value).matches();
    }
}
