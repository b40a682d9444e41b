package io.keyward.hsm;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The token disappears mid-run and comes back: calls fail with a typed, transient error while it is gone and
 * succeed afterwards on the same {@link Hsm}, without a restart. Runs as root in CI, where making the directory
 * unreadable would not stop SoftHSM2, so the token's directory is moved out of the token store and back.
 */
class FaultRecoveryTest {
    private static final String LABEL = "keyward-fault";

    @Test
    void aVanishedTokenFailsTypedAndIsUsedAgainWhenItReturns() throws Exception {
        try (Hsm hsm = Hsm.open(TestTokens.config(LABEL).recoveryBackoff(Duration.ofMillis(200)).build())) {
            KeyVersion kek = hsm.keys().create(TestTokens.name("fault/kek"), KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
            byte[] aek = hsm.random(32);
            byte[] wrapped = hsm.wrap(kek.ref(), WrapAlgorithm.RSA_OAEP, aek);
            assertThat(hsm.unwrap(kek.ref(), WrapAlgorithm.RSA_OAEP, wrapped)).isEqualTo(aek);

            Path tokenDir = TestTokens.tokenDirectory(LABEL);
            Path parked = TestTokens.dir().resolve("parked-" + tokenDir.getFileName());
            Files.move(tokenDir, parked);
            try {
                for (int i = 0; i < 3; i++) {
                    assertThatThrownBy(() -> hsm.unwrap(kek.ref(), WrapAlgorithm.RSA_OAEP, wrapped))
                            .isInstanceOfSatisfying(HsmException.class, e -> {
                                assertThat(e.failure()).isEqualTo(HsmFailure.DEVICE_FAILED);
                                assertThat(e.isTransient()).isTrue();
                                assertThat(e.getMessage()).contains(LABEL);
                            });
                    assertThatThrownBy(hsm::probe).isInstanceOf(HsmException.class);
                    Thread.sleep(100);
                }
            } finally {
                Files.move(parked, tokenDir);
            }
            Thread.sleep(250); // past the recovery backoff

            assertThat(hsm.unwrap(kek.ref(), WrapAlgorithm.RSA_OAEP, wrapped)).isEqualTo(aek);
            assertThat(hsm.probe().label()).isEqualTo(LABEL);
            assertThat(hsm.borrowedSessions()).isZero();
        }
        // The shared test token, re-initialised along with the module, works as well.
        assertThat(TestTokens.shared().random(8)).hasSize(8);
    }

    @Test
    void aWrongPinIsAConfigurationErrorThatIsNotRetried() {
        HsmConfig bad = TestTokens.config(LABEL).userPin("not-the-pin".toCharArray()).build();
        assertThatThrownBy(() -> Hsm.open(bad)).isInstanceOfSatisfying(HsmException.class, e -> {
            assertThat(e.failure()).isEqualTo(HsmFailure.CONFIGURATION);
            assertThat(e.getMessage()).contains("refused the user PIN").doesNotContain("not-the-pin");
        });
    }

    @Test
    void anUnknownTokenLabelNamesTheTokensThatArePresent() {
        HsmConfig missing = TestTokens.config(LABEL).tokenLabel("no-such-token").build();
        assertThatThrownBy(() -> Hsm.open(missing)).isInstanceOfSatisfying(HsmException.class,
                e -> assertThat(e.getMessage()).contains("no token labelled 'no-such-token'").contains(LABEL));
    }
}
