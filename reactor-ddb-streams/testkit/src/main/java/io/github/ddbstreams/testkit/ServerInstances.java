package io.github.ddbstreams.testkit;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-user directory under {@code java.io.tmpdir} where servers started as child processes keep their
 * instance directories, and the reaping of servers orphaned by a test JVM that was killed (SIGKILL skips
 * shutdown hooks).
 *
 * <p>Each instance directory ({@code <kind>-<random>}) holds an {@value #INSTANCE_FILE} file naming the test
 * JVM that owns it and the server's process, each with its start time so that a reused PID is never
 * mistaken for them. An instance whose owner JVM is gone is orphaned: its server is stopped (if it is still
 * the same process and still the expected kind of server) and its directory deleted. Instances of live
 * JVMs (other builds running at the same time) are left alone.
 */
final class ServerInstances {

    static final String INSTANCE_FILE = "instance.properties";

    /** The user {@code nobody}: servers that refuse to run as root run as this user. */
    static final int NOBODY_UID = 65534;

    private static final Logger log = LoggerFactory.getLogger(ServerInstances.class);

    /** A directory this old without an instance file is a leftover of a JVM that died while starting one. */
    private static final Duration ABANDONED_AFTER = Duration.ofMinutes(10);
    private static final Duration REAP_GRACE = Duration.ofSeconds(10);

    private ServerInstances() {
    }

    /**
     * {@code <java.io.tmpdir>/ddbstreams-testkit-<user>}, created if needed and readable by all (a server
     * running as {@code nobody} must traverse it).
     */
    static Path baseDirectory() {
        String user = System.getProperty("user.name", "unknown").replaceAll("[^A-Za-z0-9._-]", "_");
        Path base = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().resolve("ddbstreams-testkit-" + user);
        try {
            Files.createDirectories(base);
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the testkit's temp directory " + base, e);
        }
        return base;
    }

    /** Creates a new, empty instance directory {@code <kind>-<random>} under {@link #baseDirectory()}. */
    static Path createInstanceDirectory(String kind) {
        try {
            Path dir = Files.createTempDirectory(baseDirectory(), kind + "-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create an instance directory for " + kind, e);
        }
    }

    /** Records, in the instance directory, that this JVM owns {@code server}. Replaces an earlier record. */
    static void recordInstance(Path instanceDir, ProcessHandle server) {
        Properties properties = new Properties();
        ProcessHandle owner = ProcessHandle.current();
        properties.setProperty("owner.pid", Long.toString(owner.pid()));
        startMillis(owner).ifPresent(t -> properties.setProperty("owner.start", Long.toString(t)));
        properties.setProperty("server.pid", Long.toString(server.pid()));
        startMillis(server).ifPresent(t -> properties.setProperty("server.start", Long.toString(t)));
        Path file = instanceDir.resolve(INSTANCE_FILE);
        Path temp = instanceDir.resolve(INSTANCE_FILE + ".tmp");
        try (Writer out = Files.newBufferedWriter(temp)) {
            properties.store(out, "reactor-ddb-streams testkit server instance; reaped once the owner JVM is gone");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + temp, e);
        }
        try {
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            moveQuietly(temp, file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }

    /**
     * Stops the servers of {@code kind} whose owner JVM is gone and deletes their instance directories.
     * {@code commandMarker} is a string the server's command line contains; a live process at a recorded
     * PID is only stopped when its start time matches the record or, if unknown, its command line has the
     * marker.
     *
     * @return how many orphaned instances were cleaned up
     */
    static int reapOrphans(String kind, String commandMarker) {
        int reaped = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(baseDirectory(), kind + "-*")) {
            for (Path dir : dirs) {
                if (Files.isDirectory(dir) && reapIfOrphaned(dir, kind, commandMarker)) {
                    reaped++;
                }
            }
        } catch (IOException e) {
            log.warn("Could not look for orphaned {} servers", kind, e);
        }
        return reaped;
    }

    private static boolean reapIfOrphaned(Path dir, String kind, String commandMarker) {
        Path file = dir.resolve(INSTANCE_FILE);
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            properties.load(in);
        } catch (NoSuchFileException e) {
            if (olderThan(dir, ABANDONED_AFTER)) {
                log.info("Deleting abandoned {} instance directory {}", kind, dir);
                deleteRecursively(dir);
                return true;
            }
            return false; // maybe being set up right now by another JVM
        } catch (IOException | IllegalArgumentException e) {
            log.warn("Unreadable {} in {}; leaving it", INSTANCE_FILE, dir, e);
            return false;
        }
        if (isRecordedProcessAlive(properties, "owner", null)) {
            return false;
        }
        Optional<ProcessHandle> server = recordedProcess(properties, "server", commandMarker);
        server.ifPresent(handle -> {
            log.warn("Stopping {} server (process {}) orphaned by test JVM {} that is gone", kind, handle.pid(),
                    properties.getProperty("owner.pid"));
            ServerProcess.terminate(handle, REAP_GRACE, kind);
        });
        if (server.isPresent() && server.get().isAlive()) {
            return false;
        }
        deleteRecursively(dir);
        return true;
    }

    private static boolean isRecordedProcessAlive(Properties properties, String role, String commandMarker) {
        return recordedProcess(properties, role, commandMarker).isPresent();
    }

    /** The live process recorded under {@code role}, if it is still the same process. */
    static Optional<ProcessHandle> recordedProcess(Properties properties, String role, String commandMarker) {
        long pid;
        try {
            pid = Long.parseLong(properties.getProperty(role + ".pid", "-1"));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (pid <= 0) {
            return Optional.empty();
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (handle.isEmpty()) {
            return Optional.empty();
        }
        String recordedStart = properties.getProperty(role + ".start");
        Optional<Long> actualStart = startMillis(handle.get());
        if (recordedStart != null && actualStart.isPresent()) {
            return actualStart.get() == Long.parseLong(recordedStart) ? handle : Optional.empty();
        }
        if (commandMarker == null) {
            return handle; // cannot tell: assume it is the same, which errs on the side of not reaping
        }
        boolean matches = handle.get().info().commandLine().map(c -> c.contains(commandMarker)).orElse(false);
        return matches ? handle : Optional.empty();
    }

    static Optional<Long> startMillis(ProcessHandle handle) {
        return handle.info().startInstant().map(Instant::toEpochMilli);
    }

    /** Deletes a directory tree, logging (not throwing) what cannot be deleted. */
    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("Could not delete {}", root, e);
        }
    }

    /** Whether this JVM runs as root (uid 0). */
    static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** Gives a directory tree to {@code uid}:{@code uid} (as root). */
    static void chownRecursively(Path root, int uid) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    chown(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    chown(file);
                    return FileVisitResult.CONTINUE;
                }

                private void chown(Path path) throws IOException {
                    Files.setAttribute(path, "unix:uid", uid);
                    Files.setAttribute(path, "unix:gid", uid);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot give " + root + " to uid " + uid, e);
        }
    }

    /**
     * The first directory from the file system root down to {@code path} that users other than its owner
     * cannot enter (no {@code o+x}), or empty if every one can be entered.
     */
    static Optional<Path> firstClosedAncestor(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path current = absolute.getRoot();
        for (Path part : absolute) {
            current = current.resolve(part);
            if (!Files.isDirectory(current)) {
                break;
            }
            try {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(current);
                if (!permissions.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return Optional.of(current);
                }
            } catch (IOException | UnsupportedOperationException e) {
                return Optional.of(current);
            }
        }
        return Optional.empty();
    }

    private static boolean olderThan(Path path, Duration age) {
        try {
            FileTime modified = Files.getLastModifiedTime(path);
            return modified.toInstant().isBefore(Instant.now().minus(age));
        } catch (IOException e) {
            return false;
        }
    }

    private static void moveQuietly(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + to, e);
        }
    }
}
