package io.keyward.app.workspaces;

import io.keyward.app.arm.ArmErrorCode;
import io.keyward.app.arm.ArmException;
import java.util.regex.Pattern;

/**
 * A workspace name as the REST spec constrains it (common/v1 WorkspaceNameParameter): 4-63 letters, digits and
 * hyphens, starting and ending with a letter or digit. Unique per resource group, compared case-insensitively.
 */
record WorkspaceName(String value) {

    static final Pattern PATTERN = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$");

    static WorkspaceName parse(String value) {
        if (value == null || !PATTERN.matcher(value).matches()) {
            throw new ArmException(ArmErrorCode.InvalidParameter, "The workspace name '" + value + "' is invalid. A workspace"
                    + " name must be 4-63 letters, digits or '-', and the '-' must not be the first or the last character.",
                    "workspaceName");
        }
        return new WorkspaceName(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
