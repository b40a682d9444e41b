package io.keyward.hsm.envelope;

import io.keyward.hsm.envelope.internal.Gcm;
import io.keyward.hsm.envelope.internal.Hkdf;

import javax.crypto.Mac;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Envelope encryption of data blocks under a resource's AEKs: one DEK per block, derived with HKDF-SHA256 from
 * the AEK and the block's {@link BlockRef}, and AES-256-GCM with a random nonce and AAD that binds resource,
 * block, format and AEK version. See {@link BlockFormat} for the bytes.
 *
 * <p>An envelope holds several AEK versions: {@link #seal} uses the primary one and {@link #open} picks the one
 * the block names. Construction runs HKDF-Extract once per AEK and keeps only the PRK-keyed HMAC, so per block
 * the cost is one HMAC plus GCM. {@link #close()} destroys the AEKs it was given; the HMAC key copies inside the
 * JCE cannot be zeroed from Java and go with the garbage collector.
 */
public final class Envelope implements AutoCloseable {
    private static final BlockFormat FORMAT = BlockFormat.V1_AES256_GCM;
    private static final BlockFormat BOUND = BlockFormat.V2_AES256_GCM;
    private static final byte[] DEK_LABEL = "keyward/dek/v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AAD_LABEL = "keyward/block/v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DEK_LABEL_V2 = "keyward/dek/v2".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AAD_LABEL_V2 = "keyward/block/v2".getBytes(StandardCharsets.US_ASCII);
    /**
     * Nonces from a DRBG per thread: the default NativePRNG serialises every caller on one lock around
     * /dev/urandom, which cost more than the HKDF step per 64 KiB block on JDK 25 (measured in
     * EnvelopeBenchmark). Each DRBG is seeded from the system's entropy source.
     */
    private static final ThreadLocal<SecureRandom> NONCES = ThreadLocal.withInitial(Envelope::newDrbg);

    private final int primary;
    private final Map<Integer, Mac> prkMacs;
    private final Map<Integer, AekMaterial> aeks;

    private Envelope(int primary, Map<Integer, AekMaterial> aeks) {
        this.primary = primary;
        this.aeks = aeks;
        this.prkMacs = new HashMap<>();
        aeks.forEach((version, aek) -> {
            byte[] prk = Hkdf.extract(null, aek.bytes(KeyAccess.plaintext()));
            prkMacs.put(version, Hkdf.keyedMac(prk));
            Arrays.fill(prk, (byte) 0);
        });
    }

    /** An envelope with a single AEK, which is also the one that seals. */
    public static Envelope of(int aekVersion, AekMaterial aek) {
        return builder().add(aekVersion, aek).primary(aekVersion).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public int primaryVersion() {
        return primary;
    }

    /**
     * Seals a {@link BlockFormat#V2_AES256_GCM} block under the primary AEK, bound to {@code claims}, whose AEK version
     * must be the primary one (a row that names another version than its block's would not open).
     */
    public byte[] seal(BlockClaims claims, byte[] plaintext) {
        if (claims.aekVersion() != primary) {
            throw new IllegalArgumentException("the claims name AEK version " + claims.aekVersion() + ", the envelope seals with "
                    + primary);
        }
        byte[] out = new byte[plaintext.length + BOUND.overhead()];
        out[0] = BOUND.version();
        ByteBuffer.wrap(out, 1, 4).putInt(primary);
        byte[] nonce = new byte[BOUND.nonceLength()];
        NONCES.get().nextBytes(nonce);
        System.arraycopy(nonce, 0, out, BlockFormat.HEADER_LENGTH, nonce.length);
        byte[] dek = dek(prkMacs.get(primary), claims.bound(DEK_LABEL_V2, 0));
        try {
            Gcm.seal(dek, nonce, aad(claims.bound(AAD_LABEL_V2, BlockFormat.HEADER_LENGTH), out), plaintext, 0, plaintext.length,
                    out, BlockFormat.HEADER_LENGTH + nonce.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        } finally {
            Arrays.fill(dek, (byte) 0);
        }
    }

    /**
     * Opens a block of either format for a reader that knows what the row claims: a V2 block must have been sealed
     * for exactly {@code claims}; a V1 block is opened under its old rules with {@code legacy} (resource id and block
     * id only) and, beyond them, must carry the AEK version {@code claims} names. Any mismatch is the same
     * {@link IntegrityException}.
     */
    public byte[] open(BlockClaims claims, BlockRef legacy, byte[] sealed) throws IntegrityException {
        if (sealed == null || sealed.length < BlockFormat.HEADER_LENGTH) {
            throw new IntegrityException();
        }
        if (BlockFormat.of(sealed[0]) == FORMAT) {
            if (ByteBuffer.wrap(sealed, 1, 4).getInt() != claims.aekVersion()) {
                throw new IntegrityException();
            }
            return open(legacy, sealed);
        }
        return open(claims, sealed);
    }

    /** Opens a {@link BlockFormat#V2_AES256_GCM} block sealed for {@code claims}. */
    public byte[] open(BlockClaims claims, byte[] sealed) throws IntegrityException {
        if (sealed == null || sealed.length < BOUND.overhead() || BlockFormat.of(sealed[0]) != BOUND) {
            throw new IntegrityException();
        }
        int version = ByteBuffer.wrap(sealed, 1, 4).getInt();
        Mac prkMac = prkMacs.get(version);
        if (prkMac == null || version != claims.aekVersion()) {
            throw new IntegrityException();
        }
        return openBody(prkMac, claims.bound(DEK_LABEL_V2, 0), claims.bound(AAD_LABEL_V2, BlockFormat.HEADER_LENGTH), sealed,
                BOUND);
    }

    /**
     * Seals a {@link BlockFormat#V1_AES256_GCM} block under the primary AEK. V1 binds only {@code ref}; the data plane
     * seals V2 ({@link #seal(BlockClaims, byte[])}). Kept for the format's tests and tools that write V1 on purpose.
     */
    public byte[] seal(BlockRef ref, byte[] plaintext) {
        byte[] out = new byte[plaintext.length + FORMAT.overhead()];
        out[0] = FORMAT.version();
        ByteBuffer.wrap(out, 1, 4).putInt(primary);
        byte[] nonce = new byte[FORMAT.nonceLength()];
        NONCES.get().nextBytes(nonce);
        System.arraycopy(nonce, 0, out, BlockFormat.HEADER_LENGTH, nonce.length);
        byte[] dek = dek(prkMacs.get(primary), bound(DEK_LABEL, ref, 0));
        try {
            Gcm.seal(dek, nonce, aad(bound(AAD_LABEL, ref, BlockFormat.HEADER_LENGTH), out), plaintext, 0, plaintext.length, out,
                    BlockFormat.HEADER_LENGTH + nonce.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        } finally {
            Arrays.fill(dek, (byte) 0);
        }
    }

    /** Opens a V1 block sealed for {@code ref}; any mismatch or tampering is the same {@link IntegrityException}. */
    public byte[] open(BlockRef ref, byte[] sealed) throws IntegrityException {
        if (sealed == null || sealed.length < FORMAT.overhead() || BlockFormat.of(sealed[0]) != FORMAT) {
            throw new IntegrityException();
        }
        int version = ByteBuffer.wrap(sealed, 1, 4).getInt();
        Mac prkMac = prkMacs.get(version);
        if (prkMac == null) {
            throw new IntegrityException();
        }
        return openBody(prkMac, bound(DEK_LABEL, ref, 0), bound(AAD_LABEL, ref, BlockFormat.HEADER_LENGTH), sealed, FORMAT);
    }

    private static byte[] openBody(Mac prkMac, byte[] info, byte[] aadPrefix, byte[] sealed, BlockFormat format)
            throws IntegrityException {
        int nonceOff = BlockFormat.HEADER_LENGTH;
        int ctOff = nonceOff + format.nonceLength();
        byte[] out = new byte[sealed.length - format.overhead()];
        byte[] dek = dek(prkMac, info);
        try {
            Gcm.open(dek, sealed, nonceOff, format.nonceLength(), aad(aadPrefix, sealed), sealed, ctOff, sealed.length - ctOff, out, 0);
            return out;
        } catch (GeneralSecurityException e) {
            Arrays.fill(out, (byte) 0);
            throw new IntegrityException();
        } finally {
            Arrays.fill(dek, (byte) 0);
        }
    }

    @Override
    public void close() {
        aeks.values().forEach(AekMaterial::destroy);
        prkMacs.clear();
    }

    private static SecureRandom newDrbg() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (java.security.NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    private static byte[] dek(Mac prototype, byte[] info) {
        Mac mac;
        try {
            mac = (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("HmacSHA256 is not cloneable", e);
        }
        return Hkdf.expand(mac, info, Hkdf.HASH_LENGTH);
    }

    /** {@code aad}, whose last {@link BlockFormat#HEADER_LENGTH} bytes are free, completed with the block's header. */
    private static byte[] aad(byte[] aad, byte[] block) {
        System.arraycopy(block, 0, aad, aad.length - BlockFormat.HEADER_LENGTH, BlockFormat.HEADER_LENGTH);
        return aad;
    }

    /** label | u32 len | resource | u32 len | block | {@code extra} free bytes at the end. */
    private static byte[] bound(byte[] label, BlockRef ref, int extra) {
        byte[] r = ref.resourceBytes();
        byte[] b = ref.blockBytes();
        ByteBuffer buf = ByteBuffer.allocate(label.length + 4 + r.length + 4 + b.length + extra);
        buf.put(label).putInt(r.length).put(r).putInt(b.length).put(b);
        return buf.array();
    }

    public static final class Builder {
        private final Map<Integer, AekMaterial> aeks = new HashMap<>();
        private Integer primary;

        private Builder() {
        }

        public Builder add(int aekVersion, AekMaterial aek) {
            if (aekVersion < 0) {
                throw new IllegalArgumentException("AEK versions are non-negative");
            }
            if (aeks.putIfAbsent(aekVersion, aek) != null) {
                throw new IllegalArgumentException("AEK version " + aekVersion + " added twice");
            }
            return this;
        }

        public Builder primary(int aekVersion) {
            this.primary = aekVersion;
            return this;
        }

        public Envelope build() {
            if (primary == null || !aeks.containsKey(primary)) {
                throw new IllegalStateException("the primary AEK version must be one of the added versions");
            }
            return new Envelope(primary, Map.copyOf(aeks));
        }
    }
}
