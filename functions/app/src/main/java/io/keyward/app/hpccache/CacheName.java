package io.keyward.app.hpccache;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import java.util.regex.Pattern;

/** A cache name as the spec's {@code cacheName} path parameter allows it: {@code ^[-0-9a-zA-Z_]{1,80}$}. */
record CacheName(String value) {

    private static final Pattern PATTERN = Pattern.compile("^[-0-9a-zA-Z_]{1,80}$");

    static CacheName parse(String value) {
        if (value == null || !PATTERN.matcher(value).matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The cache name '" + value + "' is invalid: it must be 1 to 80"
                    + " letters, digits, '-' or '_'.", "cacheName");
        }
        return new CacheName(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
