package io.github.ddbstreams.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The lifecycle that {@link EmbeddedKafka} and {@link EmbeddedOpenSearch} share: a server run as a child
 * process ({@link ServerProcess}) from an instance directory under {@link ServerInstances#baseDirectory()},
 * launched again in place by {@link #restart(Runnable)}.
 *
 * <p>It holds the current process and whether the server is closed, both guarded by {@link #lock()}; stops,
 * kills and restarts the process; on {@link #close()} (or when the JVM exits, through a shutdown hook) stops it
 * and deletes the instance directory; and helps the owner wait for a launched server to become ready
 * ({@link #awaitNextPoll}), failing with the end of the server's output ({@link #failure}).
 *
 * <p>The owner keeps what differs between servers: the command and environment of a launch, the readiness
 * probe and the log messages (the methods return what the owner logs).
 *
 * <pre>{@code
 * ServerLifecycle lifecycle = new ServerLifecycle("Kafka", this::toString, instanceDir, logFile,
 *         "embedded-kafka-shutdown", Duration.ofSeconds(30), Duration.ofMillis(100));
 * lifecycle.start(this::launch); // launch() calls lifecycle.launch(command, environment), then polls
 * }</pre>
 */
final class ServerLifecycle {

    /** How long the shutdown hook lets the server stop gracefully before killing it. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    /** How long a server that did not become ready in time gets to stop before it is killed. */
    private static final Duration ABORT_GRACE = Duration.ofSeconds(5);

    private final String name;
    private final Supplier<String> description;
    private final Path instanceDir;
    private final Path logFile;
    private final Duration stopGrace;
    private final Duration pollInterval;
    private final Thread shutdownHook;

    private final Object lock = new Object();
    private ServerProcess process;
    private boolean closed;

    /**
     * @param name the server's name in process names and failure messages, such as {@code "Kafka"}
     * @param description describes the owner in "... is closed" messages (its {@code toString})
     * @param instanceDir the instance directory, the launched process's working directory; deleted on close
     * @param logFile the file the process's standard output and error are appended to
     * @param shutdownHookName the name of the shutdown hook's thread
     * @param stopGrace how long {@link #stop()}, {@link #restart(Runnable)} and {@link #close()} wait after
     *        SIGTERM before sending SIGKILL
     * @param pollInterval how long {@link #awaitNextPoll} parks between readiness probes
     */
    ServerLifecycle(String name, Supplier<String> description, Path instanceDir, Path logFile,
            String shutdownHookName, Duration stopGrace, Duration pollInterval) {
        this.name = name;
        this.description = description;
        this.instanceDir = instanceDir;
        this.logFile = logFile;
        this.stopGrace = stopGrace;
        this.pollInterval = pollInterval;
        this.shutdownHook = new Thread(this::stopOnShutdown, shutdownHookName);
    }

    /**
     * The monitor guarding the lifecycle; the owner guards the state each launch sets (such as ports read from
     * the server) with it too, since {@link #restart(Runnable)} runs the launch while holding it.
     */
    Object lock() {
        return lock;
    }

    /**
     * Registers the shutdown hook (which stops the server and deletes the instance directory when the JVM
     * exits), then runs {@code launch} while holding the lock. A failed launch leaves the cleaning up (such as
     * {@link #close()} or {@link #abandon()}) to the caller.
     */
    void start(Runnable launch) {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        synchronized (lock) {
            launch.run();
        }
    }

    /**
     * Starts the server's process in the instance directory, appending its output to the log file, and records
     * it in the instance directory so that a later start reaps it if this JVM is killed. To be called from the
     * {@code launch} given to {@link #start(Runnable)} or {@link #restart(Runnable)} (the lock is held).
     */
    void launch(List<String> command, Map<String, String> environment) {
        process = ServerProcess.start(name, command, environment, instanceDir, logFile);
        ServerInstances.recordInstance(instanceDir, process.handle());
    }

    /**
     * One step of waiting for the just launched server to become ready, after a probe said it is not: throws
     * {@link #failure} if the process exited, or (after stopping it) if {@code deadline} has passed; otherwise
     * parks for the poll interval.
     *
     * @param deadline a {@link System#nanoTime()} value
     * @param exitedWhen ends the message if the process exited (only built then): {@code "<name> exited with code <code> "}
     *        followed by it, such as {@code "while starting"}
     * @param timedOutMessage the message if the deadline has passed (only built then)
     */
    void awaitNextPoll(long deadline, Supplier<String> exitedWhen, Supplier<String> timedOutMessage) {
        if (!process.isAlive()) {
            throw failure(name + " exited with code " + process.exitCode().orElse(-1) + " " + exitedWhen.get(), null);
        }
        if (System.nanoTime() > deadline) {
            process.stop(ABORT_GRACE);
            throw failure(timedOutMessage.get(), null);
        }
        LockSupport.parkNanos(pollInterval.toNanos());
    }

    /** A failure whose message ends with the path and the last lines of the log file. */
    IllegalStateException failure(String message, Throwable cause) {
        return new IllegalStateException(message + "; its output (" + logFile + ") ends with:\n"
                + ServerProcess.tail(logFile), cause);
    }

    /** Whether the server's process is running. */
    boolean isRunning() {
        synchronized (lock) {
            return process != null && process.isAlive();
        }
    }

    /**
     * Stops the process gracefully (SIGTERM; SIGKILL after the stop grace) and blocks until it is gone.
     *
     * @return whether there was a process (it may have exited already)
     * @throws IllegalStateException if closed
     */
    boolean stop() {
        synchronized (lock) {
            ensureOpen();
            if (process == null) {
                return false;
            }
            process.stop(stopGrace);
            return true;
        }
    }

    /**
     * Kills the process (SIGKILL), as a crash would, and blocks until it is gone.
     *
     * @return whether there was a process (it may have exited already)
     * @throws IllegalStateException if closed
     */
    boolean kill() {
        synchronized (lock) {
            ensureOpen();
            if (process == null) {
                return false;
            }
            process.kill();
            return true;
        }
    }

    /**
     * Stops the process gracefully if it runs, then runs {@code launch} (which calls
     * {@link #launch(List, Map)} and waits until the server is ready), all while holding the lock.
     *
     * @return how long {@code launch} took, in milliseconds
     * @throws IllegalStateException if closed, or as thrown by {@code launch}
     */
    long restart(Runnable launch) {
        synchronized (lock) {
            ensureOpen();
            if (process != null && process.isAlive()) {
                process.stop(stopGrace);
            }
            long startNanos = System.nanoTime();
            launch.run();
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        }
    }

    /**
     * Stops the process gracefully, deletes the instance directory and unregisters the shutdown hook.
     *
     * @return {@code false} if it was closed already (then it does nothing)
     */
    boolean close() {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            closed = true;
            if (process != null) {
                process.stop(stopGrace);
            }
            ServerInstances.deleteRecursively(instanceDir);
        }
        removeShutdownHook();
        return true;
    }

    /**
     * After a failed start: kills what runs and marks this closed, but keeps the instance directory (and the
     * log) for a later start to reap, and unregisters the shutdown hook (which would delete it).
     */
    void abandon() {
        synchronized (lock) {
            closed = true;
            if (process != null) {
                process.kill();
            }
        }
        removeShutdownHook();
    }

    private void removeShutdownHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down already
        }
    }

    private void stopOnShutdown() {
        ServerProcess running;
        synchronized (lock) {
            running = closed ? null : process;
            closed = true;
        }
        if (running != null) {
            running.stop(SHUTDOWN_GRACE);
        }
        ServerInstances.deleteRecursively(instanceDir);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(description.get() + " is closed");
        }
    }
}
