package io.keyward.app.dataplane;

import io.keyward.hsm.envelope.BlockRef;
import io.keyward.hsm.envelope.Envelope;
import io.keyward.hsm.envelope.IntegrityException;
import jakarta.inject.Singleton;

/** crypto-hsm's Envelope (BlockFormat V1: a DEK per block derived from the AEK, AES-256-GCM). */
@Singleton
public class EnvelopeBlockCipher implements BlockCipher {

    @Override
    public byte[] seal(Envelope envelope, BlockRef ref, byte[] plaintext) {
        return envelope.seal(ref, plaintext);
    }

    @Override
    public byte[] open(Envelope envelope, BlockRef ref, byte[] sealed) throws IntegrityException {
        return envelope.open(ref, sealed);
    }
}
