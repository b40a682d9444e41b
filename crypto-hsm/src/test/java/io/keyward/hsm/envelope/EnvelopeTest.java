package io.keyward.hsm.envelope;

import io.keyward.hsm.Hsm;
import io.keyward.hsm.KeyType;
import io.keyward.hsm.KeyUsage;
import io.keyward.hsm.KeyVersion;
import io.keyward.hsm.TestTokens;
import io.keyward.hsm.WrapAlgorithm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvelopeTest {
    private static final BlockRef REF = new BlockRef("/subscriptions/s1/workspaces/w1", "block-000042");
    private final Hsm hsm = TestTokens.shared();

    private Envelope envelope(int version) {
        return Envelope.of(version, AekMaterial.generate(hsm));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 16, 17, 65535, 65536, 65537, 1 << 20, (1 << 20) + 3})
    void sealedBlocksOpenToTheirPlaintextAndCarryTheDocumentedLayout(int size) throws Exception {
        byte[] plain = new byte[size];
        new Random(size).nextBytes(plain);
        try (Envelope e = envelope(7)) {
            byte[] sealed = e.seal(REF, plain);
            assertThat(sealed).hasSize(size + BlockFormat.V1_AES256_GCM.overhead());
            assertThat(sealed[0]).isEqualTo((byte) 1);
            assertThat(Arrays.copyOfRange(sealed, 1, 5)).containsExactly(0, 0, 0, 7);
            assertThat(e.open(REF, sealed)).isEqualTo(plain);
            if (size >= 32) {
                // Ciphertext does not contain the plaintext.
                assertThat(new String(sealed, StandardCharsets.ISO_8859_1))
                        .doesNotContain(new String(plain, 0, 32, StandardCharsets.ISO_8859_1));
            }
        }
    }

    @Test
    void sealingTwiceGivesDifferentNonceAndCiphertext() {
        try (Envelope e = envelope(1)) {
            byte[] plain = "same record".getBytes(StandardCharsets.UTF_8);
            byte[] a = e.seal(REF, plain);
            byte[] b = e.seal(REF, plain);
            assertThat(Arrays.copyOfRange(a, 5, 17)).isNotEqualTo(Arrays.copyOfRange(b, 5, 17));
            assertThat(a).isNotEqualTo(b);
        }
    }

    @Test
    void flippingAnyByteOfABlockFailsWithTheSameIntegrityError() throws Exception {
        try (Envelope e = envelope(3)) {
            byte[] sealed = e.seal(REF, new byte[200]);
            for (int i = 0; i < sealed.length; i++) {
                byte[] tampered = sealed.clone();
                tampered[i] ^= 0x01;
                int at = i;
                assertThatThrownBy(() -> e.open(REF, tampered)).as("byte %d", at)
                        .isInstanceOf(IntegrityException.class)
                        .hasMessage("block failed its integrity check");
            }
            assertThatThrownBy(() -> e.open(REF, Arrays.copyOf(sealed, sealed.length - 1)))
                    .isInstanceOf(IntegrityException.class);
            assertThatThrownBy(() -> e.open(REF, new byte[3])).isInstanceOf(IntegrityException.class);
        }
    }

    @Test
    void aBlockSwappedToAnotherPositionOrResourceDoesNotOpen() throws Exception {
        try (Envelope e = envelope(1)) {
            byte[] first = e.seal(new BlockRef("ws-a", "1"), "first".getBytes(StandardCharsets.UTF_8));
            byte[] second = e.seal(new BlockRef("ws-a", "2"), "second".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> e.open(new BlockRef("ws-a", "1"), second))
                    .isInstanceOf(IntegrityException.class);
            assertThatThrownBy(() -> e.open(new BlockRef("ws-b", "1"), first))
                    .isInstanceOf(IntegrityException.class);
            // Length-prefixed binding: ("ab","c") and ("a","bc") are different places.
            byte[] ab = e.seal(new BlockRef("ab", "c"), new byte[8]);
            assertThatThrownBy(() -> e.open(new BlockRef("a", "bc"), ab)).isInstanceOf(IntegrityException.class);
            assertThat(e.open(new BlockRef("ws-a", "1"), first)).asString(StandardCharsets.UTF_8).isEqualTo("first");
        }
    }

    @Test
    void theWrongAekOrAnUnknownAekVersionDoesNotOpen() {
        try (Envelope right = envelope(1); Envelope wrong = envelope(1); Envelope other = envelope(2)) {
            byte[] sealed = right.seal(REF, new byte[64]);
            assertThatThrownBy(() -> wrong.open(REF, sealed)).isInstanceOf(IntegrityException.class);
            assertThatThrownBy(() -> other.open(REF, sealed)).isInstanceOf(IntegrityException.class);
            // Relabelling the block with the other envelope's version does not help either.
            byte[] relabelled = sealed.clone();
            relabelled[4] = 2;
            assertThatThrownBy(() -> other.open(REF, relabelled)).isInstanceOf(IntegrityException.class);
        }
    }

    @Test
    void anEnvelopeWithSeveralVersionsSealsWithThePrimaryAndOpensEach() throws Exception {
        AekMaterial v1 = AekMaterial.generate(hsm);
        AekMaterial v2 = AekMaterial.generate(hsm);
        byte[] v1Copy = v1.bytes(KeyAccess.plaintext()).clone();
        byte[] old;
        try (Envelope before = Envelope.of(1, AekMaterial.adopt(v1Copy))) {
            old = before.seal(REF, "old".getBytes(StandardCharsets.UTF_8));
        }
        try (Envelope both = Envelope.builder().add(1, v1).add(2, v2).primary(2).build()) {
            byte[] fresh = both.seal(REF, "new".getBytes(StandardCharsets.UTF_8));
            assertThat(fresh[4]).isEqualTo((byte) 2);
            assertThat(both.open(REF, old)).asString(StandardCharsets.UTF_8).isEqualTo("old");
            assertThat(both.open(REF, fresh)).asString(StandardCharsets.UTF_8).isEqualTo("new");
        }
    }

    @Test
    void anAekWrappedByAKekInTheTokenComesBackAndOpensItsBlocks() throws Exception {
        KeyVersion kek = hsm.keys().create(TestTokens.name("envelope/kek"), KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
        AekMaterial aek = AekMaterial.generate(hsm);
        byte[] wrapped = hsm.wrap(kek.ref(), WrapAlgorithm.RSA_OAEP, aek.bytes(KeyAccess.plaintext()));
        byte[] sealed;
        try (Envelope e = Envelope.of(1, aek)) {
            sealed = e.seal(REF, "customer data".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(aek.isDestroyed()).isTrue();
        try (Envelope again = Envelope.of(1, AekMaterial.adopt(hsm.unwrap(kek.ref(), WrapAlgorithm.RSA_OAEP,
                wrapped)))) {
            assertThat(again.open(REF, sealed)).asString(StandardCharsets.UTF_8).isEqualTo("customer data");
        }
    }

    @Test
    void destroyingAnAekZeroesItsBytesAndForbidsUse() {
        AekMaterial aek = AekMaterial.generate(hsm);
        byte[] inside = aek.bytes(KeyAccess.plaintext());
        assertThat(inside).isNotEqualTo(new byte[32]);
        aek.destroy();
        assertThat(inside).isEqualTo(new byte[32]);
        assertThatThrownBy(() -> aek.bytes(KeyAccess.plaintext())).isInstanceOf(IllegalStateException.class);
        assertThat(aek.toString()).doesNotContain("0x").isEqualTo("AekMaterial[destroyed]");
        byte[] wrongLength = new byte[] {1, 2, 3};
        assertThatThrownBy(() -> AekMaterial.adopt(wrongLength)).isInstanceOf(IllegalArgumentException.class);
        assertThat(wrongLength).containsOnly(0);
    }

    private static BlockClaims claims(String owner, String table, String block, String kind, String resource, int version) {
        return new BlockClaims(owner, table, block, kind, resource, version);
    }

    @Test
    void aV2BlockOpensOnlyForTheClaimsItWasSealedFor() throws Exception {
        try (Envelope e = envelope(1)) {
            BlockClaims a = claims("ws-a", "T_CL", "b1", "cluster", "cl-1", 1);
            byte[] sealed = e.seal(a, "record".getBytes(StandardCharsets.UTF_8));
            assertThat(sealed[0]).isEqualTo((byte) 2);
            assertThat(sealed).hasSize(6 + BlockFormat.V2_AES256_GCM.overhead());
            assertThat(e.open(a, sealed)).asString(StandardCharsets.UTF_8).isEqualTo("record");
            for (BlockClaims moved : List.of(claims("ws-b", "T_CL", "b1", "cluster", "cl-1", 1),
                    claims("ws-a", "U_CL", "b1", "cluster", "cl-1", 1), claims("ws-a", "T_CL", "b2", "cluster", "cl-1", 1),
                    claims("ws-a", "T_CL", "b1", "platform", "cl-1", 1), claims("ws-a", "T_CL", "b1", "cluster", "cl-2", 1),
                    claims("ws-a", "T_CL", "b1", "cluster", "cl-1", 2),
                    // length-prefixed: moving characters from one claim to the next is another claim
                    claims("ws-aT", "_CL", "b1", "cluster", "cl-1", 1))) {
                assertThatThrownBy(() -> e.open(moved, sealed)).as("%s", moved).isInstanceOf(IntegrityException.class)
                        .hasMessage("block failed its integrity check");
            }
            // relabelled AEK version in the header, with matching claims: the header is authenticated
            try (Envelope both = Envelope.builder().add(1, AekMaterial.adopt(new byte[32])).add(2, AekMaterial.generate(hsm)).primary(2)
                    .build()) {
                byte[] relabelled = sealed.clone();
                relabelled[4] = 2;
                assertThatThrownBy(() -> both.open(claims("ws-a", "T_CL", "b1", "cluster", "cl-1", 2), relabelled))
                        .isInstanceOf(IntegrityException.class);
            }
            for (int i = 0; i < sealed.length; i++) {
                byte[] flipped = sealed.clone();
                flipped[i] ^= 0x01;
                assertThatThrownBy(() -> e.open(a, flipped)).isInstanceOf(IntegrityException.class);
            }
        }
    }

    @Test
    void twoV2BlocksSwappedBetweenRowsDoNotOpen() throws Exception {
        try (Envelope e = envelope(1)) {
            BlockClaims one = claims("ws-a", "T_CL", "b1", "cluster", "cl-1", 1);
            BlockClaims two = claims("ws-a", "T_CL", "b2", "cluster", "cl-1", 1);
            byte[] first = e.seal(one, "first".getBytes(StandardCharsets.UTF_8));
            byte[] second = e.seal(two, "second".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> e.open(one, second)).isInstanceOf(IntegrityException.class);
            assertThatThrownBy(() -> e.open(two, first)).isInstanceOf(IntegrityException.class);
        }
    }

    @Test
    void sealingClaimsOfAnotherAekVersionThanThePrimaryIsRefused() {
        try (Envelope e = envelope(3)) {
            assertThatThrownBy(() -> e.seal(claims("w", "t", "b", "cluster", "c", 2), new byte[1]))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
