package io.keyward.hsm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Test tokens, made by the production script {@code softhsm-config/init-token.sh} in this module's
 * {@code target/softhsm} (the directory SOFTHSM2_CONF points at; see the Surefire configuration). One shared
 * {@link Hsm} per test JVM, since the PKCS#11 module is process-wide anyway.
 */
public final class TestTokens {
    public static final String LABEL = "keyward-test";
    /** The token outlives a test run (target/ is kept between builds); names carry this run's id. */
    private static final String RUN = Long.toHexString(System.nanoTime() & 0xffffffffL);
    private static Hsm shared;

    private TestTokens() {
    }

    public static synchronized Hsm shared() {
        if (shared == null) {
            shared = Hsm.open(config(LABEL).build());
        }
        return shared;
    }

    /** A key name unique to this test run. */
    public static String name(String base) {
        return base + "-" + RUN;
    }

    public static Path dir() {
        return Path.of(System.getProperty("keyward.softhsm.dir", "target/softhsm")).toAbsolutePath();
    }

    /** Initialises (idempotently) the token {@code label} and returns a config builder for it. */
    public static synchronized HsmConfig.Builder config(String label) {
        Map<String, String> env = initToken(label);
        return HsmConfig.builderFromEnvironment(env)
                .maxSessions(8)
                .borrowTimeout(Duration.ofSeconds(10));
    }

    public static Map<String, String> initToken(String label) {
        String script = System.getProperty("keyward.init-token", "../softhsm-config/init-token.sh");
        String expectedConf = System.getenv("SOFTHSM2_CONF");
        try {
            ProcessBuilder pb = new ProcessBuilder("bash", script, "--dir", dir().toString(), "--label", label,
                    "--quiet");
            pb.environment().remove("KEYWARD_HSM_PIN");
            pb.environment().remove("KEYWARD_HSM_SO_PIN");
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("init-token.sh failed for " + label);
            }
            Map<String, String> env = new HashMap<>();
            for (String line : out.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    env.put(line.substring(0, eq), line.substring(eq + 1).trim());
                }
            }
            if (expectedConf != null && !Path.of(expectedConf).equals(Path.of(env.get("SOFTHSM2_CONF")))) {
                throw new IllegalStateException("SOFTHSM2_CONF of the test JVM (" + expectedConf
                        + ") is not the one init-token.sh wrote (" + env.get("SOFTHSM2_CONF") + ")");
            }
            return env;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The directory SoftHSM2 keeps a token's object files in (one sub-directory per token). */
    public static Path tokenDirectory(String serialOrLabelProbe) throws IOException {
        try (var dirs = Files.list(dir().resolve("tokens"))) {
            List<Path> all = dirs.toList();
            for (Path d : all) {
                Path tokenObject = d.resolve("token.object");
                if (Files.exists(tokenObject)
                        && new String(Files.readAllBytes(tokenObject), StandardCharsets.ISO_8859_1)
                        .contains(serialOrLabelProbe)) {
                    return d;
                }
            }
        }
        throw new IllegalStateException("no token directory for " + serialOrLabelProbe);
    }
}
