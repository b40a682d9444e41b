package io.keyward.hsm;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Two JVMs on one token directory at once (two function instances on one host share a SoftHSM2 token). */
class TwoProcessTest {
    @Test
    void aSecondJvmUsesTheSameTokenConcurrentlyAndEachSeesTheOthersKeys() throws Exception {
        Hsm hsm = TestTokens.shared();
        String name = TestTokens.name("two-jvm/kek");
        KeyVersion kek = hsm.keys().create(name, KeyType.RSA_2048, KeyUsage.KEY_WRAPPING);
        byte[] aek = hsm.random(32);
        byte[] wrapped = hsm.wrap(kek.ref(), WrapAlgorithm.RSA_OAEP, aek);

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Dkeyward.softhsm.dir=" + TestTokens.dir(),
                "-Dkeyward.init-token=" + System.getProperty("keyward.init-token"),
                TwoProcessWorker.class.getName(), name, kek.ref().version(), HexFormat.of().formatHex(wrapped),
                HexFormat.of().formatHex(aek), "300");
        pb.redirectErrorStream(true);
        Process child = pb.start();

        // Meanwhile this JVM works on the same token.
        int mine = 0;
        while (child.isAlive() && mine < 2000) {
            assertThat(hsm.unwrap(kek.ref(), WrapAlgorithm.RSA_OAEP, wrapped)).isEqualTo(aek);
            mine++;
        }
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as(out).isZero();
        assertThat(out).contains("unwrapped 300");
        assertThat(mine).isPositive();

        // The child's key, created while both ran, is visible and usable here.
        String created = out.lines().filter(l -> l.startsWith("created ")).findFirst().orElseThrow();
        List<String> parts = List.of(created.split(" "));
        KeyVersionRef childKey = new KeyVersionRef(parts.get(1), parts.get(2));
        byte[] secret = hsm.random(32);
        assertThat(hsm.unwrap(childKey, WrapAlgorithm.RSA_OAEP, hsm.wrap(childKey, WrapAlgorithm.RSA_OAEP, secret)))
                .isEqualTo(secret);
        assertThat(hsm.keys().versions(childKey.name())).extracting(KeyVersion::ref).containsExactly(childKey);
    }
}
