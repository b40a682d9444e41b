package io.keyward.hsm.envelope;

/**
 * Stored block formats. A new combination of algorithms is a new constant with a new version byte; old
 * constants stay readable forever.
 *
 * <p>{@link #V1_AES256_GCM}, all integers big-endian:
 * <pre>
 * offset  length  field
 * 0       1       format version, 0x01
 * 1       4       AEK version: which AEK of the resource sealed the block
 * 5       12      GCM nonce, random per block
 * 17      n       AES-256-GCM ciphertext of the n plaintext bytes
 * 17+n    16      GCM tag
 * </pre>
 * DEK = HKDF-SHA256(IKM = AEK, salt = none, info = "keyward/dek/v1" | u32 len | resource id | u32 len | block id),
 * 32 bytes. AAD = "keyward/block/v1" | u32 len | resource id | u32 len | block id | the 5 header bytes, so the
 * AEK version and format are authenticated too. V1 is read, no longer written by the data plane: its binding holds
 * only what the reader passes as resource id (docs/security.md says what that leaves open and why old blocks stay V1).
 *
 * <p>{@link #V2_AES256_GCM}: the same layout with version byte 0x02, and DEK and AAD bound to every claim of the
 * block's row ({@link BlockClaims}), the AEK version included:
 * <pre>
 * claims = u32 len | owner | u32 len | table | u32 len | block id | u32 len | key kind | u32 len | key resource
 *          | u32 AEK version                                   (strings UTF-8)
 * DEK    = HKDF-SHA256(IKM = AEK, salt = none, info = "keyward/dek/v2" | claims), 32 bytes
 * AAD    = "keyward/block/v2" | claims | the 5 header bytes
 * </pre>
 * A V2 block opens only when the header's AEK version equals the claimed one, so the version a row names cannot be
 * edited either.
 */
public enum BlockFormat {
    V1_AES256_GCM((byte) 1, 12, 16),
    V2_AES256_GCM((byte) 2, 12, 16);

    public static final int HEADER_LENGTH = 1 + 4;

    private final byte version;
    private final int nonceLength;
    private final int tagLength;

    BlockFormat(byte version, int nonceLength, int tagLength) {
        this.version = version;
        this.nonceLength = nonceLength;
        this.tagLength = tagLength;
    }

    public byte version() {
        return version;
    }

    public int nonceLength() {
        return nonceLength;
    }

    public int tagLength() {
        return tagLength;
    }

    /** Bytes a sealed block adds to its plaintext. */
    public int overhead() {
        return HEADER_LENGTH + nonceLength + tagLength;
    }

    static BlockFormat of(byte version) {
        for (BlockFormat f : values()) {
            if (f.version == version) {
                return f;
            }
        }
        return null;
    }
}
