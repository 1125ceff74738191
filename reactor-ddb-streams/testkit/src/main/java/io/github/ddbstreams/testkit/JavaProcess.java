package io.github.ddbstreams.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Java main class running in a child JVM on this JVM's class path, with its output in a log file, under the
 * test's control as a crash or a pause would treat it: killed at once ({@code SIGKILL}), frozen
 * ({@code SIGSTOP}, as a long GC pause or a suspended VM) and resumed ({@code SIGCONT}). For tests of several
 * processes sharing work, such as lease holders.
 *
 * <p>A child never outlives the test: {@link #close()} kills it, and a shutdown hook of this JVM kills every
 * child still running when the JVM exits (unless this JVM itself is killed with {@code SIGKILL}). Signals are
 * sent with the {@code kill} command, so freezing needs a POSIX system; everything else is portable.
 *
 * <pre>{@code
 * try (JavaProcess worker = JavaProcess.start("worker-1", "com.example.WorkerMain", List.of("w1"),
 *         Path.of("target/worker-1.log"))) {
 *     worker.freeze();              // SIGSTOP: the JVM stops answering, its leases expire
 *     worker.resume();              // SIGCONT: it carries on where it stood
 *     worker.kill();                // SIGKILL: no shutdown hook, no final commit
 * }
 * }</pre>
 */
public final class JavaProcess implements AutoCloseable {

    private static final Set<JavaProcess> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(JavaProcess::close),
                "java-process-reaper"));
    }

    private final String name;
    private final ServerProcess process;

    private JavaProcess(String name, ServerProcess process) {
        this.name = name;
        this.process = process;
    }

    /**
     * Starts {@code mainClass} with {@code arguments} in a new JVM (this JVM's {@code java} and
     * {@link #testClassPath()}), in the current directory, appending its standard output and error to
     * {@code logFile} (its directory is created). Returns once the process is started, not once its main method
     * runs.
     *
     * <pre>{@code
     * JavaProcess worker = JavaProcess.start("worker-1", WorkerMain.class.getName(), List.of("w1"),
     *     Path.of("target/workers/worker-1.log"));
     * }</pre>
     *
     * @throws IllegalStateException if the JVM cannot be started
     */
    public static JavaProcess start(String name, String mainClass, List<String> arguments, Path logFile) {
        return start(name, List.of(), mainClass, arguments, logFile);
    }

    /**
     * Like {@link #start(String, String, List, Path)}, with JVM options before the main class (for instance
     * {@code -Xmx256m} or {@code -Dkey=value}).
     *
     * <pre>{@code
     * JavaProcess.start("worker-1", List.of("-Xmx128m"), WorkerMain.class.getName(), List.of(), logFile);
     * }</pre>
     */
    public static JavaProcess start(String name, List<String> jvmOptions, String mainClass, List<String> arguments,
            Path logFile) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(jvmOptions, "jvmOptions");
        Objects.requireNonNull(mainClass, "mainClass");
        Objects.requireNonNull(arguments, "arguments");
        Objects.requireNonNull(logFile, "logFile");
        Path parent = logFile.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new IllegalStateException("Could not create the log directory " + parent + " of " + name + ": " + e, e);
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(testClassPath());
        command.add(mainClass);
        command.addAll(arguments);
        JavaProcess started = new JavaProcess(name, ServerProcess.start(name, command, Map.of(),
                Path.of("").toAbsolutePath(), logFile));
        RUNNING.add(started);
        return started;
    }

    /**
     * The class path of this JVM's code: under Maven Surefire or Failsafe the test class path (their
     * {@code surefire.test.class.path} property; {@code java.class.path} may name only their launcher jar), else
     * {@code java.class.path}.
     *
     * <pre>{@code
     * new ProcessBuilder("java", "-cp", JavaProcess.testClassPath(), "com.example.Main")
     * }</pre>
     */
    public static String testClassPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    /** The name given at start, used in logs and messages. */
    public String name() {
        return name;
    }

    /** The operating system's process id. */
    public long pid() {
        return process.pid();
    }

    /** Whether the process has not exited (a frozen process is alive). */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, or empty while the process runs ({@code 137} after {@link #kill()}). */
    public Optional<Integer> exitCode() {
        return process.exitCode();
    }

    /**
     * Kills the process with {@code SIGKILL}, as a crash would (no shutdown hook runs), and waits until it is
     * gone (at most 30 s). Works on a frozen process too. Does nothing if it already exited.
     *
     * <pre>{@code
     * worker.kill();
     * }</pre>
     */
    public void kill() {
        process.kill();
        RUNNING.remove(this);
    }

    /**
     * Freezes the process with {@code SIGSTOP}: every thread stops, sockets stay open, nothing is answered,
     * until {@link #resume()}. Blocks until the signal is sent.
     *
     * <pre>{@code
     * worker.freeze();
     * await().until(() -> leaseOwner().equals("w3"));
     * worker.resume();
     * }</pre>
     *
     * @throws IllegalStateException if the process exited or the signal could not be sent
     */
    public void freeze() {
        signal("STOP");
    }

    /**
     * Resumes a {@link #freeze() frozen} process with {@code SIGCONT}. Blocks until the signal is sent.
     *
     * @throws IllegalStateException if the process exited or the signal could not be sent
     */
    public void resume() {
        signal("CONT");
    }

    /** The last lines of the log file (up to 8 KiB), for failure messages. */
    public String logTail() {
        return process.logTail();
    }

    /** The file holding the process's standard output and error. */
    public Path logFile() {
        return process.logFile();
    }

    /**
     * Kills the process ({@code SIGKILL}) if it still runs. Idempotent; never throws.
     *
     * <pre>{@code
     * try (JavaProcess worker = JavaProcess.start(...)) { ... }
     * }</pre>
     */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.kill();
        }
        RUNNING.remove(this);
    }

    private void signal(String signal) {
        if (!process.isAlive()) {
            throw new IllegalStateException("Cannot send SIG" + signal + " to " + this + ": it exited with "
                    + process.exitCode().orElse(-1));
        }
        ProcessBuilder builder = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .redirectErrorStream(true);
        try {
            Process kill = builder.start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exit = kill.waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " (" + name + ") exited with "
                        + exit + ": " + output.strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("Could not send SIG" + signal + " to " + this + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while sending SIG" + signal + " to " + this, e);
        }
    }

    /**
     * Waits up to {@code timeout} for the process to exit; whether it did.
     *
     * <pre>{@code
     * assertThat(worker.waitForExit(Duration.ofSeconds(10))).isTrue();
     * }</pre>
     */
    public boolean waitForExit(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return process.waitForExit(timeout);
    }

    @Override
    public String toString() {
        return name + "[pid " + process.pid() + "]";
    }
}
