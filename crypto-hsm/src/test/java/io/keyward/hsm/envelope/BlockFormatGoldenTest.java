package io.keyward.hsm.envelope;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A V1 and a V2 block sealed once and checked in. Any change to the DEK derivation, the AAD or the layout makes this fail,
 * which is the point: stored blocks must open forever. When it was made, the block was also opened by an
 * independent implementation written from {@link BlockFormat}'s documentation alone (Python's hmac and the
 * {@code cryptography} package's AESGCM), so the documentation and the code agree. The V2 block was sealed by such an
 * implementation alone (fixed nonce, from {@link BlockFormat}'s V2 description) and checked in before the Java code
 * opened it.
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

    static final BlockClaims CLAIMS_V2 = new BlockClaims("2f6e5d4c-0000-4000-8000-000000000001", "Golden_CL",
            "00000000-0000-4000-8000-0000000000b2", "cluster", "3c1e0000-0000-4000-8000-0000000000c1", 5);
    static final String PLAINTEXT_V2 = "{\"TimeGenerated\":\"2026-12-03T00:00:00Z\",\"Message\":\"golden v2\"}";
    static final String SEALED_V2 = "02000000050f0e0d0c0b0a0908070605045850f03b1c377a0525813d4809f1474dcad8e1f0d436692448dd8d2a930a"
            + "2c82a40509fdb48a726755c2e23bceff3df6ab66eded11b0176233ce73b423e11ca2fa5b8b05b52cb878f984220b5d41";

    @Test
    void aCheckedInV2BlockOpensForItsClaimsAndForNoOther() throws Exception {
        try (Envelope e = Envelope.of(5, AekMaterial.adopt(HEX.parseHex(AEK)))) {
            byte[] block = HEX.parseHex(SEALED_V2);
            assertThat(block[0]).isEqualTo((byte) 2);
            assertThat(new String(e.open(CLAIMS_V2, block), StandardCharsets.UTF_8)).isEqualTo(PLAINTEXT_V2);
            assertThat(new String(e.open(CLAIMS_V2, REF, block), StandardCharsets.UTF_8)).isEqualTo(PLAINTEXT_V2);
            BlockClaims c = CLAIMS_V2;
            for (BlockClaims other : new BlockClaims[] {
                    new BlockClaims("2f6e5d4c-0000-4000-8000-000000000002", c.table(), c.blockId(), c.keyKind(), c.keyResource(), 5),
                    new BlockClaims(c.owner(), "Other_CL", c.blockId(), c.keyKind(), c.keyResource(), 5),
                    new BlockClaims(c.owner(), c.table(), "00000000-0000-4000-8000-0000000000b3", c.keyKind(), c.keyResource(), 5),
                    new BlockClaims(c.owner(), c.table(), c.blockId(), "platform", c.keyResource(), 5),
                    new BlockClaims(c.owner(), c.table(), c.blockId(), c.keyKind(), c.owner(), 5)}) {
                assertThatThrownBy(() -> e.open(other, block)).as("%s", other).isInstanceOf(IntegrityException.class);
            }
        }
        // the AEK version a row names is bound: the same AEK under version 6 does not open it
        try (Envelope e = Envelope.of(6, AekMaterial.adopt(HEX.parseHex(AEK)))) {
            BlockClaims c = CLAIMS_V2;
            assertThatThrownBy(() -> e.open(new BlockClaims(c.owner(), c.table(), c.blockId(), c.keyKind(), c.keyResource(), 6),
                    HEX.parseHex(SEALED_V2))).isInstanceOf(IntegrityException.class);
        }
    }

    @Test
    void theV1GoldenBlockStillOpensThroughTheReaderOfBothFormatsOnlyUnderItsOwnVersion() throws Exception {
        try (Envelope e = Envelope.of(5, AekMaterial.adopt(HEX.parseHex(AEK)))) {
            BlockClaims five = new BlockClaims("ws", "T", "0000000000000001", "cluster", "c", 5);
            assertThat(new String(e.open(five, REF, HEX.parseHex(SEALED)), StandardCharsets.UTF_8)).isEqualTo(PLAINTEXT);
            BlockClaims six = new BlockClaims("ws", "T", "0000000000000001", "cluster", "c", 6);
            assertThatThrownBy(() -> e.open(six, REF, HEX.parseHex(SEALED))).isInstanceOf(IntegrityException.class);
            // and a V1 block is not a V2 block
            assertThatThrownBy(() -> e.open(five, HEX.parseHex(SEALED))).isInstanceOf(IntegrityException.class);
        }
    }
}
