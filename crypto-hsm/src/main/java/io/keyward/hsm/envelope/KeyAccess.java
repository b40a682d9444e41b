package io.keyward.hsm.envelope;

/**
 * A capability that must be passed to read plaintext key bytes, so that every such read is greppable and
 * deliberate ({@code KeyAccess.plaintext()}).
 */
public final class KeyAccess {
    private static final KeyAccess PLAINTEXT = new KeyAccess();

    private KeyAccess() {
    }

    /** Call sites that need raw key bytes (wrapping an AEK for storage) say so with this. */
    public static KeyAccess plaintext() {
        return PLAINTEXT;
    }
}
