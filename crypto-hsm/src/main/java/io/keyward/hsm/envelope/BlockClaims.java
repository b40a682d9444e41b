package io.keyward.hsm.envelope;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Everything a stored block's row claims about it, bound into a {@link BlockFormat#V2_AES256_GCM} block's DEK and
 * AAD: the owner (a workspace's customer id), the table, the block id, the key kind (e.g. {@code platform} or
 * {@code cluster}), the resource whose AEK it is (a cluster id, or the workspace itself for its platform key) and the
 * AEK version. A block whose row was moved to another owner, renamed, swapped with another block's or relabelled with
 * another key or version does not open: the reader builds the claims from what it asked for and what the row says,
 * and any difference from the sealer's is an {@link IntegrityException}.
 */
public record BlockClaims(String owner, String table, String blockId, String keyKind, String keyResource, int aekVersion) {
    public BlockClaims {
        for (String s : new String[] {owner, table, blockId, keyKind, keyResource}) {
            Objects.requireNonNull(s, "block claims are all set");
            if (s.isEmpty()) {
                throw new IllegalArgumentException("block claims must not be empty");
            }
        }
        if (aekVersion < 0) {
            throw new IllegalArgumentException("AEK versions are non-negative");
        }
    }

    /** label | (u32 len | UTF-8) for owner, table, block, key kind, key resource | u32 AEK version | {@code extra} free bytes. */
    byte[] bound(byte[] label, int extra) {
        byte[][] fields = {bytes(owner), bytes(table), bytes(blockId), bytes(keyKind), bytes(keyResource)};
        int length = label.length + 4 + extra;
        for (byte[] f : fields) {
            length += 4 + f.length;
        }
        ByteBuffer buf = ByteBuffer.allocate(length).put(label);
        for (byte[] f : fields) {
            buf.putInt(f.length).put(f);
        }
        buf.putInt(aekVersion);
        return buf.array();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
