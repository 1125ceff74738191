package io.github.ddbstreams.testkit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server running as a child process whose standard output and error go to a log file: started, stopped
 * with SIGTERM then SIGKILL after a grace period, or killed at once.
 */
final class ServerProcess {

    private static final Logger log = LoggerFactory.getLogger(ServerProcess.class);

    /** How much of the log file's end {@link #logTail()} reads. */
    private static final int TAIL_BYTES = 8 * 1024;

    private final String name;
    private final Process process;
    private final Path logFile;

    private ServerProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    /**
     * Starts {@code command} in {@code workDirectory} with the given environment changes (a {@code null}
     * value removes the variable), appending its output to {@code logFile}.
     */
    static ServerProcess start(String name, List<String> command, Map<String, String> environment,
            Path workDirectory, Path logFile) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDirectory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        environment.forEach((key, value) -> {
            if (value == null) {
                builder.environment().remove(key);
            } else {
                builder.environment().put(key, value);
            }
        });
        try {
            Process process = builder.start();
            log.debug("Started {} as process {}: {}", name, process.pid(), command);
            return new ServerProcess(name, process, logFile);
        } catch (IOException e) {
            throw new IllegalStateException("Could not start " + name + " (" + command.get(0) + "): " + e, e);
        }
    }

    long pid() {
        return process.pid();
    }

    ProcessHandle handle() {
        return process.toHandle();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, or empty while the process runs. */
    Optional<Integer> exitCode() {
        return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    }

    /** Waits up to {@code timeout} for the process to exit. */
    boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** Sends SIGTERM, waits up to {@code grace}, then sends SIGKILL. Blocks until the process is gone. */
    void stop(Duration grace) {
        terminate(process.toHandle(), grace, name);
    }

    /** Sends SIGKILL and waits until the process is gone, as a crash would. */
    void kill() {
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
    }

    /** The last lines of the log file (up to 8 KiB), for failure messages. */
    String logTail() {
        return tail(logFile);
    }

    Path logFile() {
        return logFile;
    }

    /**
     * Stops any process: SIGTERM, up to {@code grace} to exit, then SIGKILL. Returns once it is gone (or 30
     * s after SIGKILL).
     */
    static void terminate(ProcessHandle handle, Duration grace, String name) {
        if (!handle.isAlive()) {
            return;
        }
        handle.destroy();
        if (!awaitExit(handle, grace)) {
            log.warn("{} (process {}) did not stop within {} of SIGTERM; sending SIGKILL", name, handle.pid(), grace);
            handle.destroyForcibly();
            if (!awaitExit(handle, Duration.ofSeconds(30))) {
                log.warn("{} (process {}) still runs 30 s after SIGKILL", name, handle.pid());
            }
        }
    }

    private static boolean awaitExit(ProcessHandle handle, Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        } catch (Exception e) {
            return !handle.isAlive();
        }
    }

    /** The last lines of {@code file} (up to 8 KiB), or a note saying why it could not be read. */
    static String tail(Path file) {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            long from = Math.max(0, length - TAIL_BYTES);
            byte[] bytes = new byte[(int) (length - from)];
            in.seek(from);
            in.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (from > 0) {
                int firstLineEnd = text.indexOf('\n');
                text = "[...]\n" + (firstLineEnd >= 0 ? text.substring(firstLineEnd + 1) : text);
            }
            return text;
        } catch (IOException e) {
            return "(could not read " + file + ": " + e + ")";
        }
    }

    @Override
    public String toString() {
        return name + "[pid " + process.pid() + "]";
    }
}
