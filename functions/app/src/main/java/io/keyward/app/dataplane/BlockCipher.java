package io.keyward.app.dataplane;

import io.keyward.hsm.envelope.BlockClaims;
import io.keyward.hsm.envelope.BlockRef;
import io.keyward.hsm.envelope.Envelope;
import io.keyward.hsm.envelope.IntegrityException;

/**
 * How the data plane seals and opens a block under a key's Envelope. There is one implementation in the product
 * ({@link EnvelopeBlockCipher}); the interface exists so that the benchmarks (bench/, not shipped) can measure the
 * same function path with encryption replaced, in the same run. Nothing in the app can turn encryption off.
 */
public interface BlockCipher {

    /** Seals a block bound to everything its row will claim (BlockFormat V2). */
    byte[] seal(Envelope envelope, BlockClaims claims, byte[] plaintext);

    /**
     * Throws when the block is not intact under the envelope's key or was not sealed for {@code claims}; a V1 block
     * (written before V2) opens under its old rules with {@code legacy} and must carry the AEK version claimed.
     */
    byte[] open(Envelope envelope, BlockClaims claims, BlockRef legacy, byte[] sealed) throws IntegrityException;
}
