package io.keyward.hsm.envelope.internal;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * AES-GCM on SunJCE with a caller-chosen nonce. Internal on purpose: a repeated nonce under one key breaks GCM,
 * and only {@code Envelope} (fresh DEK per block, random nonce) may choose one.
 *
 * <p>Input is fed in 64 KiB {@code update} calls: measured on this machine, SunJCE reaches GB/s that way,
 * while one multi-MiB {@code doFinal} stays near 70 MB/s until the JIT compiles the bulk path.
 */
public final class Gcm {
    public static final int TAG_BITS = 128;
    private static final int CHUNK = 64 * 1024;
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SunJCE AES/GCM unavailable", e);
        }
    });

    private Gcm() {
    }

    /** Encrypts {@code in[inOff..inOff+len)} into {@code out} at {@code outOff}; returns bytes written (len + 16). */
    public static int seal(byte[] key, byte[] nonce, byte[] aad, byte[] in, int inOff, int len, byte[] out,
                           int outOff) throws GeneralSecurityException {
        Cipher c = CIPHERS.get();
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
        return run(c, aad, in, inOff, len, out, outOff);
    }

    /**
     * Decrypts and verifies; returns plaintext bytes written. Throws {@link AEADBadTagException} when the tag
     * does not verify, in which case {@code out} holds nothing usable.
     */
    public static int open(byte[] key, byte[] nonce, byte[] aad, byte[] in, int inOff, int len, byte[] out,
                           int outOff) throws GeneralSecurityException {
        return open(key, nonce, 0, nonce.length, aad, in, inOff, len, out, outOff);
    }

    /**
     * {@link #open(byte[], byte[], byte[], byte[], int, int, byte[], int)} with the nonce at {@code nonce[nonceOff..+nonceLen)}
     * (a sealed block's own bytes, not a copy). One {@code doFinal}, not 64 KiB updates: SunJCE's decryption keeps every
     * update's input in a buffer of its own until the tag is checked, so chunks only added a copy of the block.
     */
    public static int open(byte[] key, byte[] nonce, int nonceOff, int nonceLen, byte[] aad, byte[] in, int inOff, int len, byte[] out,
                           int outOff) throws GeneralSecurityException {
        Cipher c = CIPHERS.get();
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce, nonceOff, nonceLen));
        c.updateAAD(aad);
        return c.doFinal(in, inOff, len, out, outOff);
    }

    private static int run(Cipher c, byte[] aad, byte[] in, int inOff, int len, byte[] out, int outOff)
            throws GeneralSecurityException {
        c.updateAAD(aad);
        int written = 0;
        int pos = 0;
        while (len - pos > CHUNK) {
            written += c.update(in, inOff + pos, CHUNK, out, outOff + written);
            pos += CHUNK;
        }
        written += c.doFinal(in, inOff + pos, len - pos, out, outOff + written);
        return written;
    }
}
