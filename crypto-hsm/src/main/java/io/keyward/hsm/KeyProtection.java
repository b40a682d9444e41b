package io.keyward.hsm;

/**
 * The protection attributes of a key version's secret object, read from the token (not from what Keyward asked
 * for at creation): the evidence that the key cannot leave the module.
 */
public record KeyProtection(boolean token, boolean sensitive, boolean extractable, boolean alwaysSensitive,
                            boolean neverExtractable) {
    /** True when the token promises the key has never been and can never be read out. */
    public boolean isLockedInToken() {
        return token && sensitive && !extractable && alwaysSensitive && neverExtractable;
    }
}
