package io.keyward.hsm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that differs between SoftHSM2 and a production HSM (Thales Luna, nShield, Utimaco, AWS CloudHSM,
 * YubiHSM): where the PKCS#11 library is, which token (by label, since slot ids are not stable), the user PIN,
 * and the vendor's mechanism codes. Moving to a real HSM is a change of these values only.
 *
 * @param library          path of the vendor's PKCS#11 library
 * @param tokenLabel       CKA_LABEL of the token; the slot is found by it on every (re)initialisation
 * @param userPin          the CKU_USER PIN; never logged, redacted from {@link #toString()}
 * @param maxSessions      bound of the session pool; callers beyond it wait up to {@code borrowTimeout}
 * @param borrowTimeout    how long a caller waits for a session before {@link HsmFailure#BUSY}
 * @param aesKwMechanism   RFC 3394 key wrap mechanism code: CKM_AES_KEY_WRAP is 0x2109 everywhere
 * @param aesKwpMechanism  RFC 5649 key wrap with padding: SoftHSM2 2.6 implements it as 0x210A
 *                         (CKM_AES_KEY_WRAP_PAD); PKCS#11 3.0 HSMs as 0x210B (CKM_AES_KEY_WRAP_KWP)
 * @param aesKwpWrapsExactLength whether the token's KWP C_WrapKey follows RFC 5649 for lengths that are not a
 *                         multiple of 8. SoftHSM2 2.6.1 does not (it pads the value first, so the result differs from
 *                         RFC 5649 though its C_UnwrapKey is conformant); with {@code false} such wraps are refused
 *                         rather than produced non-conformantly. Measured by KnownAnswerTest.
 * @param recoveryBackoff  after a failed module re-initialisation, calls fail fast for this long instead of
 *                         re-initialising again, so a dead HSM is not hammered by every request
 * @param soPinFile        optional: a file holding {@code KEYWARD_HSM_SO_PIN=...} (init-token.sh's secrets file). Read
 *                         only by {@link Hsm#open} and only when the token has no trusted backup key yet, to make one
 *                         ({@link KeyBackup}); the SO PIN is never kept. Null: the security officer provisions it.
 */
public record HsmConfig(Path library, String tokenLabel, char[] userPin, int maxSessions, Duration borrowTimeout,
                        long aesKwMechanism, long aesKwpMechanism, boolean aesKwpWrapsExactLength,
                        Duration recoveryBackoff, Path soPinFile) {

    public static final long CKM_AES_KEY_WRAP = 0x2109L;
    public static final long CKM_AES_KEY_WRAP_PAD_SOFTHSM = 0x210AL;
    public static final long CKM_AES_KEY_WRAP_KWP = 0x210BL;

    public HsmConfig {
        Objects.requireNonNull(library, "library");
        if (tokenLabel == null || tokenLabel.isBlank()) {
            throw new IllegalArgumentException("HSM token label is required");
        }
        if (userPin == null || userPin.length == 0) {
            throw new IllegalArgumentException("HSM user PIN is required (set KEYWARD_HSM_PIN)");
        }
        if (maxSessions < 1) {
            throw new IllegalArgumentException("maxSessions must be at least 1");
        }
        Objects.requireNonNull(borrowTimeout, "borrowTimeout");
        Objects.requireNonNull(recoveryBackoff, "recoveryBackoff");
        userPin = userPin.clone();
    }

    @Override
    public char[] userPin() {
        return userPin.clone();
    }

    @Override
    public String toString() {
        return "HsmConfig[library=" + library + ", tokenLabel=" + tokenLabel + ", userPin=<redacted>, maxSessions="
                + maxSessions + ", borrowTimeout=" + borrowTimeout + ", aesKwMechanism=0x"
                + Long.toHexString(aesKwMechanism) + ", aesKwpMechanism=0x" + Long.toHexString(aesKwpMechanism)
                + ", aesKwpWrapsExactLength=" + aesKwpWrapsExactLength + ", recoveryBackoff=" + recoveryBackoff
                + ", soPinFile=" + soPinFile + "]";
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the variables that {@code softhsm-config/init-token.sh} prints (KEYWARD_HSM_LIBRARY,
     * KEYWARD_HSM_TOKEN_LABEL, KEYWARD_HSM_PIN) plus the optional KEYWARD_HSM_MAX_SESSIONS,
     * KEYWARD_HSM_AES_KWP_MECHANISM (hex with 0x, or decimal), KEYWARD_HSM_AES_KWP_WRAPS_EXACT_LENGTH,
     * KEYWARD_HSM_SO_PIN_FILE.
     */
    public static HsmConfig fromEnvironment(Map<String, String> env) {
        return builderFromEnvironment(env).build();
    }

    /** As {@link #fromEnvironment}, for callers that override some settings. */
    public static Builder builderFromEnvironment(Map<String, String> env) {
        String library = env.get("KEYWARD_HSM_LIBRARY");
        String pin = env.get("KEYWARD_HSM_PIN");
        if (library == null || pin == null) {
            throw new IllegalStateException("KEYWARD_HSM_LIBRARY and KEYWARD_HSM_PIN must be set "
                    + "(run softhsm-config/init-token.sh, or ./keyward run)");
        }
        Builder b = builder().library(Path.of(library)).userPin(pin.toCharArray())
                .tokenLabel(env.getOrDefault("KEYWARD_HSM_TOKEN_LABEL", "keyward"));
        if (env.containsKey("KEYWARD_HSM_MAX_SESSIONS")) {
            b.maxSessions(Integer.parseInt(env.get("KEYWARD_HSM_MAX_SESSIONS")));
        }
        if (env.containsKey("KEYWARD_HSM_AES_KWP_MECHANISM")) {
            b.aesKwpMechanism(Long.decode(env.get("KEYWARD_HSM_AES_KWP_MECHANISM")));
        }
        if (env.containsKey("KEYWARD_HSM_SO_PIN_FILE")) {
            b.soPinFile(Path.of(env.get("KEYWARD_HSM_SO_PIN_FILE")));
        }
        if (env.containsKey("KEYWARD_HSM_AES_KWP_WRAPS_EXACT_LENGTH")) {
            b.aesKwpWrapsExactLength(Boolean.parseBoolean(env.get("KEYWARD_HSM_AES_KWP_WRAPS_EXACT_LENGTH")));
        }
        return b;
    }

    public static final class Builder {
        private Path library;
        private String tokenLabel = "keyward";
        private char[] userPin;
        private int maxSessions = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        private Duration borrowTimeout = Duration.ofSeconds(5);
        private long aesKwMechanism = CKM_AES_KEY_WRAP;
        private long aesKwpMechanism = CKM_AES_KEY_WRAP_PAD_SOFTHSM;
        private boolean aesKwpWrapsExactLength = true;
        private Duration recoveryBackoff = Duration.ofSeconds(1);
        private Path soPinFile;

        private Builder() {
        }

        public Builder library(Path library) { this.library = library; return this; }
        public Builder tokenLabel(String tokenLabel) { this.tokenLabel = tokenLabel; return this; }
        public Builder userPin(char[] userPin) { this.userPin = userPin; return this; }
        public Builder maxSessions(int maxSessions) { this.maxSessions = maxSessions; return this; }
        public Builder borrowTimeout(Duration borrowTimeout) { this.borrowTimeout = borrowTimeout; return this; }
        public Builder aesKwMechanism(long code) { this.aesKwMechanism = code; return this; }
        public Builder aesKwpMechanism(long code) { this.aesKwpMechanism = code; return this; }
        public Builder aesKwpWrapsExactLength(boolean exact) { this.aesKwpWrapsExactLength = exact; return this; }
        public Builder recoveryBackoff(Duration backoff) { this.recoveryBackoff = backoff; return this; }
        public Builder soPinFile(Path file) { this.soPinFile = file; return this; }

        public HsmConfig build() {
            return new HsmConfig(library, tokenLabel, userPin, maxSessions, borrowTimeout, aesKwMechanism,
                    aesKwpMechanism, aesKwpWrapsExactLength, recoveryBackoff, soPinFile);
        }
    }
}
