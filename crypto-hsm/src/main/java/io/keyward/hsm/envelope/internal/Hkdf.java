package io.keyward.hsm.envelope.internal;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * HKDF-SHA256 (RFC 5869) on SunJCE's HmacSHA256. Java 17 has no HKDF API (javax.crypto.KDF arrived in 25), and
 * HKDF is two HMAC steps, so this stays here rather than pulling in a provider.
 */
public final class Hkdf {
    public static final int HASH_LENGTH = 32;
    private static final String HMAC = "HmacSHA256";

    private Hkdf() {
    }

    /** HKDF-Extract: PRK = HMAC(salt, IKM); an absent salt is HashLen zero bytes. */
    public static byte[] extract(byte[] salt, byte[] ikm) {
        byte[] s = salt == null || salt.length == 0 ? new byte[HASH_LENGTH] : salt;
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(s, HMAC));
            return mac.doFinal(ikm);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** A Mac keyed with the PRK, to be {@link Mac#clone() cloned} per expansion. */
    public static Mac keyedMac(byte[] prk) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(prk, HMAC));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** HKDF-Expand with a PRK-keyed Mac (which is reset, not consumed). */
    public static byte[] expand(Mac prkMac, byte[] info, int length) {
        if (length < 1 || length > 255 * HASH_LENGTH) {
            throw new IllegalArgumentException("HKDF output length out of range: " + length);
        }
        byte[] okm = new byte[length];
        byte[] t = new byte[0];
        int done = 0;
        for (int i = 1; done < length; i++) {
            prkMac.update(t);
            prkMac.update(info);
            prkMac.update((byte) i);
            t = prkMac.doFinal();
            int n = Math.min(HASH_LENGTH, length - done);
            System.arraycopy(t, 0, okm, done, n);
            done += n;
        }
        Arrays.fill(t, (byte) 0);
        return okm;
    }

    /** Extract then expand, for callers that derive once. */
    public static byte[] derive(byte[] ikm, byte[] salt, byte[] info, int length) {
        byte[] prk = extract(salt, ikm);
        try {
            return expand(keyedMac(prk), info, length);
        } finally {
            Arrays.fill(prk, (byte) 0);
        }
    }
}
