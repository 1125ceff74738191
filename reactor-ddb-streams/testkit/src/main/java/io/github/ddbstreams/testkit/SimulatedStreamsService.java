package io.github.ddbstreams.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import com.sun.net.httpserver.HttpServer;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * A DynamoDB Streams service for tests at production shape: an HTTP endpoint on 127.0.0.1 speaking the
 * DynamoDB Streams JSON 1.0 protocol ({@code DescribeStream} with pagination and {@code ShardFilter},
 * {@code GetShardIterator} of every type, {@code GetRecords} with {@code Limit} and the 1 MB cap,
 * {@code ListStreams}), so that a real SDK client — its netty connection pool, its retries, its error
 * parsing — is exercised. It serves one stream of one table with many shards.
 *
 * <p><b>The stream.</b> The key space is hashed onto {@code partitions} equal ranges, each with one open
 * shard; a key always goes to the open shard owning its hash, so each key's changes are in one shard at a
 * time and in order, and follow the lineage across rotations. Each open shard rotates every
 * {@code rotationPeriod} (the first rotation of each partition is spread over one period, as real partitions
 * do not rotate in step) into one child, or into two children halving its range with probability
 * {@code splitProbability}. Closed shards stay listed for {@code retention}; records older than
 * {@code retention} are trimmed ({@code TrimmedDataAccessException} past the horizon).
 * A writer adds {@code writesPerSecond} changes, keys drawn uniformly from {@code keys} distinct keys by the
 * seeded random source; {@link #write(String)} adds one by hand. Each record is an {@code INSERT} (first
 * write of a key) or {@code MODIFY} with {@code Keys} {@code {pk: S}} and a {@code NewImage} holding
 * {@code pk}, {@code version} (N, 1, 2, … per key: order is checkable) and {@code payload} (S of
 * {@code itemSizeBytes}).
 *
 * <p><b>Clocks (decided: two).</b> The stream's lifecycle runs on a <em>service clock</em> that starts at
 * the real time of {@link Builder#start()} and runs {@code timeScale} times faster than real time: rotation,
 * retention, iterator expiry (15 minutes by default) and {@code ApproximateCreationDateTime} all use it, so
 * {@code timeScale(3600)} makes a 4-hour rotation happen every 4 real seconds. Everything a client paces
 * against stays in <em>real</em> time: {@code writesPerSecond}, the {@code DescribeStream} rate limit, the
 * reader window and the latency. Beware that a compressed clock compresses iterator expiry too (at 3600×, an
 * iterator lives 0.25 real seconds); set {@code iteratorLifetime} to keep it longer.
 *
 * <p><b>Limits.</b> {@code DescribeStream} beyond {@code describeStreamLimitPerSecond} calls in any real
 * second answers {@code LimitExceededException}. A <em>reader</em> of a shard is an iterator chain (one
 * {@code GetShardIterator} and the {@code NextShardIterator}s that follow from it) seen in a
 * {@code GetRecords} of that shard within the last {@code readerWindow} of real time; a {@code GetRecords}
 * from a new chain when {@code maxReadersPerShard} chains are already active answers
 * {@code LimitExceededException}. Errors are HTTP 400 with {@code __type} and {@code Message} as DynamoDB
 * Local sends them ({@code com.amazonaws.dynamodb.v20120810#…}, and {@code com.amazon.coral.validate#ValidationException}).
 *
 * <p><b>Counters.</b> {@link #calls(String)} counts every call by API name (failed ones included), for cost.
 *
 * <p>Thread safety: all methods may be called from any thread. The model sits behind one lock; the HTTP
 * server runs on a small pool of daemon threads, the writer and rotation on one scheduler thread.
 *
 * <pre>{@code
 * try (SimulatedStreamsService service = SimulatedStreamsService.builder()
 *         .partitions(1000).writesPerSecond(2000).keys(100_000)
 *         .rotationPeriod(Duration.ofHours(4)).timeScale(60)
 *         .seed(42).start();
 *      DynamoDbStreamsAsyncClient streams = service.newStreamsAsyncClient()) {
 *     streams.describeStream(b -> b.streamArn(service.streamArn())).join();
 *     long describes = service.calls("DescribeStream");
 * }
 * }</pre>
 */
public final class SimulatedStreamsService implements AutoCloseable {

    /** API names accepted by {@link #calls(String)}. */
    public static final String DESCRIBE_STREAM = "DescribeStream";
    /** {@code GetShardIterator}. */
    public static final String GET_SHARD_ITERATOR = "GetShardIterator";
    /** {@code GetRecords}. */
    public static final String GET_RECORDS = "GetRecords";
    /** {@code ListStreams}. */
    public static final String LIST_STREAMS = "ListStreams";

    /** Default partitions (open shards): 4. */
    public static final int DEFAULT_PARTITIONS = 4;
    /** Default rotation period: 4 hours (service clock), as observed on the real service. */
    public static final Duration DEFAULT_ROTATION_PERIOD = Duration.ofHours(4);
    /** Default retention: 24 hours (service clock). */
    public static final Duration DEFAULT_RETENTION = Duration.ofHours(24);
    /** Default iterator lifetime: 15 minutes (service clock). */
    public static final Duration DEFAULT_ITERATOR_LIFETIME = Duration.ofMinutes(15);
    /** Default {@code DescribeStream} limit: 10 calls per real second. */
    public static final int DEFAULT_DESCRIBE_STREAM_LIMIT_PER_SECOND = 10;
    /** Default readers per shard: 2. */
    public static final int DEFAULT_MAX_READERS_PER_SHARD = 2;
    /** Default reader window: 5 real seconds. */
    public static final Duration DEFAULT_READER_WINDOW = Duration.ofSeconds(5);

    private final Settings settings;
    private final Object lock = new Object();
    private final SimulatedStream stream;
    private final Random random;
    private final HttpServer server;
    private final ScheduledExecutorService scheduler;
    private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
    private final long startRealNanos;
    private final long startServiceMs;
    private long written;
    private volatile boolean closed;

    private SimulatedStreamsService(Settings settings) {
        this.settings = settings;
        this.random = new Random(settings.seed);
        this.startRealNanos = System.nanoTime();
        this.startServiceMs = settings.startTime.toEpochMilli();
        this.stream = new SimulatedStream(settings, startServiceMs, random);
        AtomicInteger threads = new AtomicInteger();
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "simulated-streams-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), settings.port), 0);
        } catch (IOException e) {
            scheduler.shutdownNow();
            throw new UncheckedIOException("cannot bind 127.0.0.1:" + settings.port, e);
        }
        server.createContext("/", new SimulatedStreamsProtocol(this));
        server.setExecutor(Executors.newFixedThreadPool(settings.serverThreads, r -> {
            Thread t = new Thread(r, "simulated-streams-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        }));
        server.start();
        scheduler.scheduleWithFixedDelay(this::tick, 10, 10, TimeUnit.MILLISECONDS);
    }

    /** A builder with the defaults above; {@code Builder#start()} binds the port and starts the writer. */
    public static Builder builder() {
        return new Builder();
    }

    /** The HTTP endpoint, {@code http://127.0.0.1:<port>}, for {@code endpointOverride}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The ARN of the one stream served. */
    public String streamArn() {
        return stream.streamArn;
    }

    /** The name of the table the stream belongs to. */
    public String tableName() {
        return stream.tableName;
    }

    /** The service clock now (see the class notes on clocks). */
    public Instant now() {
        return Instant.ofEpochMilli(nowMs());
    }

    /** Calls received of one API (e.g. {@link #GET_RECORDS}), failed and throttled ones included. */
    public long calls(String api) {
        LongAdder adder = calls.get(Objects.requireNonNull(api, "api"));
        return adder == null ? 0 : adder.sum();
    }

    /** A snapshot of the call counters by API name. */
    public Map<String, Long> calls() {
        Map<String, Long> snapshot = new TreeMap<>();
        calls.forEach((api, n) -> snapshot.put(api, n.sum()));
        return snapshot;
    }

    /** Shards listed now (open and retained closed ones). */
    public int shardCount() {
        synchronized (lock) {
            return stream.shardCount();
        }
    }

    /** Open shards now (one per hash range). */
    public int openShardCount() {
        synchronized (lock) {
            return stream.openShardCount();
        }
    }

    /** Records written so far, by the writer and by {@link #write(String)}. */
    public long recordsWritten() {
        synchronized (lock) {
            return written;
        }
    }

    /**
     * Writes one change of {@code key} now and returns its sequence number.
     *
     * <pre>{@code String seq = service.write("order-1");}</pre>
     */
    public String write(String key) {
        Objects.requireNonNull(key, "key");
        synchronized (lock) {
            written++;
            return SimulatedStream.sequenceNumber(stream.write(key, nowMs()).seq());
        }
    }

    /** Closes every open shard now into one child each (or two, when {@code split}), as a rotation does. */
    public void rotateNow(boolean split) {
        synchronized (lock) {
            stream.rotateAll(nowMs(), split);
        }
    }

    /**
     * A new netty-based streams client for this endpoint (region us-east-1, dummy credentials); the caller
     * closes it.
     */
    public DynamoDbStreamsAsyncClient newStreamsAsyncClient() {
        return DynamoDbStreamsAsyncClient.builder()
                .endpointOverride(endpoint())
                .region(EmbeddedDynamoDb.REGION)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedDynamoDb.DUMMY_CREDENTIAL, EmbeddedDynamoDb.DUMMY_CREDENTIAL)))
                .httpClientBuilder(TestHttpClients.nettyClientBuilder())
                .build();
    }

    /** Stops the server and the writer; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        scheduler.shutdownNow();
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    @Override
    public String toString() {
        return "SimulatedStreamsService{endpoint=" + endpoint() + ", stream=" + streamArn() + ", " + settings + "}";
    }

    // ------------------------------------------------------------------ internals (package-private)

    long nowMs() {
        double realMs = (System.nanoTime() - startRealNanos) / 1e6;
        return startServiceMs + (long) (realMs * settings.timeScale);
    }

    Object lock() {
        return lock;
    }

    SimulatedStream stream() {
        return stream;
    }

    Settings settings() {
        return settings;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    void count(String api) {
        calls.computeIfAbsent(api, k -> new LongAdder()).increment();
    }

    /** Latency of one call in real nanos, uniform between the configured bounds. */
    long latencyNanos() {
        long min = settings.latencyMin.toNanos();
        long max = settings.latencyMax.toNanos();
        if (max <= min) {
            return min;
        }
        synchronized (lock) {
            return min + (long) (random.nextDouble() * (max - min));
        }
    }

    private void tick() {
        try {
            synchronized (lock) {
                long now = nowMs();
                if (settings.writesPerSecond > 0) {
                    double realSeconds = (System.nanoTime() - startRealNanos) / 1e9;
                    long due = (long) (realSeconds * settings.writesPerSecond) - generated;
                    for (long i = 0; i < due; i++) {
                        stream.write("key-" + random.nextInt(settings.keys), now);
                        written++;
                    }
                    generated += Math.max(0, due);
                }
                stream.advance(now);
            }
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(SimulatedStreamsService.class).error("simulated stream tick failed", e);
        }
    }

    private long generated;

    /** The immutable settings a builder made. */
    static final class Settings {
        final int partitions;
        final double writesPerSecond;
        final int keys;
        final int itemSizeBytes;
        final Duration rotationPeriod;
        final double splitProbability;
        final Duration retention;
        final Duration iteratorLifetime;
        final int describeStreamLimitPerSecond;
        final int maxReadersPerShard;
        final Duration readerWindow;
        final Duration latencyMin;
        final Duration latencyMax;
        final double timeScale;
        final long seed;
        final Instant startTime;
        final String tableName;
        final String region;
        final int port;
        final int serverThreads;

        Settings(Builder b) {
            partitions = b.partitions;
            writesPerSecond = b.writesPerSecond;
            keys = b.keys;
            itemSizeBytes = b.itemSizeBytes;
            rotationPeriod = b.rotationPeriod;
            splitProbability = b.splitProbability;
            retention = b.retention;
            iteratorLifetime = b.iteratorLifetime;
            describeStreamLimitPerSecond = b.describeStreamLimitPerSecond;
            maxReadersPerShard = b.maxReadersPerShard;
            readerWindow = b.readerWindow;
            latencyMin = b.latencyMin;
            latencyMax = b.latencyMax;
            timeScale = b.timeScale;
            seed = b.seed;
            startTime = b.startTime == null ? Instant.now() : b.startTime;
            tableName = b.tableName;
            region = b.region;
            port = b.port;
            serverThreads = b.serverThreads;
        }

        @Override
        public String toString() {
            return "partitions=" + partitions + ", writesPerSecond=" + writesPerSecond + ", keys=" + keys
                    + ", rotationPeriod=" + rotationPeriod + ", splitProbability=" + splitProbability
                    + ", retention=" + retention + ", timeScale=" + timeScale + ", seed=" + seed;
        }
    }

    /** Builds and starts a {@link SimulatedStreamsService}. Not thread-safe. */
    public static final class Builder {
        private int partitions = DEFAULT_PARTITIONS;
        private double writesPerSecond;
        private int keys = 10_000;
        private int itemSizeBytes = 100;
        private Duration rotationPeriod = DEFAULT_ROTATION_PERIOD;
        private double splitProbability;
        private Duration retention = DEFAULT_RETENTION;
        private Duration iteratorLifetime = DEFAULT_ITERATOR_LIFETIME;
        private int describeStreamLimitPerSecond = DEFAULT_DESCRIBE_STREAM_LIMIT_PER_SECOND;
        private int maxReadersPerShard = DEFAULT_MAX_READERS_PER_SHARD;
        private Duration readerWindow = DEFAULT_READER_WINDOW;
        private Duration latencyMin = Duration.ZERO;
        private Duration latencyMax = Duration.ZERO;
        private double timeScale = 1;
        private long seed = 1;
        private Instant startTime;
        private String tableName = "Simulated";
        private String region = "us-east-1";
        private int port;
        private int serverThreads = 8;

        private Builder() {
        }

        /** Partitions, i.e. open shards at start (each a hash range of the key space); at least 1. */
        public Builder partitions(int partitions) {
            this.partitions = partitions;
            return this;
        }

        /** Changes written per real second by the built-in writer; 0 (default) for none. */
        public Builder writesPerSecond(double writesPerSecond) {
            this.writesPerSecond = writesPerSecond;
            return this;
        }

        /** Distinct keys the writer draws from, uniformly ({@code key-0} … {@code key-(n-1)}); default 10,000. */
        public Builder keys(int keys) {
            this.keys = keys;
            return this;
        }

        /** Bytes of the {@code payload} attribute of each record; default 100. Drives the 1 MB GetRecords cap. */
        public Builder itemSizeBytes(int itemSizeBytes) {
            this.itemSizeBytes = itemSizeBytes;
            return this;
        }

        /** Rotation period of each open shard (service clock); zero disables rotation. Default 4 h. */
        public Builder rotationPeriod(Duration rotationPeriod) {
            this.rotationPeriod = Objects.requireNonNull(rotationPeriod, "rotationPeriod");
            return this;
        }

        /** Probability in [0, 1] that a rotation splits the shard into two children; default 0. */
        public Builder splitProbability(double splitProbability) {
            this.splitProbability = splitProbability;
            return this;
        }

        /** How long closed shards stay listed and records stay readable (service clock); default 24 h. */
        public Builder retention(Duration retention) {
            this.retention = Objects.requireNonNull(retention, "retention");
            return this;
        }

        /** Lifetime of a shard iterator (service clock); default 15 min. */
        public Builder iteratorLifetime(Duration iteratorLifetime) {
            this.iteratorLifetime = Objects.requireNonNull(iteratorLifetime, "iteratorLifetime");
            return this;
        }

        /** {@code DescribeStream} calls allowed per real second; 0 for no limit. Default 10. */
        public Builder describeStreamLimitPerSecond(int limit) {
            this.describeStreamLimitPerSecond = limit;
            return this;
        }

        /** Iterator chains allowed to read one shard within the reader window; 0 for no limit. Default 2. */
        public Builder maxReadersPerShard(int maxReadersPerShard) {
            this.maxReadersPerShard = maxReadersPerShard;
            return this;
        }

        /** How long (real time) an iterator chain counts as a reader after its last GetRecords; default 5 s. */
        public Builder readerWindow(Duration readerWindow) {
            this.readerWindow = Objects.requireNonNull(readerWindow, "readerWindow");
            return this;
        }

        /** Added latency of every call, uniform in [min, max] (real time, seeded); default none. */
        public Builder latency(Duration min, Duration max) {
            this.latencyMin = Objects.requireNonNull(min, "min");
            this.latencyMax = Objects.requireNonNull(max, "max");
            return this;
        }

        /** How many times faster than real time the service clock runs; default 1. */
        public Builder timeScale(double timeScale) {
            this.timeScale = timeScale;
            return this;
        }

        /** Seed of the random source (shard ids, first rotations, splits, keys, latency); default 1. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The service clock at start; default the real time of {@link #start()}. */
        public Builder startTime(Instant startTime) {
            this.startTime = Objects.requireNonNull(startTime, "startTime");
            return this;
        }

        /** The table name in the stream ARN; default {@code Simulated}. */
        public Builder tableName(String tableName) {
            this.tableName = Objects.requireNonNull(tableName, "tableName");
            return this;
        }

        /** Port on 127.0.0.1; 0 (default) for a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** HTTP server threads; default 8. */
        public Builder serverThreads(int serverThreads) {
            this.serverThreads = serverThreads;
            return this;
        }

        /** Validates the settings, binds the port and starts the writer and the rotations. */
        public SimulatedStreamsService start() {
            require(partitions >= 1, "partitions must be >= 1, was " + partitions);
            require(writesPerSecond >= 0, "writesPerSecond must be >= 0, was " + writesPerSecond);
            require(keys >= 1, "keys must be >= 1, was " + keys);
            require(itemSizeBytes >= 0, "itemSizeBytes must be >= 0, was " + itemSizeBytes);
            require(!rotationPeriod.isNegative(), "rotationPeriod must not be negative");
            require(splitProbability >= 0 && splitProbability <= 1, "splitProbability must be in [0, 1]");
            require(retention.compareTo(rotationPeriod) >= 0 || rotationPeriod.isZero(),
                    "retention (" + retention + ") must be >= rotationPeriod (" + rotationPeriod + ")");
            require(!iteratorLifetime.isNegative() && !iteratorLifetime.isZero(), "iteratorLifetime must be > 0");
            require(describeStreamLimitPerSecond >= 0, "describeStreamLimitPerSecond must be >= 0");
            require(maxReadersPerShard >= 0, "maxReadersPerShard must be >= 0");
            require(!latencyMin.isNegative() && latencyMax.compareTo(latencyMin) >= 0,
                    "latency must satisfy 0 <= min <= max");
            require(timeScale > 0, "timeScale must be > 0, was " + timeScale);
            require(serverThreads >= 1, "serverThreads must be >= 1");
            return new SimulatedStreamsService(new Settings(this));
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
