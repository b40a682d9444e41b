package io.keyward.devenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clears what an embedded PostgreSQL that did not stop cleanly leaves on its data directory, so that the next start
 * works every time:
 * <ul>
 *   <li>an orphaned postgres still running on the directory (its host JVM was killed: pg_ctl had detached it) is
 *       stopped, SIGTERM first and SIGKILL after half the timeout, together with its backends;</li>
 *   <li>a {@code postmaster.pid} whose process is gone is removed. PostgreSQL ignores one whose PID is dead, but
 *       refuses to start when the PID now belongs to another process (PIDs are reused, quickly in containers).</li>
 * </ul>
 * Another living Keyward process using the directory is never touched: zonky's {@code epg-lock} file lock, held by
 * the JVM that owns the server, tells it apart from an orphan, and the start fails with a clear message instead.
 * The processes of a data directory are found by their working directory (every postgres process has it as its
 * cwd) on Linux, and by the PID in {@code postmaster.pid} elsewhere.
 */
final class StalePostmaster {

    private static final Logger LOG = LoggerFactory.getLogger(StalePostmaster.class);
    /** zonky's lock file in the data directory, locked by the JVM whose EmbeddedPostgres runs the server. */
    private static final String OWNER_LOCK = "epg-lock";

    private StalePostmaster() {
    }

    static void clear(Path dataDir, Duration timeout) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(dataDir.resolve(OWNER_LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = tryLock(channel)) {
            if (lock == null) {
                throw new IllegalStateException("the embedded PostgreSQL in " + dataDir + " belongs to another running "
                        + "process (it holds " + OWNER_LOCK + "); stop that Keyward host first");
            }
            List<ProcessHandle> orphans = processesOf(dataDir, pidFile);
            if (!orphans.isEmpty()) {
                LOG.warn("stopping {} orphaned postgres process(es) of {} left by a host that did not stop: {}",
                        orphans.size(), dataDir, orphans.stream().map(ProcessHandle::pid).toList());
                stop(orphans, timeout);
            }
            if (Files.exists(pidFile) && processesOf(dataDir, pidFile).isEmpty()) {
                Files.deleteIfExists(pidFile);
                LOG.info("removed the stale postmaster.pid of {}", dataDir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not check " + pidFile, e);
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // this JVM runs the server already
        }
    }

    /** The postgres processes of {@code dataDir}: the postmaster of the pid file if it is one, and every process there. */
    private static List<ProcessHandle> processesOf(Path dataDir, Path pidFile) throws IOException {
        List<ProcessHandle> found = new ArrayList<>();
        Path real = dataDir.toRealPath();
        Path proc = Path.of("/proc");
        if (Files.isDirectory(proc.resolve("self"))) {
            try (Stream<Path> entries = Files.list(proc)) {
                for (Path p : entries.filter(e -> e.getFileName().toString().matches("[0-9]+")).toList()) {
                    if (real.equals(cwd(p)) && isPostgres(Long.parseLong(p.getFileName().toString()))) {
                        ProcessHandle.of(Long.parseLong(p.getFileName().toString())).ifPresent(found::add);
                    }
                }
            }
            return found;
        }
        postmasterPid(pidFile).flatMap(ProcessHandle::of).filter(h -> isPostgres(h.pid())).ifPresent(found::add);
        return found;
    }

    private static Path cwd(Path procEntry) {
        try {
            return Files.readSymbolicLink(procEntry.resolve("cwd"));
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            return null; // gone, or another user's process
        }
    }

    private static boolean isPostgres(long pid) {
        Optional<String> command = ProcessHandle.of(pid).flatMap(h -> h.info().command());
        // backends rename themselves ("postgres: postgres postgres 127.0.0.1(...)"), their executable stays postgres
        return command.map(c -> Path.of(c).getFileName().toString().equals("postgres")).orElse(false);
    }

    private static Optional<Long> postmasterPid(Path pidFile) {
        try {
            String first = Files.readAllLines(pidFile, StandardCharsets.US_ASCII).stream().findFirst().orElse("").trim();
            return first.matches("[0-9]+") ? Optional.of(Long.parseLong(first)) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGTERM (a smart shutdown: no client is left to wait for), then SIGKILL for what is still there. */
    private static void stop(List<ProcessHandle> processes, Duration timeout) {
        processes.forEach(ProcessHandle::destroy);
        if (!awaitExit(processes, timeout.dividedBy(2))) {
            LOG.warn("orphaned postgres did not stop on SIGTERM within {}; killing it", timeout.dividedBy(2));
            processes.forEach(ProcessHandle::destroyForcibly);
            if (!awaitExit(processes, timeout.dividedBy(2))) {
                throw new IllegalStateException("orphaned postgres processes " + processes.stream().filter(ProcessHandle::isAlive)
                        .map(ProcessHandle::pid).toList() + " did not exit");
            }
        }
    }

    private static boolean awaitExit(List<ProcessHandle> processes, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            for (ProcessHandle p : processes) {
                p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return processes.stream().noneMatch(ProcessHandle::isAlive);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
