package io.keyward.app.vault.keys;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A key's name within a vault, validated at the edge. Key Vault compares names case-insensitively but answers
 * with the spelling the key was created with, so a name carries both.
 */
public record KeyName(String value) {
    /** Key Vault's rule for object names: 1-127 letters, digits and dashes. */
    public static final Pattern PATTERN = Pattern.compile("[0-9a-zA-Z-]{1,127}");

    public KeyName {
        if (value == null || !PATTERN.matcher(value).matches()) {
            throw KeyVaultException.badParameter("The key name '" + (value == null ? "" : value)
                    + "' is invalid: use 1-127 letters, digits and dashes.");
        }
    }

    /** The form rows are found by. */
    public String key() {
        return value.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return value;
    }
}
