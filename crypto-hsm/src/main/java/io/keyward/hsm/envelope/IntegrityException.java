package io.keyward.hsm.envelope;

/**
 * A block did not open. Deliberately says nothing about which check failed (tag, format, key version, binding):
 * telling them apart would help an attacker and never helps an operator, who can only restore the block.
 */
public final class IntegrityException extends Exception {
    public IntegrityException() {
        super("block failed its integrity check");
    }
}
