package io.keyward.app.dataplane;

import io.keyward.hsm.envelope.BlockRef;
import io.keyward.hsm.envelope.Envelope;
import io.keyward.hsm.envelope.IntegrityException;

/**
 * How the data plane seals and opens a block under a key's Envelope. There is one implementation in the product
 * ({@link EnvelopeBlockCipher}); the interface exists so that the benchmarks (bench/, not shipped) can measure the
 * same function path with encryption replaced, in the same run. Nothing in the app can turn encryption off.
 */
public interface BlockCipher {

    byte[] seal(Envelope envelope, BlockRef ref, byte[] plaintext);

    /** Throws when the block is not intact under the envelope's key. */
    byte[] open(Envelope envelope, BlockRef ref, byte[] sealed) throws IntegrityException;
}
