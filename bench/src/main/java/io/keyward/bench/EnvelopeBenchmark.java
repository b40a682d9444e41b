package io.keyward.bench;

import io.keyward.hsm.envelope.AekMaterial;
import io.keyward.hsm.envelope.BlockClaims;
import io.keyward.hsm.envelope.Envelope;
import io.keyward.hsm.envelope.IntegrityException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * Envelope seal/open of one block against the limit: bare SunJCE AES-256-GCM over the same bytes, with a fixed key,
 * a counter nonce and the same 64 KiB update chunks, into a new output array per block as {@code Cipher.doFinal}
 * returns one (the envelope returns a new array too). Everything the envelope adds (HKDF per block, random nonce,
 * AAD, header) is the difference. Throughput is blocks/s; MB/s = blocks/s x size.
 */
@State(Scope.Thread)
public class EnvelopeBenchmark {
    private static final int CHUNK = 64 * 1024;

    @Param({"65536", "1048576"})
    public int size;

    private Envelope envelope;
    private BlockClaims ref;
    private byte[] plain;
    private byte[] sealed;

    private Cipher cipher;
    private SecretKeySpec rawKey;
    private byte[] rawAad;
    private byte[] rawCiphertext;
    private byte[] rawCiphertextNonce;
    private long counter;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        SecureRandom random = new SecureRandom();
        byte[] aek = new byte[32];
        random.nextBytes(aek);
        envelope = Envelope.of(1, AekMaterial.adopt(aek));
        ref = new BlockClaims("6a0f3c52-0000-4000-8000-000000000001", "Bench_CL", "6a0f3c52-0000-4000-8000-0000000000b1", "cluster",
                "6a0f3c52-0000-4000-8000-0000000000c1", 1);
        plain = new byte[size];
        random.nextBytes(plain);
        sealed = envelope.seal(ref, plain);

        cipher = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
        byte[] key = new byte[32];
        random.nextBytes(key);
        rawKey = new SecretKeySpec(key, "AES");
        rawAad = new byte[64];
        rawCiphertextNonce = nonce();
        cipher.init(Cipher.ENCRYPT_MODE, rawKey, new GCMParameterSpec(128, rawCiphertextNonce));
        rawCiphertext = new byte[size + 16];
        gcm(plain, size, rawCiphertext);
    }

    @Benchmark
    public byte[] envelopeSeal() {
        return envelope.seal(ref, plain);
    }

    @Benchmark
    public byte[] envelopeOpen() throws IntegrityException {
        return envelope.open(ref, sealed);
    }

    @Benchmark
    public byte[] sunJceEncryptLimit() throws GeneralSecurityException {
        cipher.init(Cipher.ENCRYPT_MODE, rawKey, new GCMParameterSpec(128, nonce()));
        byte[] out = new byte[size + 16];
        gcm(plain, size, out);
        return out;
    }

    @Benchmark
    public byte[] sunJceDecryptLimit() throws GeneralSecurityException {
        cipher.init(Cipher.DECRYPT_MODE, rawKey, new GCMParameterSpec(128, rawCiphertextNonce));
        byte[] out = new byte[size];
        gcm(rawCiphertext, rawCiphertext.length, out);
        return out;
    }

    private void gcm(byte[] in, int len, byte[] out) throws GeneralSecurityException {
        cipher.updateAAD(rawAad);
        int written = 0;
        int pos = 0;
        while (len - pos > CHUNK) {
            written += cipher.update(in, pos, CHUNK, out, written);
            pos += CHUNK;
        }
        cipher.doFinal(in, pos, len - pos, out, written);
    }

    private byte[] nonce() {
        return ByteBuffer.allocate(12).putInt(0).putLong(++counter).array();
    }
}
