package io.keyward.hsm.envelope;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A V1 block sealed once and checked in. Any change to the DEK derivation, the AAD or the layout makes this fail,
 * which is the point: stored blocks must open forever. When it was made, the block was also opened by an
 * independent implementation written from {@link BlockFormat}'s documentation alone (Python's hmac and the
 * {@code cryptography} package's AESGCM), so the documentation and the code agree.
 */
class BlockFormatGoldenTest {
    private static final HexFormat HEX = HexFormat.of();
    static final String AEK = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    static final BlockRef REF = new BlockRef("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg"
            + "/providers/Microsoft.OperationalInsights/workspaces/golden", "0000000000000001");
    static final String PLAINTEXT = "{\"TimeGenerated\":\"2026-11-23T00:00:00Z\",\"Message\":\"golden\"}";
    static final String SEALED = "010000000543219cb2413bdaa167432a9a01702ad6fab0161519f0855f80987ff68f3b4b8f772a01a4"
            + "ab3e610c3a10221425313b51f3c810b61a43abb0b44ee4e5c12c0387d327df66c26cdf79118f408260f9a07a3f9ee8c8b3da62";

    @Test
    void aCheckedInV1BlockStillOpens() throws Exception {
        try (Envelope e = Envelope.of(5, AekMaterial.adopt(HEX.parseHex(AEK)))) {
            assertThat(new String(e.open(REF, HEX.parseHex(SEALED)), StandardCharsets.UTF_8)).isEqualTo(PLAINTEXT);
        }
    }

    @Test
    void theGoldenBlockNamesFormatOneAndAekVersionFive() {
        byte[] block = HEX.parseHex(SEALED);
        assertThat(block[0]).isEqualTo((byte) 1);
        assertThat(HEX.formatHex(block, 1, 5)).isEqualTo("00000005");
        assertThat(block).hasSize(PLAINTEXT.length() + 33);
    }

    @Test
    void theGoldenBlockDoesNotOpenUnderAnotherVersionNumber() {
        try (Envelope e = Envelope.of(6, AekMaterial.adopt(HEX.parseHex(AEK)))) {
            assertThatThrownBy(() -> e.open(REF, HEX.parseHex(SEALED))).isInstanceOf(IntegrityException.class);
        }
    }
}
