package io.keyward.app.vault.keys;

import io.micronaut.serde.annotation.Serdeable;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The bytes of a Key Vault backup blob made by Keyward:
 * <pre>
 * "KWKB" | format 0x01 | backup key id (16) | length of the wrapped content key (2, big-endian) | wrapped content key
 *        | nonce (12) | AES-256-GCM(content key, nonce, AAD = every byte before the nonce) of the {@link Content} JSON
 * </pre>
 * The content key is wrapped by the HSM's seal key and each version's secret half (inside the content) by its trusted
 * backup key, both named by the backup key id: a blob opens only in a token that holds them, and an edit anywhere fails
 * the key wrap's or GCM's integrity check. What failed is not said.
 */
final class KeyBackupBlob {
    private static final byte[] MAGIC = {'K', 'W', 'K', 'B'};
    private static final byte FORMAT = 1;
    private static final int KEY_ID = 16;
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a blob carries: a key with all its versions, as Key Vault shows them, and each secret half wrapped. */
    @Serdeable
    record Content(String name, String latest, List<Version> versions) {
    }

    /** One version; times in Unix seconds, {@code wrapped} and the public parts base64url. */
    @Serdeable
    record Version(String version, String kty, int size, List<String> keyOps, boolean enabled, Long nbf, Long exp,
                   long created, long updated, Map<String, String> tags, String n, String e, String wrapped) {
    }

    /** A blob's parts before the content is opened. */
    record Sealed(String backupKeyId, byte[] wrappedContentKey, byte[] header, byte[] nonce, byte[] ciphertext) {
    }

    private KeyBackupBlob() {
    }

    static byte[] seal(String backupKeyId, byte[] wrappedContentKey, byte[] contentKey, byte[] content) {
        ByteBuffer header = ByteBuffer.allocate(MAGIC.length + 1 + KEY_ID + 2 + wrappedContentKey.length);
        header.put(MAGIC).put(FORMAT).put(HexFormat.of().parseHex(backupKeyId)).putShort((short) wrappedContentKey.length)
                .put(wrappedContentKey);
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        byte[] ciphertext = gcm(Cipher.ENCRYPT_MODE, contentKey, nonce, header.array(), content);
        return ByteBuffer.allocate(header.capacity() + NONCE + ciphertext.length).put(header.array()).put(nonce)
                .put(ciphertext).array();
    }

    /** The parts of a blob, or null when it is not one of Keyward's blobs at all. */
    static Sealed parse(byte[] blob) {
        int fixed = MAGIC.length + 1 + KEY_ID + 2;
        if (blob == null || blob.length < fixed + NONCE + TAG_BITS / 8
                || !Arrays.equals(Arrays.copyOf(blob, MAGIC.length), MAGIC) || blob[MAGIC.length] != FORMAT) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(blob);
        b.position(MAGIC.length + 1);
        byte[] id = new byte[KEY_ID];
        b.get(id);
        int wrappedLength = Short.toUnsignedInt(b.getShort());
        if (wrappedLength == 0 || blob.length < fixed + wrappedLength + NONCE + TAG_BITS / 8) {
            return null;
        }
        byte[] wrapped = new byte[wrappedLength];
        b.get(wrapped);
        byte[] header = Arrays.copyOf(blob, fixed + wrappedLength);
        byte[] nonce = new byte[NONCE];
        b.get(nonce);
        byte[] ciphertext = new byte[b.remaining()];
        b.get(ciphertext);
        return new Sealed(HexFormat.of().formatHex(id), wrapped, header, nonce, ciphertext);
    }

    /** The content JSON, or null when GCM refuses it (an edited blob). */
    static byte[] open(Sealed sealed, byte[] contentKey) {
        try {
            return gcm(Cipher.DECRYPT_MODE, contentKey, sealed.nonce(), sealed.header(), sealed.ciphertext());
        } catch (IllegalStateException e) {
            return null;
        }
    }

    private static byte[] gcm(int mode, byte[] key, byte[] nonce, byte[] aad, byte[] input) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad);
            return c.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("GCM refused the blob");
        }
    }
}
