package io.keyward.app.hsm;

/** A {@code keyward.hsm.*} setting the HSM cannot be opened without; its message names only the setting. */
final class HsmSettingMissing extends IllegalStateException {

    HsmSettingMissing(String property, String variable) {
        super(property + " is not set (" + variable + ")");
    }
}
