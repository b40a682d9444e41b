package io.keyward.bench;

import io.keyward.app.dataplane.BlockCipher;
import io.keyward.app.dataplane.EnvelopeBlockCipher;
import io.keyward.hsm.envelope.BlockClaims;
import io.keyward.hsm.envelope.BlockRef;
import io.keyward.hsm.envelope.Envelope;
import io.keyward.hsm.envelope.IntegrityException;
import io.micronaut.context.annotation.Replaces;
import jakarta.inject.Singleton;

/**
 * The data plane's block cipher with a switch, for the benchmarks only (this module is never shipped): with
 * {@link #encrypt} off, blocks are stored as they are, so that a benchmark measures the same function path (HTTPS,
 * tokens, JSON, PostgreSQL, the AEK cache) with and without encryption in one run.
 */
@Singleton
@Replaces(EnvelopeBlockCipher.class)
public class SwitchableBlockCipher implements BlockCipher {

    static volatile boolean encrypt = true;

    private final EnvelopeBlockCipher envelope = new EnvelopeBlockCipher();

    @Override
    public byte[] seal(Envelope e, BlockClaims claims, byte[] plaintext) {
        return encrypt ? envelope.seal(e, claims, plaintext) : plaintext;
    }

    @Override
    public byte[] open(Envelope e, BlockClaims claims, BlockRef legacy, byte[] sealed) throws IntegrityException {
        return encrypt ? envelope.open(e, claims, legacy, sealed) : sealed;
    }
}
