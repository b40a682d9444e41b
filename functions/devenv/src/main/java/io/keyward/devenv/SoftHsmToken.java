package io.keyward.devenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A SoftHSM2 token for tests, made by the production set-up script {@code softhsm-config/init-token.sh} so that
 * tests and {@code ./keyward run} initialise tokens the same way.
 *
 * <p>SoftHSM2 reads {@code SOFTHSM2_CONF} from the process environment at C_Initialize, which a running JVM
 * cannot change: the build sets it to {@code <dir>/softhsm2.conf} for the test JVM, and {@link #init} checks that.
 *
 * @param soPinFile the secrets file with the token's SO PIN (init-token.sh's KEYWARD_HSM_SO_PIN_FILE), or null
 */
public record SoftHsmToken(Path conf, Path library, String label, String pin, Path soPinFile) {

    public static SoftHsmToken init(Path dir) {
        return init(dir, null);
    }

    /**
     * A token labelled {@code label} (null: the script's default) in {@code dir}, the directory SOFTHSM2_CONF points
     * at: a test that must see every object of its token takes a token of its own.
     */
    public static SoftHsmToken init(Path dir, String label) {
        Path script = KeywardHome.root().resolve("softhsm-config/init-token.sh");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "--dir", dir.toAbsolutePath().toString(), "--quiet");
        if (label != null) {
            pb.command().addAll(List.of("--label", label));
            pb.environment().remove("KEYWARD_HSM_TOKEN_LABEL");
        }
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Map<String, String> values = new HashMap<>();
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(script + " failed (see stderr above)");
            }
            for (String line : out.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        SoftHsmToken token = new SoftHsmToken(Path.of(values.get("SOFTHSM2_CONF")), Path.of(values.get("KEYWARD_HSM_LIBRARY")),
                values.get("KEYWARD_HSM_TOKEN_LABEL"), values.get("KEYWARD_HSM_PIN"),
                values.containsKey("KEYWARD_HSM_SO_PIN_FILE") ? Path.of(values.get("KEYWARD_HSM_SO_PIN_FILE")) : null);
        String seen = System.getenv("SOFTHSM2_CONF");
        if (seen == null || !Path.of(seen).toAbsolutePath().normalize().equals(token.conf.toAbsolutePath().normalize())) {
            throw new IllegalStateException("this JVM must run with SOFTHSM2_CONF=" + token.conf + " (it has " + seen
                    + "); the build's surefire configuration sets it");
        }
        return token;
    }

    /** The settings {@code ./keyward run} would export, as environment-style keys. */
    public Map<String, String> asEnvironment() {
        Map<String, String> env = new HashMap<>(Map.of("SOFTHSM2_CONF", conf.toString(), "KEYWARD_HSM_LIBRARY",
                library.toString(), "KEYWARD_HSM_TOKEN_LABEL", label, "KEYWARD_HSM_PIN", pin));
        if (soPinFile != null) {
            env.put("KEYWARD_HSM_SO_PIN_FILE", soPinFile.toString());
        }
        return Map.copyOf(env);
    }

    @Override
    public String toString() {
        return "SoftHsmToken[label=" + label + ", conf=" + conf + "]";
    }
}
