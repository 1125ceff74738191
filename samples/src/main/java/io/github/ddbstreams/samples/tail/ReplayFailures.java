package io.github.ddbstreams.samples.tail;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import picocli.CommandLine;

/**
 * {@code ddb-replay-failures}: lists the failures a {@code DynamoDbFailureDestination} stored, one JSON line each
 * (reason, error, attempts, times, replay marks and the record in the Lambda event shape), filtered by stream,
 * shard, reason and time; with {@code --mark-replayed} each printed failure is marked replayed, so printing is the
 * re-drive (to a file, a queue, another tool). Uses {@link io.github.ddbstreams.operators.errors.FailureReplay}.
 *
 * <pre>{@code
 * java -cp samples/target/ddb-tail.jar io.github.ddbstreams.samples.tail.ReplayFailures \
 *     --failure-table orders-failures --endpoint http://127.0.0.1:8000 --reason POISON_RECORD
 * }</pre>
 *
 * <p>Exit codes as {@link Tail}'s: 0 at the end of the table, 1 on a runtime error, 2 on bad arguments.
 */
public final class ReplayFailures {

    private ReplayFailures() {
    }

    /** Runs the tool and exits the JVM with its exit code. */
    public static void main(String[] args) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false,
                StandardCharsets.UTF_8);
        int exitCode;
        try {
            exitCode = run(args, out, System.err);
        } finally {
            out.flush();
        }
        System.exit(exitCode);
    }

    /**
     * Runs the tool in this thread and returns its exit code; never exits the JVM.
     *
     * <pre>{@code
     * int exitCode = ReplayFailures.run(new String[] {"--failure-table", "orders-failures"}, System.out, System.err);
     * }</pre>
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        return new CommandLine(new ReplayFailuresCommand(out, err))
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
                .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8))
                .setExecutionExceptionHandler((e, cl, parseResult) -> {
                    err.println("replay-failures: " + TailCommand.describe(e));
                    return Tail.EXIT_FAILURE;
                })
                .execute(args);
    }
}
