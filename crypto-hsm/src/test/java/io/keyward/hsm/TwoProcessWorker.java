package io.keyward.hsm;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * Runs in a second JVM for {@link TwoProcessTest}: unwraps the parent's blob in a loop while creating keys of its
 * own, on the same token directory. Prints "created NAME VERSION" and "unwrapped N"; exits non-zero on any error.
 */
public final class TwoProcessWorker {
    private TwoProcessWorker() {
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        String version = args[1];
        byte[] wrapped = HexFormat.of().parseHex(args[2]);
        byte[] expected = HexFormat.of().parseHex(args[3]);
        int rounds = Integer.parseInt(args[4]);
        try (Hsm hsm = Hsm.open(TestTokens.config(TestTokens.LABEL).build())) {
            KeyVersion own = hsm.keys().create(name + "-child", KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
            System.out.println("created " + own.ref().name() + " " + own.ref().version());
            int ok = 0;
            for (int i = 0; i < rounds; i++) {
                byte[] got = hsm.unwrap(new KeyVersionRef(name, version), WrapAlgorithm.RSA_OAEP, wrapped);
                if (!Arrays.equals(got, expected)) {
                    throw new IllegalStateException("wrong unwrap result in round " + i);
                }
                ok++;
            }
            System.out.println("unwrapped " + ok);
        }
    }
}
