package io.github.ddbstreams.samples.tail;

import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.migration.KclImportOptions;
import io.github.ddbstreams.migration.KclLeaseTableImport;
import io.github.ddbstreams.operators.filter.FilterCriteria;
import io.github.ddbstreams.operators.filter.Filters;
import io.github.ddbstreams.operators.filter.InvalidFilterPatternException;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StartPosition;
import io.github.ddbstreams.receiver.StreamUnavailableException;
import io.github.ddbstreams.record.ChangeRecord;
import picocli.AutoComplete;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.builder.SdkAsyncClientBuilder;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/** The options of {@link Tail} and the run of one tail: parse, check, read, print. */
@Command(name = "ddb-tail", sortOptions = false, usageHelpAutoWidth = true,
        // `ddb-tail generate-completion` prints a bash/zsh completion script (a help command: no --table needed)
        subcommands = AutoComplete.GenerateCompletion.class,
        description = {
            "Prints the records of a DynamoDB stream as JSON lines on stdout, like kcat -C for a Kafka topic.",
            "Logs and errors go to stderr. Exit code: 0 at the normal end (--count, --idle-timeout, Ctrl-C),"
                    + " 1 on a runtime error, 2 on bad arguments."})
final class TailCommand implements Callable<Integer> {

    /** The credentials used against an {@code --endpoint} when none are configured (DynamoDB Local accepts any). */
    static final String DUMMY_CREDENTIAL = "dummy";
    /** The region used against an {@code --endpoint} when none is configured. */
    static final Region DEFAULT_ENDPOINT_REGION = Region.US_EAST_1;

    // One loop: a few connections at most, and no hand-off between loops while they close at the end.
    private static final int EVENT_LOOP_THREADS = 1;
    private static final Duration EVENT_LOOP_SHUTDOWN = Duration.ofSeconds(2);

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    /** Exactly one of the two. */
    static final class Source {
        @Option(names = "--table", paramLabel = "<name>", required = true,
                description = "Read the latest stream of this table.")
        String table;

        @Option(names = "--stream-arn", paramLabel = "<arn>", required = true,
                description = "Read this stream (e.g. an older stream of a table).")
        String streamArn;
    }

    @Option(names = "--endpoint", paramLabel = "<url>",
            description = {"DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local. Without it the SDK's"
                    + " default endpoint, region and credentials chain are used. With it, credentials come from"
                    + " system properties, the environment or the profile file, else dummy ones; the region from"
                    + " --region, aws.region/AWS_REGION or the profile, else us-east-1."})
    URI endpoint;

    @Option(names = "--streams-endpoint", paramLabel = "<url>",
            description = "DynamoDB Streams endpoint, when it differs from --endpoint (on AWS it does:"
                    + " streams.dynamodb.<region>.amazonaws.com). Default: --endpoint.")
    URI streamsEndpoint;

    @Option(names = "--region", paramLabel = "<region>", description = "AWS region, e.g. eu-west-1.")
    String region;

    @Option(names = "--from", paramLabel = "<position>", defaultValue = "trim-horizon",
            converter = Converters.StartPositionConverter.class,
            description = {"Where to start: trim-horizon (the oldest record, default), latest (only later"
                    + " changes), an ISO-8601 time (2025-01-31T12:00:00Z) or a duration ago (10m, PT1H)."})
    StartPosition from;

    @Option(names = "--format", paramLabel = "<format>", defaultValue = "lambda",
            description = {"lambda (default): the record as a Lambda function receives it;"
                    + " image: the new image as plain JSON (null for a REMOVE); keys: the keys as plain JSON."
                    + " Plain JSON: numbers as numbers, sets as arrays, binary as base64."})
    RecordFormat format;

    @Option(names = "--filter", paramLabel = "<pattern>",
            description = {"A Lambda event-filtering pattern (JSON), e.g."
                    + " '{\"eventName\":[\"INSERT\"],\"dynamodb\":{\"NewImage\":{\"status\":{\"S\":[\"PAID\"]}}}}'."
                    + " Repeat to print records matching any of them."})
    List<String> filters = List.of();

    @Option(names = "--count", paramLabel = "<n>", description = "Stop after printing this many records.")
    Long count;

    @Option(names = "--idle-timeout", paramLabel = "<duration>", converter = Converters.DurationConverter.class,
            description = "Stop when no record was printed for this long (e.g. 5s, PT1M).")
    Duration idleTimeout;

    @Option(names = "--creation-time-precision", paramLabel = "<duration>",
            converter = Converters.DurationConverter.class,
            description = "Precision of the records' creation times, used by --from <time>: 1s on AWS (default),"
                    + " PT1M for DynamoDB Local, which truncates them to the minute.")
    Duration creationTimePrecision = ReceiverOptions.DEFAULT_CREATION_TIME_PRECISION;

    @Option(names = "--poll-interval", paramLabel = "<duration>", converter = Converters.DurationConverter.class,
            description = "Longest pause between polls of an idle shard (the pauses after records start at 1/8 of it). Default: 250ms.")
    Duration pollInterval = ReceiverOptions.DEFAULT_POLL_INTERVAL;

    @Option(names = "--max-retries", paramLabel = "<n>", defaultValue = "10",
            description = "Retries of a throttled or failing call (5xx, I/O) before the tool gives up with exit"
                    + " code 1; backoff 100 ms doubling to 10 s, so 10 (default) rides out about 45 s of outage.")
    long maxRetries;

    @Option(names = "--from-kcl-lease-table", paramLabel = "<table>",
            description = {"Start every shard right after the checkpoint a KCL application (with the DynamoDB"
                    + " Streams Kinesis adapter) left in this lease table, usually named after the application."
                    + " Refuses while the KCL still runs. Shards the KCL never started begin at --from."})
    String kclLeaseTable;

    @Option(names = "--dry-run",
            description = "With --from-kcl-lease-table: print where every shard would resume, read nothing, and exit.")
    boolean dryRun;

    @Option(names = "--kcl-observation-window", paramLabel = "<duration>", converter = Converters.DurationConverter.class,
            description = "With --from-kcl-lease-table: how long to watch the lease counters for a running KCL"
                    + " (at least its failover time). Default: 20s.")
    Duration kclObservationWindow = KclImportOptions.DEFAULT_OBSERVATION_WINDOW;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private final PrintStream out;
    private final PrintStream err;
    private final Mono<Void> stop;

    TailCommand(PrintStream out, PrintStream err, Mono<Void> stop) {
        this.out = out;
        this.err = err;
        this.stop = stop;
    }

    @Override
    public Integer call() {
        FilterCriteria criteria = checkArguments();
        ReceiverOptions.Builder options = ReceiverOptions.builder()
                .startPosition(from)
                .creationTimePrecision(creationTimePrecision)
                .pollInterval(pollInterval)
                .maxRetries(maxRetries);
        if (source.table != null) {
            options.tableName(source.table);
        } else {
            options.streamArn(source.streamArn);
        }
        ReceiverOptions receiverOptions = buildOptions(options);

        // One event loop group for both clients, owned here: the SDK's own shutdown of a group it created waits
        // a 2 s quiet period, which a console tool would show as a pause before every exit.
        SdkEventLoopGroup eventLoops = SdkEventLoopGroup.builder().numberOfThreads(EVENT_LOOP_THREADS).build();
        try (DynamoDbAsyncClient dynamoDb = configure(DynamoDbAsyncClient.builder(), endpoint, eventLoops).build();
             DynamoDbStreamsAsyncClient streams = configure(DynamoDbStreamsAsyncClient.builder(),
                     streamsEndpoint != null ? streamsEndpoint : endpoint, eventLoops).build()) {
            ReceiverOptions.Builder withClients = receiverOptions.toBuilder().dynamoDbClient(dynamoDb).streamsClient(streams);
            if (kclLeaseTable != null) {
                KclLeaseTableImport kcl = KclLeaseTableImport.create(KclImportOptions.builder().client(dynamoDb)
                        .streamsClient(streams).leaseTableName(kclLeaseTable).observationWindow(kclObservationWindow)
                        .build());
                if (dryRun) {
                    return printPlan(kcl, dynamoDb);
                }
                // the tool keeps no checkpoints: each run starts from the KCL's
                withClients.checkpointStore(kcl.seeding(CheckpointStore.inMemory()));
            }
            return tail(withClients.build(), criteria);
        } finally {
            eventLoops.eventLoopGroup().shutdownGracefully(0, EVENT_LOOP_SHUTDOWN.toMillis(), TimeUnit.MILLISECONDS)
                    .awaitUninterruptibly(EVENT_LOOP_SHUTDOWN.toMillis());
        }
    }

    private int tail(ReceiverOptions options, FilterCriteria criteria) {
        err.println("tail: reading " + (source.table != null ? "table '" + source.table + "'" : source.streamArn)
                + " from " + from + (endpoint != null ? " at " + endpoint : "") + "; Ctrl-C to stop");
        AtomicLong printed = new AtomicLong();
        Flux<ChangeRecord> records = DynamoDbStreamsReceiver.create(options).receive();
        if (criteria != null) {
            records = records.transform(Filters.matching(criteria));
        }
        if (idleTimeout != null) {
            records = records.timeout(idleTimeout, Flux.defer(() -> {
                err.println("tail: no record for " + idleTimeout + ", stopping");
                return Flux.empty();
            }));
        }
        if (count != null) {
            records = records.take(count);
        }
        try {
            records.takeUntilOther(stop)
                    .doOnNext(record -> {
                        out.println(format.format(record));
                        out.flush();
                        printed.incrementAndGet();
                        record.checkpoint().acknowledge();
                    })
                    .blockLast();
        } catch (RuntimeException e) {
            err.println("tail: " + describe(Exceptions.unwrap(e)));
            return Tail.EXIT_FAILURE;
        }
        err.println("tail: " + printed.get() + " record(s)");
        return Tail.EXIT_OK;
    }

    /** {@code --dry-run}: the KCL import plan on stdout. */
    private int printPlan(KclLeaseTableImport kcl, DynamoDbAsyncClient dynamoDb) {
        try {
            Mono<String> arn = source.streamArn != null ? Mono.just(source.streamArn)
                    : Mono.fromFuture(() -> dynamoDb.describeTable(r -> r.tableName(source.table)))
                            .flatMap(response -> Mono.justOrEmpty(response.table().latestStreamArn()))
                            .switchIfEmpty(Mono.error(() -> new IllegalStateException(
                                    "table '" + source.table + "' has no stream")));
            out.println(arn.flatMap(kcl::plan).block().describe());
            out.flush();
            return Tail.EXIT_OK;
        } catch (RuntimeException e) {
            err.println("tail: " + describe(Exceptions.unwrap(e)));
            return Tail.EXIT_FAILURE;
        }
    }

    /** Checks the rules between options that picocli cannot; returns the parsed filters, or null for none. */
    private FilterCriteria checkArguments() {
        if (count != null && count < 1) {
            throw invalid("--count", "must be at least 1, was " + count);
        }
        requirePositive(idleTimeout, "--idle-timeout");
        requirePositive(creationTimePrecision, "--creation-time-precision");
        if (maxRetries < 0) {
            throw invalid("--max-retries", "must not be negative, was " + maxRetries);
        }
        if (pollInterval.isNegative()) {
            throw invalid("--poll-interval", "must not be negative, was " + pollInterval);
        }
        if (dryRun && kclLeaseTable == null) {
            throw invalid("--dry-run", "needs --from-kcl-lease-table");
        }
        if (kclObservationWindow.isNegative()) {
            throw invalid("--kcl-observation-window", "must not be negative, was " + kclObservationWindow);
        }
        if (endpoint != null) {
            requireHttpUrl(endpoint, "--endpoint");
        }
        if (streamsEndpoint != null) {
            requireHttpUrl(streamsEndpoint, "--streams-endpoint");
        }
        if (filters.isEmpty()) {
            return null;
        }
        try {
            return FilterCriteria.parse(filters.toArray(String[]::new));
        } catch (InvalidFilterPatternException e) {
            throw invalid("--filter", e.getMessage());
        }
    }

    private ReceiverOptions buildOptions(ReceiverOptions.Builder options) {
        try {
            return options.build();
        } catch (IllegalArgumentException e) {
            // The receiver's own checks of the table name and stream ARN, said in the tool's terms.
            String option = source.table != null ? "--table" : "--stream-arn";
            throw invalid(option, e.getMessage());
        }
    }

    private <B extends AwsClientBuilder<B, ?> & SdkAsyncClientBuilder<B, ?>> B configure(B builder, URI endpointOverride,
            SdkEventLoopGroup eventLoops) {
        return configure(builder, endpointOverride, region, eventLoops);
    }

    /** A client builder for {@code endpointOverride} (or the SDK's defaults) on the given event loops; shared with {@link ReplayFailuresCommand}. */
    static <B extends AwsClientBuilder<B, ?> & SdkAsyncClientBuilder<B, ?>> B configure(B builder, URI endpointOverride,
            String region, SdkEventLoopGroup eventLoops) {
        if (region != null) {
            builder.region(Region.of(region));
        }
        if (endpointOverride != null) {
            builder.endpointOverride(endpointOverride);
            if (region == null) {
                builder.region(endpointRegion());
            }
            builder.credentialsProvider(AwsCredentialsProviderChain.builder()
                    .reuseLastProviderEnabled(true)
                    .credentialsProviders(
                            SystemPropertyCredentialsProvider.create(),
                            EnvironmentVariableCredentialsProvider.create(),
                            ProfileCredentialsProvider.create(),
                            StaticCredentialsProvider.create(
                                    AwsBasicCredentials.create(DUMMY_CREDENTIAL, DUMMY_CREDENTIAL)))
                    .build());
        }
        // Explicit, so another async HTTP client on the classpath cannot make the SDK's choice ambiguous.
        return builder.httpClientBuilder(NettyNioAsyncHttpClient.builder().eventLoopGroup(eventLoops));
    }

    /*
     * Against an explicit endpoint (usually DynamoDB Local) the region is only a signing detail: look where a
     * user configures one, but not at the EC2 metadata service, whose probe costs seconds off EC2.
     */
    private static Region endpointRegion() {
        try {
            return new AwsRegionProviderChain(new SystemSettingsRegionProvider(), new AwsProfileRegionProvider())
                    .getRegion();
        } catch (SdkClientException notConfigured) {
            return DEFAULT_ENDPOINT_REGION;
        }
    }

    /** The failure in one line: its message, then its causes' where they add something. */
    static String describe(Throwable e) {
        if (e instanceof StreamUnavailableException) {
            return e.getMessage(); // the receiver's message names the table or stream and says what to do
        }
        String message = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        Throwable cause = e.getCause();
        if (cause == null || cause == e) {
            return message;
        }
        String causeText = describe(cause);
        return message.contains(causeText) ? message : message + ": " + causeText;
    }

    private void requirePositive(Duration duration, String option) {
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            throw invalid(option, "must be positive, was " + duration);
        }
    }

    private void requireHttpUrl(URI uri, String option) {
        if (uri.getScheme() == null || !uri.getScheme().matches("(?i)https?") || uri.getHost() == null) {
            throw invalid(option, "must be an http(s) URL like http://127.0.0.1:8000, was '" + uri + "'");
        }
    }

    private ParameterException invalid(String option, String problem) {
        return new ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': " + problem);
    }
}
