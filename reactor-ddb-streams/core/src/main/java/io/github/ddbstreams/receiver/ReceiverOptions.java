package io.github.ddbstreams.receiver;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.function.Consumer;

import io.github.ddbstreams.RetryOptions;
import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.internal.DynamoDbTables;
import io.github.ddbstreams.internal.OptionsSupport;
import io.github.ddbstreams.lease.LeaseOptions;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * Immutable configuration of a {@link DynamoDbStreamsReceiver}.
 *
 * <p>Exactly one of {@link #tableName()} (the receiver reads the table's latest stream) and
 * {@link #streamArn()} is required. Clients that are not given are created by the receiver with the SDK's
 * default configuration (netty-nio client, default credentials and region; the streams client with
 * {@link #maxConcurrentCalls()} + {@link #DISCOVERY_CONNECTIONS} connections) and closed when its Flux
 * terminates; clients that are given are never closed by the receiver.
 *
 * <pre>{@code
 * ReceiverOptions options = ReceiverOptions.builder()
 *     .streamsClient(streams)
 *     .dynamoDbClient(dynamoDb)
 *     .tableName("Orders")
 *     .startPosition(StartPosition.trimHorizon())
 *     .checkpointStore(store)
 *     .build();
 * }</pre>
 */
public final class ReceiverOptions {

    /**
     * Pause between GetRecords calls on a shard that keeps returning no records: 250 ms (at most 4 calls/s per
     * idle shard). See {@link Builder#pollInterval(Duration)}.
     */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(250);
    /**
     * The default {@link #minPollInterval()} is the poll interval divided by this: 8, so 31.25 ms with the
     * default poll interval (the pauses after a burst are then 31, 62, 125, 250, 250, … ms).
     */
    public static final int DEFAULT_MIN_POLL_INTERVAL_DIVISOR = 8;
    /** Records asked for per GetRecords call: 1000, the API's maximum. */
    public static final int DEFAULT_MAX_RECORDS_PER_REQUEST = 1000;
    /** Period of shard discovery (DescribeStream): 30 s. A shard reaching its end also triggers one. */
    public static final Duration DEFAULT_SHARD_DISCOVERY_INTERVAL = Duration.ofSeconds(30);
    /** Period of checkpoint commits: 5 s. */
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(5);
    /** Retries of a throttled or failed (5xx, I/O) call before the Flux errors: unlimited. */
    public static final long DEFAULT_MAX_RETRIES = Long.MAX_VALUE;
    /** First retry backoff: 100 ms, doubled each attempt, with jitter. */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
    /** Largest retry backoff: 10 s. */
    public static final Duration DEFAULT_MAX_RETRY_BACKOFF = Duration.ofSeconds(10);
    /** Precision of {@code ApproximateCreationDateTime} on AWS: 1 s (DynamoDB Local: 1 minute). */
    public static final Duration DEFAULT_CREATION_TIME_PRECISION = Duration.ofSeconds(1);
    /** Start position of shards without checkpoint: the oldest record in the stream. */
    public static final StartPosition DEFAULT_START_POSITION = StartPosition.trimHorizon();
    /** Trimmed data fails the Flux. */
    public static final TrimmedDataPolicy DEFAULT_TRIMMED_DATA_POLICY = TrimmedDataPolicy.FAIL;
    /** Default {@link #pacing()}. */
    public static final Pacing DEFAULT_PACING = Pacing.COST_AWARE;
    /** Default {@link #idlePollInterval()}: 0.5 calls/s per idle shard. */
    public static final Duration DEFAULT_IDLE_POLL_INTERVAL = Duration.ofSeconds(2);
    /** Default {@link #idleAfter()}. */
    public static final Duration DEFAULT_IDLE_AFTER = Duration.ofSeconds(30);
    /** Default {@link #maxUnacknowledgedPerShard()}: ten full pages. */
    public static final int DEFAULT_MAX_UNACKNOWLEDGED_PER_SHARD = 10_000;
    /** Default {@link #iteratorRefreshInterval()}: well before the service's 15-minute iterator expiry. */
    public static final Duration DEFAULT_ITERATOR_REFRESH_INTERVAL = Duration.ofMinutes(10);
    /** Default {@link #startupTimeout()}. */
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);
    /**
     * Connections a streams client needs beyond {@link #maxConcurrentCalls()}: the DescribeStream calls of shard
     * discovery (the periodic listing, and the children of a shard that reached its end), which are not
     * counted against {@code maxConcurrentCalls}. 2.
     */
    public static final int DISCOVERY_CONNECTIONS = 2;
    /**
     * Default {@link #maxConcurrentCalls()}: 48, the SDK netty client's default {@code maxConcurrency} (50
     * connections) less {@link #DISCOVERY_CONNECTIONS}, so that with a default client no call of the receiver
     * waits for a pooled connection.
     */
    public static final int DEFAULT_MAX_CONCURRENT_CALLS = 48;
    /** Shard iterators expire after 15 minutes: a refresh must come before. */
    static final Duration ITERATOR_LIFETIME = Duration.ofMinutes(15);

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;
    private final Duration minPollInterval;

    private ReceiverOptions(Builder b) {
        this.s = b.copy();
        this.minPollInterval = b.minPollInterval != null ? b.minPollInterval
                : b.pollInterval.dividedBy(DEFAULT_MIN_POLL_INTERVAL_DIVISOR);
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        return s.copy();
    }

    /** The streams client, or {@code null} when the receiver creates its own. */
    public DynamoDbStreamsAsyncClient streamsClient() {
        return s.streamsClient;
    }

    /** The DynamoDB client used to resolve {@link #tableName()}, or {@code null}. */
    public DynamoDbAsyncClient dynamoDbClient() {
        return s.dynamoDbClient;
    }

    /** The table whose latest stream is read, or {@code null} when {@link #streamArn()} is set. */
    public String tableName() {
        return s.tableName;
    }

    /** The stream read, or {@code null} when {@link #tableName()} is set. */
    public String streamArn() {
        return s.streamArn;
    }

    /** Where shards without checkpoint start. */
    public StartPosition startPosition() {
        return s.startPosition;
    }

    /** Where checkpoints are kept, or {@code null} for an in-memory store owned by the receiver. */
    public CheckpointStore checkpointStore() {
        return s.checkpointStore;
    }

    /**
     * The longest pause after an empty GetRecords response: the polling period of an idle shard. See
     * {@link Builder#pollInterval(Duration)}.
     */
    public Duration pollInterval() {
        return s.pollInterval;
    }

    /**
     * The first pause after an empty GetRecords response that follows records; each further empty response
     * doubles the pause up to {@link #pollInterval()}. Never above {@link #pollInterval()}. See
     * {@link Builder#minPollInterval(Duration)}.
     */
    public Duration minPollInterval() {
        return minPollInterval;
    }

    /** The {@code Limit} of each GetRecords call (1..1000): also the most records buffered per shard. */
    public int maxRecordsPerRequest() {
        return s.maxRecordsPerRequest;
    }

    /** How a shard that is not behind is polled: {@link Pacing#COST_AWARE} (default) or {@link Pacing#LOW_LATENCY}. */
    public Pacing pacing() {
        return s.pacing;
    }

    /** {@link Pacing#COST_AWARE}: the polling period of a shard that returned no record for {@link #idleAfter()}. */
    public Duration idlePollInterval() {
        return s.idlePollInterval;
    }

    /**
     * {@link Pacing#COST_AWARE}: how long a shard returns no record before it is polled every {@link
     * #idlePollInterval()}.
     */
    public Duration idleAfter() {
        return s.idleAfter;
    }

    /**
     * The most records of one shard read and not yet acknowledged: at this bound the shard stops fetching
     * until acknowledgements make room for a page. See {@link Builder#maxUnacknowledgedPerShard(int)}.
     */
    public int maxUnacknowledgedPerShard() {
        return s.maxUnacknowledgedPerShard;
    }

    /**
     * How old the iterator of a LATEST shard with nothing read yet may grow while downstream has no demand
     * before it is refreshed by a GetRecords call. See {@link Builder#iteratorRefreshInterval(Duration)}.
     */
    public Duration iteratorRefreshInterval() {
        return s.iteratorRefreshInterval;
    }

    /**
     * How long a subscription may go without a single successful call to the streams service before it
     * fails. See {@link Builder#startupTimeout(Duration)}.
     */
    public Duration startupTimeout() {
        return s.startupTimeout;
    }

    /**
     * The most GetShardIterator and GetRecords calls of one subscription in flight at once, over all its
     * shards. See {@link Builder#maxConcurrentCalls(int)}.
     */
    public int maxConcurrentCalls() {
        return s.maxConcurrentCalls;
    }

    /** Period of DescribeStream calls that find new shards. */
    public Duration shardDiscoveryInterval() {
        return s.shardDiscoveryInterval;
    }

    /** Period of checkpoint commits. */
    public Duration commitInterval() {
        return s.commitInterval;
    }

    /** Retries of a throttled or failing call before the Flux errors ({@link #retry()}'s). */
    public long maxRetries() {
        return s.retryOptions.maxRetries();
    }

    /** First retry backoff ({@link #retry()}'s). */
    public Duration retryBackoff() {
        return s.retryOptions.retryBackoff();
    }

    /** Largest retry backoff ({@link #retry()}'s). */
    public Duration maxRetryBackoff() {
        return s.retryOptions.maxRetryBackoff();
    }

    /**
     * How throttled and failed (5xx, timeout, I/O) calls to DynamoDB Streams are retried before the Flux errors;
     * by default without limit, from 100 ms to 10 s.
     *
     * <pre>{@code
     * options.toBuilder().retry(options.retry().toBuilder().maxRetries(10).build()).build();
     * }</pre>
     */
    public RetryOptions retry() {
        return s.retryOptions;
    }

    /** What to do when records were trimmed before they were read. */
    public TrimmedDataPolicy trimmedDataPolicy() {
        return s.trimmedDataPolicy;
    }

    /** Called (on a receiver thread; must not block) for every gap of trimmed records. */
    public Consumer<TrimmedDataEvent> trimmedDataListener() {
        return s.trimmedDataListener;
    }

    /** The precision of {@code ApproximateCreationDateTime}, used by {@link StartPosition#atTimestamp}. */
    public Duration creationTimePrecision() {
        return s.creationTimePrecision;
    }

    /** The scheduler of timers (poll pauses, retries, discovery, commits). Tests pass virtual time here. */
    public Scheduler scheduler() {
        return s.scheduler;
    }

    /**
     * Whether a disabled stream, once every record it held was delivered, completes the Flux (for reading
     * what is left of an old stream) instead of ending it with a {@link StreamUnavailableException}
     * (the default).
     */
    public boolean completeWhenStreamDisabled() {
        return s.completeWhenStreamDisabled;
    }

    /**
     * How this receiver shares the stream with other workers, or {@code null} when it reads every shard
     * alone. With leases, checkpoints are kept in the lease table.
     */
    public LeaseOptions leases() {
        return s.leases;
    }

    /**
     * Where the receiver's meters go ({@code ddb.streams.*}, see
     * {@link io.github.ddbstreams.metrics.DynamoDbStreamsMeters}), or {@code null} for none. Micrometer is an
     * optional dependency: without a registry no Micrometer class is loaded.
     */
    public MeterRegistry meterRegistry() {
        return s.meterRegistry;
    }

    /**
     * The price of one million GetRecords requests (streams read request units), or empty (the default) for
     * no cost estimate. See {@link Builder#readRequestPricePerMillion(double)}.
     */
    public OptionalDouble readRequestPricePerMillion() {
        return s.readRequestPricePerMillion;
    }

    @Override
    public String toString() {
        return "ReceiverOptions{"
                + (s.tableName != null ? "tableName=" + s.tableName : "streamArn=" + s.streamArn)
                + ", startPosition=" + s.startPosition
                + ", checkpointStore=" + (s.checkpointStore == null ? "in-memory" : s.checkpointStore.getClass().getSimpleName())
                + ", pacing=" + s.pacing
                + (s.pacing == Pacing.LOW_LATENCY ? ", pollInterval=" + minPollInterval() + ".." + s.pollInterval
                        : ", pollInterval=" + s.pollInterval + ", idlePollInterval=" + s.idlePollInterval + " after " + s.idleAfter)
                + ", maxRecordsPerRequest=" + s.maxRecordsPerRequest
                + ", maxUnacknowledgedPerShard=" + s.maxUnacknowledgedPerShard
                + ", maxConcurrentCalls=" + s.maxConcurrentCalls
                + ", shardDiscoveryInterval=" + s.shardDiscoveryInterval
                + ", commitInterval=" + s.commitInterval
                + ", retry=" + s.retryOptions
                + ", trimmedDataPolicy=" + s.trimmedDataPolicy
                + ", creationTimePrecision=" + s.creationTimePrecision
                + ", completeWhenStreamDisabled=" + s.completeWhenStreamDisabled
                + ", startupTimeout=" + s.startupTimeout
                + (s.leases == null ? "" : ", leases=" + s.leases)
                + "}";
    }

    /** Builds {@link ReceiverOptions}; {@link #build()} checks every rule and names the offending option. */
    public static final class Builder implements Cloneable {
        private DynamoDbStreamsAsyncClient streamsClient;
        private DynamoDbAsyncClient dynamoDbClient;
        private String tableName;
        private String streamArn;
        private StartPosition startPosition = DEFAULT_START_POSITION;
        private CheckpointStore checkpointStore;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private Duration minPollInterval;
        private int maxRecordsPerRequest = DEFAULT_MAX_RECORDS_PER_REQUEST;
        private Duration shardDiscoveryInterval = DEFAULT_SHARD_DISCOVERY_INTERVAL;
        private Duration commitInterval = DEFAULT_COMMIT_INTERVAL;
        private RetryOptions.Builder retry = RetryOptions.builder().maxRetries(DEFAULT_MAX_RETRIES)
                .retryBackoff(DEFAULT_RETRY_BACKOFF).maxRetryBackoff(DEFAULT_MAX_RETRY_BACKOFF);
        private RetryOptions retryOptions;
        private TrimmedDataPolicy trimmedDataPolicy = DEFAULT_TRIMMED_DATA_POLICY;
        private Consumer<TrimmedDataEvent> trimmedDataListener = event -> { };
        private Duration creationTimePrecision = DEFAULT_CREATION_TIME_PRECISION;
        private int maxUnacknowledgedPerShard = DEFAULT_MAX_UNACKNOWLEDGED_PER_SHARD;
        private Pacing pacing = DEFAULT_PACING;
        private Duration idlePollInterval = DEFAULT_IDLE_POLL_INTERVAL;
        private Duration idleAfter = DEFAULT_IDLE_AFTER;
        private Duration iteratorRefreshInterval = DEFAULT_ITERATOR_REFRESH_INTERVAL;
        private Duration startupTimeout = DEFAULT_STARTUP_TIMEOUT;
        private int maxConcurrentCalls = DEFAULT_MAX_CONCURRENT_CALLS;
        private Scheduler scheduler = Schedulers.parallel();
        private boolean completeWhenStreamDisabled;
        private LeaseOptions leases;
        private MeterRegistry meterRegistry;
        private OptionalDouble readRequestPricePerMillion = OptionalDouble.empty();

        private Builder() {
        }

        /** A copy of this builder: the state options keep, and what {@code toBuilder()} hands out. */
        private Builder copy() {
            Builder c = OptionsSupport.copy(this::clone);
            c.retry = retryOptions.toBuilder();
            return c;
        }

        /** Registers the receiver's meters ({@code ddb.streams.*}, tagged with the table) in this registry. */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = meterRegistry;
            return this;
        }

        /**
         * The price of one million GetRecords requests in your currency, to show what polling costs: the
         * receiver then registers the gauge {@code ddb.streams.getrecords.cost.hourly} (tag {@code table}): the
         * GetRecords requests of the last minute, as a cost per hour at this price. Every GetRecords request
         * (retries included) is one billed streams read request unit on AWS, counted by
         * {@code ddb.streams.getrecords.calls} with or without a price; the AWS list price in us-east-1 is
         * 0.20 USD per million (0.02 per 100,000; the first 2.5 million a month per account and region are
         * free; check your region's price). Needs a {@link #meterRegistry(MeterRegistry) meterRegistry}. Must
         * be finite and &gt;= 0.
         *
         * <pre>{@code
         * ReceiverOptions.builder().tableName("Orders").meterRegistry(registry).readRequestPricePerMillion(0.20).build();
         * }</pre>
         */
        public Builder readRequestPricePerMillion(double readRequestPricePerMillion) {
            this.readRequestPricePerMillion = OptionalDouble.of(readRequestPricePerMillion);
            return this;
        }

        /**
         * Share the stream with other workers through leases (see {@link LeaseOptions}); the lease table then
         * keeps the checkpoints, so {@link #checkpointStore(CheckpointStore)} must not be set.
         */
        public Builder leases(LeaseOptions leases) {
            this.leases = leases;
            return this;
        }

        /**
         * Whether a disabled stream completes the Flux once all its records were delivered (see {@link
         * ReceiverOptions#completeWhenStreamDisabled()}); default {@code false}.
         */
        public Builder completeWhenStreamDisabled(boolean completeWhenStreamDisabled) {
            this.completeWhenStreamDisabled = completeWhenStreamDisabled;
            return this;
        }

        /** The streams client to use (not closed by the receiver). */
        public Builder streamsClient(DynamoDbStreamsAsyncClient streamsClient) {
            this.streamsClient = streamsClient;
            return this;
        }

        /** The DynamoDB client used to resolve a table name (not closed by the receiver). */
        public Builder dynamoDbClient(DynamoDbAsyncClient dynamoDbClient) {
            this.dynamoDbClient = dynamoDbClient;
            return this;
        }

        /** Read the latest stream of this table. */
        public Builder tableName(String tableName) {
            this.tableName = tableName;
            return this;
        }

        /** Read this stream. */
        public Builder streamArn(String streamArn) {
            this.streamArn = streamArn;
            return this;
        }

        /** Where shards without checkpoint start; default {@link StartPosition#trimHorizon()}. */
        public Builder startPosition(StartPosition startPosition) {
            this.startPosition = startPosition;
            return this;
        }

        /**
         * Where checkpoints are kept; default an in-memory store owned by the receiver. Not with {@link
         * #leases(LeaseOptions)}.
         */
        public Builder checkpointStore(CheckpointStore checkpointStore) {
            this.checkpointStore = checkpointStore;
            return this;
        }

        /**
         * The per-shard call budget (default 250 ms: 4 calls/s, Lambda's rate). With {@link Pacing#COST_AWARE},
         * after a partial or empty page the next GetRecords starts no sooner than
         * {@code pollInterval} after the previous one started; a full page is followed at once. With
         * {@link Pacing#LOW_LATENCY}, the longest pause after empty responses: a call that returns records is
         * followed at once, after an empty response the receiver pauses {@link #minPollInterval(Duration)
         * minPollInterval}, doubling per further empty response up to {@code pollInterval}.
         * {@link Duration#ZERO} never pauses (spins; for tests).
         */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        /**
         * {@link Pacing#LOW_LATENCY} only: the first pause after an empty GetRecords response that follows
         * records (see {@link #pollInterval(Duration)}); at most {@code pollInterval}. Default: {@code pollInterval / 8}
         * (31.25 ms with the default poll interval; measured in {@code benchmarks/README.md}: p50 latency
         * ~15 ms instead of ~90 ms with a fixed 250 ms pause, at the same idle cost). Set it equal to
         * {@code pollInterval} for a fixed pause after every empty response: fewest calls, latency up to one
         * {@code pollInterval}. Under steady traffic a shorter pause means more calls: roughly two per
         * {@code minPollInterval} plus the round trips (on DynamoDB Local at 200 writes/s: 1 ms → p50 1.5 ms and
         * ~450 calls/s, 31 ms → 15 ms and ~70 calls/s, 250 ms → 125 ms and ~10 calls/s; idle: 4 calls/s in
         * every case). Must be &gt; 0 unless {@code pollInterval} is zero.
         */
        public Builder minPollInterval(Duration minPollInterval) {
            this.minPollInterval = minPollInterval;
            return this;
        }

        /**
         * How a shard that is not behind is polled: {@link Pacing#COST_AWARE} (at most one call per
         * {@code pollInterval} under traffic, one per {@code idlePollInterval} when idle: the cheap choice on
         * AWS, where every GetRecords is billed; the default) or {@link Pacing#LOW_LATENCY} (at once after records,
         * short pauses after empty responses: lower latency for many more calls). A full page is
         * always followed at once by the next call. See {@link Pacing} for the trade-off.
         */
        public Builder pacing(Pacing pacing) {
            this.pacing = pacing;
            return this;
        }

        /**
         * {@link Pacing#COST_AWARE}: the polling period of a shard that returned no record for
         * {@link #idleAfter(Duration) idleAfter} (counted from its start for a new shard) (default 2 s: 0.5 billed
         * calls/s per idle shard). Must be &gt;= {@code pollInterval}.
         */
        public Builder idlePollInterval(Duration idlePollInterval) {
            this.idlePollInterval = idlePollInterval;
            return this;
        }

        /**
         * {@link Pacing#COST_AWARE}: how long a shard must return no record before it is polled every
         * {@code idlePollInterval} (default 30 s), so a shard with sparse writes stays responsive. Must be &gt;= 0.
         */
        public Builder idleAfter(Duration idleAfter) {
            this.idleAfter = idleAfter;
            return this;
        }

        /**
         * The most records of one shard read but not yet acknowledged (default 10,000). At this bound the shard
         * stops calling GetRecords until acknowledgements make room for a page, so memory stays bounded even
         * when a pipeline never acknowledges (a plain {@code filter} that drops records without acknowledging
         * them): that shard then stops after this many records, and a WARN names it after a minute. A shard's
         * children start only when all its records are acknowledged, so acknowledging every record, also the
         * ones a pipeline drops, is what keeps a stream moving. Each GetRecords asks for at most this many
         * records. Must be &gt;= 1.
         *
         * <pre>{@code
         * ReceiverOptions.builder().tableName("Orders").maxUnacknowledgedPerShard(2_000).build();
         * }</pre>
         */
        public Builder maxUnacknowledgedPerShard(int maxUnacknowledgedPerShard) {
            this.maxUnacknowledgedPerShard = maxUnacknowledgedPerShard;
            return this;
        }

        /**
         * A shard started at LATEST that has read nothing yet and whose subscriber has no demand keeps its
         * position by one GetRecords call (whose records are buffered, within the one-page bound) when its
         * iterator is this old (default 10 minutes); the service expires iterators after 15 minutes, and an
         * iterator renewed at LATEST would skip what was written meanwhile. Must be &gt; 0 and below 15 minutes.
         */
        public Builder iteratorRefreshInterval(Duration iteratorRefreshInterval) {
            this.iteratorRefreshInterval = iteratorRefreshInterval;
            return this;
        }

        /**
         * How long a subscription may go without one answer from DescribeStream (a page of the listing, or a
         * throttled answer: the service was reached) before it fails with a {@link StreamUnavailableException} of
         * reason {@code SERVICE_UNREACHABLE} naming the endpoint and the last failure (default 60 s). A wrong
         * endpoint or region otherwise retries forever. Once a call succeeded, outages are retried as
         * {@link #maxRetries(long)} says. Must be &gt; 0.
         */
        public Builder startupTimeout(Duration startupTimeout) {
            this.startupTimeout = startupTimeout;
            return this;
        }

        /**
         * The most GetShardIterator and GetRecords calls of one subscription in flight at once, over all its
         * shards (default {@value ReceiverOptions#DEFAULT_MAX_CONCURRENT_CALLS}). Shards beyond it wait for a
         * free slot in turn (round robin: a busy shard does not keep the others waiting), instead of queueing
         * one call per shard on the client's connection pool, where calls that wait longer than the client's
         * {@code connectionAcquisitionTimeout} (netty default 10 s) fail. A call keeps its slot through its
         * retries. Keep it at most the streams client's {@code maxConcurrency} less
         * {@link ReceiverOptions#DISCOVERY_CONNECTIONS} (less what else shares the client); a client the
         * receiver creates itself is sized to it. A worker's read rate is at most
         * {@code maxConcurrentCalls / call latency} calls per second (48 slots at 20 ms: 2,400 calls/s), so a
         * worker holding many busy shards needs more of both: see the README, "Many shards". Must be &gt;= 1.
         *
         * <pre>{@code
         * DynamoDbStreamsAsyncClient streams = DynamoDbStreamsAsyncClient.builder()
         *     .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(200))
         *     .build();
         * ReceiverOptions.builder().streamsClient(streams).tableName("Orders")
         *     .maxConcurrentCalls(200 - ReceiverOptions.DISCOVERY_CONNECTIONS).build();
         * }</pre>
         */
        public Builder maxConcurrentCalls(int maxConcurrentCalls) {
            this.maxConcurrentCalls = maxConcurrentCalls;
            return this;
        }

        /** The {@code Limit} of each GetRecords call, 1..1000; default 1000. */
        public Builder maxRecordsPerRequest(int maxRecordsPerRequest) {
            this.maxRecordsPerRequest = maxRecordsPerRequest;
            return this;
        }

        /**
         * The period of shard discovery (DescribeStream, every page); &gt; 0; default 30 s. A stream whose listing
         * takes more pages than half this many seconds (24 h of closed shards, 100 per page) is listed once every two
         * seconds per page instead, so listings never take more than half a call per second of DescribeStream's 10
         * (an INFO line says so; the children queries at shard ends come on top, one per shard end). Shard ends do not
         * wait for it: a reader asks for its shard's children at once.
         */
        public Builder shardDiscoveryInterval(Duration shardDiscoveryInterval) {
            this.shardDiscoveryInterval = shardDiscoveryInterval;
            return this;
        }

        /** The period of checkpoint commits; &gt; 0; default 5 s. */
        public Builder commitInterval(Duration commitInterval) {
            this.commitInterval = commitInterval;
            return this;
        }

        /** Retries of a throttled or failing call before the Flux errors; &gt;= 0; default unlimited. */
        public Builder maxRetries(long maxRetries) {
            this.retry.maxRetries(maxRetries);
            return this;
        }

        /** The first retry backoff, doubled on each further retry; &gt; 0; default 100 ms. */
        public Builder retryBackoff(Duration retryBackoff) {
            this.retry.retryBackoff(retryBackoff);
            return this;
        }

        /** The largest retry backoff; not below {@code retryBackoff}; default 10 s. */
        public Builder maxRetryBackoff(Duration maxRetryBackoff) {
            this.retry.maxRetryBackoff(maxRetryBackoff);
            return this;
        }

        /**
         * How throttled and failed calls are retried (replaces {@code maxRetries}, {@code retryBackoff} and
         * {@code maxRetryBackoff}, which later calls change in turn); the backoff must be positive; default:
         * unlimited retries from 100 ms to 10 s.
         *
         * <pre>{@code
         * builder.retry(RetryOptions.builder().maxRetries(20).maxRetryBackoff(Duration.ofSeconds(30)).build());
         * }</pre>
         */
        public Builder retry(RetryOptions retry) {
            this.retry = Objects.requireNonNull(retry, "retry").toBuilder();
            return this;
        }

        /** What to do when records were trimmed before they were read; default {@link TrimmedDataPolicy#FAIL}. */
        public Builder trimmedDataPolicy(TrimmedDataPolicy trimmedDataPolicy) {
            this.trimmedDataPolicy = trimmedDataPolicy;
            return this;
        }

        /** Called for every gap of trimmed records (on a receiver thread; must not block); default does nothing. */
        public Builder trimmedDataListener(Consumer<TrimmedDataEvent> trimmedDataListener) {
            this.trimmedDataListener = trimmedDataListener;
            return this;
        }

        /**
         * The precision of {@code ApproximateCreationDateTime}, used by {@link StartPosition#atTimestamp}; &gt; 0;
         * default 1 s.
         */
        public Builder creationTimePrecision(Duration creationTimePrecision) {
            this.creationTimePrecision = creationTimePrecision;
            return this;
        }

        /**
         * The scheduler of timers (poll pauses, retries, discovery, commits); default {@code Schedulers.parallel()};
         * tests pass virtual time here.
         */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /**
         * Builds the options.
         *
         * @throws IllegalArgumentException naming the option that breaks a rule
         * @throws NullPointerException naming a required option that is null
         */
        public ReceiverOptions build() {
            if ((tableName == null) == (streamArn == null)) {
                throw new IllegalArgumentException("exactly one of tableName and streamArn must be set, "
                        + (tableName == null ? "neither was" : "both were"));
            }
            if (tableName != null) {
                DynamoDbTables.requireValidTableName(tableName, "tableName");
            }
            if (streamArn != null && !streamArn.startsWith("arn:")) {
                throw new IllegalArgumentException("streamArn must be a stream ARN (arn:aws:dynamodb:…:table/…/stream/…),"
                        + " was '" + streamArn + "'");
            }
            Objects.requireNonNull(startPosition, "startPosition");
            OptionsSupport.requireAboveZero(pollInterval, "pollInterval", true);
            if (minPollInterval != null) {
                OptionsSupport.requireAboveZero(minPollInterval, "minPollInterval", pollInterval.isZero());
                if (minPollInterval.compareTo(pollInterval) > 0) {
                    throw new IllegalArgumentException("minPollInterval (" + minPollInterval
                            + ") must not be above pollInterval (" + pollInterval + ")");
                }
            }
            if (maxRecordsPerRequest < 1 || maxRecordsPerRequest > 1000) {
                throw new IllegalArgumentException("maxRecordsPerRequest must be 1..1000 (the GetRecords limit), was "
                        + maxRecordsPerRequest);
            }
            OptionsSupport.requireAboveZero(shardDiscoveryInterval, "shardDiscoveryInterval", false);
            OptionsSupport.requireAboveZero(commitInterval, "commitInterval", false);
            retryOptions = retry.build();
            OptionsSupport.requireAboveZero(retryOptions.retryBackoff(), "retryBackoff", false);
            Objects.requireNonNull(trimmedDataPolicy, "trimmedDataPolicy");
            Objects.requireNonNull(trimmedDataListener, "trimmedDataListener");
            OptionsSupport.requireAboveZero(creationTimePrecision, "creationTimePrecision", false);
            Objects.requireNonNull(scheduler, "scheduler");
            Objects.requireNonNull(pacing, "pacing");
            OptionsSupport.requireAboveZero(idleAfter, "idleAfter", true);
            OptionsSupport.requireAboveZero(idlePollInterval, "idlePollInterval", true);
            if (idlePollInterval.compareTo(pollInterval) < 0) {
                throw new IllegalArgumentException("idlePollInterval (" + idlePollInterval
                        + ") must not be below pollInterval (" + pollInterval + ")");
            }
            OptionsSupport.require(maxUnacknowledgedPerShard >= 1, "maxUnacknowledgedPerShard",
                    "be >= 1", maxUnacknowledgedPerShard);
            OptionsSupport.requireAboveZero(iteratorRefreshInterval, "iteratorRefreshInterval", false);
            if (iteratorRefreshInterval.compareTo(ITERATOR_LIFETIME) >= 0) {
                throw new IllegalArgumentException("iteratorRefreshInterval must be below " + ITERATOR_LIFETIME
                        + " (the iterator lifetime), was " + iteratorRefreshInterval);
            }
            OptionsSupport.requireAboveZero(startupTimeout, "startupTimeout", false);
            OptionsSupport.require(maxConcurrentCalls >= 1, "maxConcurrentCalls", "be >= 1", maxConcurrentCalls);
            if (readRequestPricePerMillion.isPresent()) {
                double price = readRequestPricePerMillion.getAsDouble();
                OptionsSupport.require(Double.isFinite(price) && price >= 0, "readRequestPricePerMillion",
                        "be a finite price >= 0", price);
                if (meterRegistry == null) {
                    throw new IllegalArgumentException("readRequestPricePerMillion (" + price + ") needs a meterRegistry:"
                            + " the cost estimate is a gauge");
                }
            }
            if (leases != null && checkpointStore != null) {
                throw new IllegalArgumentException("checkpointStore must not be set together with leases: with leases"
                        + " the checkpoints are kept in the lease table '" + leases.tableName() + "'");
            }
            return new ReceiverOptions(this);
        }
    }
}
