package io.keyward.app.dataplane;

import io.keyward.hsm.envelope.BlockClaims;
import io.keyward.hsm.envelope.BlockRef;
import io.keyward.hsm.envelope.Envelope;
import io.keyward.hsm.envelope.IntegrityException;
import jakarta.inject.Singleton;

/** crypto-hsm's Envelope (BlockFormat V2, V1 still read: a DEK per block derived from the AEK, AES-256-GCM). */
@Singleton
public class EnvelopeBlockCipher implements BlockCipher {

    @Override
    public byte[] seal(Envelope envelope, BlockClaims claims, byte[] plaintext) {
        return envelope.seal(claims, plaintext);
    }

    @Override
    public byte[] open(Envelope envelope, BlockClaims claims, BlockRef legacy, byte[] sealed) throws IntegrityException {
        return envelope.open(claims, legacy, sealed);
    }
}
