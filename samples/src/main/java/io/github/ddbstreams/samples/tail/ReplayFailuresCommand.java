package io.github.ddbstreams.samples.tail;

import java.io.PrintStream;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.ddbstreams.operators.errors.FailedRecord.Reason;
import io.github.ddbstreams.operators.errors.FailureReplay;
import io.github.ddbstreams.operators.errors.FailureReplayOptions;
import io.github.ddbstreams.operators.errors.StoredFailure;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/** The options of {@link ReplayFailures} and one run: read the failure table, print, optionally mark. */
@Command(name = "ddb-replay-failures", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Prints the failures stored by a DynamoDbFailureDestination as JSON lines on stdout (not yet replayed"
                    + " ones by default); with --mark-replayed, marks each printed failure replayed.",
            "Exit code: 0 at the end, 1 on a runtime error, 2 on bad arguments."})
final class ReplayFailuresCommand implements Callable<Integer> {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Spec
    CommandSpec spec;

    @Option(names = "--failure-table", paramLabel = "<name>", required = true,
            description = "The failure table a DynamoDbFailureDestination writes.")
    String failureTable;

    @Option(names = "--endpoint", paramLabel = "<url>",
            description = "DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local (as ddb-tail's).")
    URI endpoint;

    @Option(names = "--region", paramLabel = "<region>", description = "AWS region, e.g. eu-west-1.")
    String region;

    @Option(names = "--stream-arn", paramLabel = "<arn>", description = "Only failures of this stream.")
    String streamArn;

    @Option(names = "--shard-id", paramLabel = "<id>", description = "Only failures of this shard.")
    String shardId;

    @Option(names = "--reason", paramLabel = "<reason>",
            description = "Only failures given up for this reason: ${COMPLETION-CANDIDATES}. Repeat for several.")
    List<Reason> reasons = List.of();

    @Option(names = "--failed-after", paramLabel = "<time>",
            description = "Only failures given up at or after this ISO-8601 time (2026-12-04T08:00:00Z).")
    Instant failedAfter;

    @Option(names = "--failed-before", paramLabel = "<time>",
            description = "Only failures given up before this ISO-8601 time.")
    Instant failedBefore;

    @Option(names = "--include-replayed", description = "Also failures already marked replayed.")
    boolean includeReplayed;

    @Option(names = "--mark-replayed", description = "Mark each failure replayed once its line is printed.")
    boolean markReplayed;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private final PrintStream out;
    private final PrintStream err;

    ReplayFailuresCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        SdkEventLoopGroup eventLoops = SdkEventLoopGroup.builder().numberOfThreads(1).build();
        try (DynamoDbAsyncClient dynamoDb = TailCommand.configure(DynamoDbAsyncClient.builder(), endpoint, region,
                eventLoops).build()) {
            return replay(options(dynamoDb));
        } finally {
            eventLoops.eventLoopGroup().shutdownGracefully(0, 2000, TimeUnit.MILLISECONDS).awaitUninterruptibly(2000);
        }
    }

    private FailureReplayOptions options(DynamoDbAsyncClient dynamoDb) {
        FailureReplayOptions.Builder options = FailureReplayOptions.builder().includeReplayed(includeReplayed);
        try {
            options.client(dynamoDb).tableName(failureTable);
            if (streamArn != null) {
                options.streamArn(streamArn);
            }
            if (shardId != null) {
                options.shardId(shardId);
            }
            if (!reasons.isEmpty()) {
                options.reasons(Set.copyOf(reasons));
            }
            if (failedAfter != null) {
                options.failedAfter(failedAfter);
            }
            if (failedBefore != null) {
                options.failedBefore(failedBefore);
            }
            return options.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            // the options' own message names the option: say it in the tool's terms
            throw new ParameterException(spec.commandLine(), "Invalid arguments: " + e.getMessage());
        }
    }

    private int replay(FailureReplayOptions options) {
        AtomicLong printed = new AtomicLong();
        try {
            FailureReplay.create(options).failures()
                    .concatMap(failure -> {
                        out.println(line(failure));
                        out.flush();
                        printed.incrementAndGet();
                        return markReplayed ? failure.record().checkpoint().commit() : Flux.empty();
                    })
                    .blockLast();
        } catch (RuntimeException e) {
            err.println("replay-failures: " + TailCommand.describe(Exceptions.unwrap(e)));
            return Tail.EXIT_FAILURE;
        }
        err.println("replay-failures: " + printed.get() + " failure(s)" + (markReplayed ? " marked replayed" : ""));
        return Tail.EXIT_OK;
    }

    /** One failure as a JSON line: its position, why it failed, its replays and the record as Lambda sees it. */
    static String line(StoredFailure failure) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("shardId", failure.record().shardId());
        line.put("sequenceNumber", failure.record().sequenceNumber());
        line.put("reason", failure.reason().name());
        line.put("errorType", failure.errorType());
        line.put("errorMessage", failure.errorMessage());
        line.put("attempts", failure.attempts());
        line.put("failedAt", failure.failedAt().toString());
        line.put("replayedAt", failure.replayedAt() == null ? null : failure.replayedAt().toString());
        line.put("replayCount", failure.replayCount());
        try {
            line.put("record", JSON.readTree(failure.record().toLambdaEventJson()));
            return JSON.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write failure " + failure + " as JSON", e);
        }
    }
}
