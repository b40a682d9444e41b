package io.keyward.app.arm;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A resource group name as ARM allows it (1-90 of letters, digits, {@code -_.()}, not ending in a period).
 * Resource groups are implicit in Keyward: any valid name exists. Compared case-insensitively by {@link #key()}.
 */
public record ResourceGroupName(String value) {

    private static final Pattern PATTERN = Pattern.compile("^[-\\w._()]{1,90}$", Pattern.UNICODE_CHARACTER_CLASS);

    public static ResourceGroupName parse(String value) {
        if (value == null || !PATTERN.matcher(value).matches() || value.endsWith(".")) {
            throw new ArmException(ArmErrorCode.InvalidResourceGroupName, "Resource group name '" + value + "' is invalid."
                    + " It must be 1-90 letters, digits, '-', '_', '.', '(' or ')' and must not end with a period.",
                    "resourceGroupName");
        }
        return new ResourceGroupName(value);
    }

    public String key() {
        return value.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return value;
    }
}
