package io.keyward.app.arm;

import java.util.Locale;
import java.util.regex.Pattern;

/** An ARM subscription id: a GUID, case-insensitive, kept in lower case. */
public record SubscriptionId(String value) {

    private static final Pattern GUID = Pattern.compile("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$");

    public static SubscriptionId parse(String value) {
        if (value == null || !GUID.matcher(value).matches()) {
            throw new ArmException(ArmErrorCode.InvalidSubscriptionId,
                    "The provided subscription identifier '" + value + "' is malformed or invalid.", "subscriptionId");
        }
        return new SubscriptionId(value.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return value;
    }
}
