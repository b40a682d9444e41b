package io.keyward.devenv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The project root and its git-ignored state directory {@code .keyward/}.
 *
 * <p>The root is {@code KEYWARD_HOME} when set, else the nearest ancestor of the working directory that holds
 * {@code softhsm-config/init-token.sh}: Maven runs tests with the module as working directory, the local host
 * runs from the root, and both must land on the same {@code .keyward/}.
 */
public final class KeywardHome {

    private KeywardHome() {
    }

    public static Path root(Map<String, String> env) {
        String home = env.get("KEYWARD_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home).toAbsolutePath().normalize();
        }
        Path cwd = Path.of("").toAbsolutePath();
        for (Path p = cwd; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("softhsm-config/init-token.sh"))) {
                return p;
            }
        }
        return cwd;
    }

    public static Path root() {
        return root(System.getenv());
    }

    /** {@code <root>/.keyward}: every file the local host writes lives below it. */
    public static Path stateDir(Map<String, String> env) {
        return root(env).resolve(".keyward");
    }
}
