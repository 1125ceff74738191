package io.github.ddbstreams.samples.tail;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import picocli.CommandLine;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * {@code tail}: prints the records of a DynamoDB stream as JSON lines, like {@code kcat -C} for a Kafka topic.
 * Works against any DynamoDB endpoint: AWS (the SDK's default chain of region and credentials) or, with
 * {@code --endpoint}, DynamoDB Local.
 *
 * <pre>{@code
 * java -jar samples/target/ddb-tail.jar --table Orders --endpoint http://127.0.0.1:8000 --from latest --format image
 * }</pre>
 *
 * <p>{@code mvn package} builds {@code samples/target/ddb-tail.jar}, the tool with what it runs on and this class
 * as its main class; {@code ddb-tail generate-completion} prints a bash/zsh completion script.
 *
 * <p>Each record is one line on stdout ({@code --format lambda}: the Lambda event shape, {@code image}: the new
 * image as plain JSON, {@code keys}: the keys as plain JSON), flushed as it is printed; everything else goes to
 * stderr. Exit codes: {@link #EXIT_OK} at the normal end ({@code --count} reached, {@code --idle-timeout}
 * passed, Ctrl-C), {@link #EXIT_FAILURE} on a runtime error (e.g. the table does not exist),
 * {@link #EXIT_USAGE} on bad arguments. {@code --help} lists every option.
 *
 * <p>It holds no records: one is printed, then acknowledged, before the next is asked for (the receiver buffers
 * at most one GetRecords page per shard).
 */
public final class Tail {

    /** Exit code of a normal end. */
    public static final int EXIT_OK = 0;
    /** Exit code of a runtime error, such as a table that does not exist or an unreachable endpoint. */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of bad arguments; the message on stderr names the argument. */
    public static final int EXIT_USAGE = 2;

    private static final long SHUTDOWN_WAIT_SECONDS = 5;

    private Tail() {
    }

    /**
     * Runs the tool and exits the JVM with its exit code. Ctrl-C (SIGINT) or SIGTERM ends the tail normally:
     * exit code 0.
     *
     * <pre>{@code
     * Tail.main(new String[] {"--table", "Orders", "--endpoint", "http://127.0.0.1:8000"});
     * }</pre>
     */
    public static void main(String[] args) {
        // JSON is UTF-8 whatever the platform's console encoding; each record is flushed as it is printed.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        Sinks.Empty<Void> stop = Sinks.empty();
        CountDownLatch finished = new CountDownLatch(1);
        AtomicInteger exitCode = new AtomicInteger(EXIT_FAILURE);
        AtomicBoolean exiting = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (exiting.get()) {
                return; // the normal end: main already has its exit code
            }
            // Ctrl-C or SIGTERM: end the tail, let it cancel its receiver and close its clients, and exit with
            // its code (like kcat) rather than the JVM's 128 + signal.
            stop.tryEmitEmpty();
            try {
                if (finished.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    Runtime.getRuntime().halt(exitCode.get());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "tail-shutdown"));
        try {
            exitCode.set(run(args, out, System.err, stop.asMono()));
        } finally {
            out.flush();
            finished.countDown();
        }
        exiting.set(true);
        System.exit(exitCode.get());
    }

    /**
     * Runs the tool in this thread until it ends and returns its exit code; never exits the JVM.
     *
     * <pre>{@code
     * int exitCode = Tail.run(new String[] {"--table", "Orders", "--count", "10"}, System.out, System.err);
     * }</pre>
     *
     * @param args the command line, e.g. {@code --table Orders --from latest}
     * @param out where the records go, one JSON line each
     * @param err where messages and errors go
     * @return {@link #EXIT_OK}, {@link #EXIT_FAILURE} or {@link #EXIT_USAGE}
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, Mono.never());
    }

    /** As {@link #run(String[], PrintStream, PrintStream)}, also ending normally when {@code stop} completes. */
    static int run(String[] args, PrintStream out, PrintStream err, Mono<Void> stop) {
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        Objects.requireNonNull(stop, "stop");
        CommandLine commandLine = new CommandLine(new TailCommand(out, err, stop))
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
                .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8))
                .setExecutionExceptionHandler((e, cl, parseResult) -> {
                    // e.g. no region configured for the SDK's default chain: one line, no stack trace
                    String message = TailCommand.describe(e);
                    err.println("tail: " + message + (message.contains("Unable to load region")
                            ? " (pass --region, or set AWS_REGION)" : ""));
                    return EXIT_FAILURE;
                });
        return commandLine.execute(args);
    }
}
