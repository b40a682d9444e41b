package io.keyward.hsm;

/**
 * A failed HSM operation, typed by {@link HsmFailure}. Messages name the operation, the key reference and the
 * token, never key material or PINs.
 */
public class HsmException extends RuntimeException {
    private final HsmFailure failure;

    public HsmException(HsmFailure failure, String message) {
        super(message);
        this.failure = failure;
    }

    public HsmException(HsmFailure failure, String message, Throwable cause) {
        super(message, cause);
        this.failure = failure;
    }

    public HsmFailure failure() {
        return failure;
    }

    /** True when the same call may succeed later without any change by the caller. */
    public boolean isTransient() {
        return failure == HsmFailure.BUSY || failure == HsmFailure.DEVICE_FAILED || failure == HsmFailure.SESSION_BROKEN;
    }
}
