package io.keyward.hsm.envelope;

import io.keyward.hsm.Hsm;

import javax.security.auth.Destroyable;
import java.util.Arrays;
import java.util.Objects;

/**
 * A plaintext 256-bit account encryption key (AEK). It lives only in memory: stored, it is always wrapped by a
 * KEK. {@link #destroy()} zeroes the bytes; Java cannot zero copies the JCE makes internally (see
 * {@link Envelope}), which is why AEKs are cached for a bounded time and never logged: no {@code toString} shows
 * them.
 */
public final class AekMaterial implements Destroyable, AutoCloseable {
    public static final int LENGTH = 32;

    private final byte[] bytes;
    private volatile boolean destroyed;

    private AekMaterial(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A fresh AEK from the token's random number generator. */
    public static AekMaterial generate(Hsm hsm) {
        return new AekMaterial(hsm.random(LENGTH));
    }

    /**
     * Takes ownership of unwrapped key bytes (the array is kept, not copied, so the caller has no second copy
     * to forget about).
     */
    public static AekMaterial adopt(byte[] unwrapped) {
        Objects.requireNonNull(unwrapped, "unwrapped");
        if (unwrapped.length != LENGTH) {
            Arrays.fill(unwrapped, (byte) 0);
            throw new IllegalArgumentException("an AEK is " + LENGTH + " bytes, got " + unwrapped.length);
        }
        return new AekMaterial(unwrapped);
    }

    /** The key bytes themselves (not a copy). Do not keep the array. */
    public byte[] bytes(KeyAccess access) {
        Objects.requireNonNull(access, "access");
        if (destroyed) {
            throw new IllegalStateException("AEK material was destroyed");
        }
        return bytes;
    }

    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(bytes, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public void close() {
        destroy();
    }

    @Override
    public String toString() {
        return "AekMaterial[" + (destroyed ? "destroyed" : "256 bits") + "]";
    }
}
