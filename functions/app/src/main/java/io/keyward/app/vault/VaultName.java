package io.keyward.app.vault;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import java.util.regex.Pattern;

/** A vault name as Azure constrains it: it becomes a DNS label, {@code {name}.vault.azure.net}. */
record VaultName(String value) {

    static final Pattern PATTERN = Pattern.compile("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$");

    static VaultName parse(String value) {
        if (!valid(value)) {
            throw new ArmException(ArmErrorCode.VaultNameNotValid, "The vault name '" + value + "' is invalid. A vault's name"
                    + " must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a letter or"
                    + " digit, and not contain consecutive hyphens.", "name");
        }
        return new VaultName(value);
    }

    static boolean valid(String value) {
        return value != null && PATTERN.matcher(value).matches() && !value.contains("--");
    }
}
