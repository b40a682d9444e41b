package io.keyward.app.hsm;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code keyward.hsm.*}, normally from the environment ({@code KEYWARD_HSM_LIBRARY}, {@code KEYWARD_HSM_TOKEN_LABEL},
 * {@code KEYWARD_HSM_PIN}, ...). The PIN comes only from configuration; {@link #toString()} never shows it.
 *
 * <p>Mechanism codes are strings so that {@code 0x210A} can be written as the PKCS#11 headers write it:
 * SoftHSM2 2.6 has CKM_AES_KEY_WRAP_PAD at 0x210A, PKCS#11 3.0 HSMs CKM_AES_KEY_WRAP_KWP at 0x210B.
 *
 * @param library         path of the PKCS#11 module (.so)
 * @param tokenLabel      label of the token holding Keyward's keys
 * @param pin             user PIN of that token
 * @param maxSessions     bound of the session pool
 * @param borrowTimeout   how long a request waits for a session before failing as busy
 * @param aesKwMechanism  mechanism code of AES key wrap (RFC 3394)
 * @param aesKwpMechanism mechanism code of AES key wrap with padding (RFC 5649)
 * @param aesKwpWrapsExactLength false for tokens whose KWP wrap pads odd lengths first (SoftHSM2 2.6)
 * @param probeTimeout    deep health check budget; a probe slower than this reports the HSM as unavailable
 * @param soPinFile       optional file with the token's SO PIN ({@code KEYWARD_HSM_SO_PIN_FILE}, printed by
 *                        init-token.sh): read once at start to make the trusted backup key when the token has none
 */
@ConfigurationProperties("keyward.hsm")
public record HsmProperties(
        @Nullable Path library,
        @Nullable String tokenLabel,
        @Nullable String pin,
        @Bindable(defaultValue = "8") int maxSessions,
        @Bindable(defaultValue = "5s") Duration borrowTimeout,
        @Bindable(defaultValue = "0x2109") String aesKwMechanism,
        @Bindable(defaultValue = "0x210A") String aesKwpMechanism,
        @Bindable(defaultValue = "true") boolean aesKwpWrapsExactLength,
        @Bindable(defaultValue = "3s") Duration probeTimeout,
        @Nullable Path soPinFile) {

    @Override
    public String toString() {
        return "HsmProperties[library=" + library + ", tokenLabel=" + tokenLabel + ", pin=<redacted>, maxSessions="
                + maxSessions + ", borrowTimeout=" + borrowTimeout + ", aesKwMechanism=" + aesKwMechanism
                + ", aesKwpMechanism=" + aesKwpMechanism + ", aesKwpWrapsExactLength=" + aesKwpWrapsExactLength
                + ", probeTimeout=" + probeTimeout + ", soPinFile=" + soPinFile + "]";
    }
}
