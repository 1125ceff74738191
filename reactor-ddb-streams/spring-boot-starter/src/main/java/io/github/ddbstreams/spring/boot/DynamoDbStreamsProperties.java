package io.github.ddbstreams.spring.boot;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;

import io.github.ddbstreams.receiver.Pacing;
import io.github.ddbstreams.receiver.TrimmedDataPolicy;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code ddb.streams.*} properties: which stream to read and how, where checkpoints or leases live, how the
 * pipeline starts and stops, and the health thresholds. Each option maps to one option of
 * {@link io.github.ddbstreams.receiver.ReceiverOptions}, {@link io.github.ddbstreams.lease.LeaseOptions} or
 * {@link io.github.ddbstreams.checkpoint.DynamoDbCheckpointStoreOptions}, with the same default; an option left
 * unset keeps the library's default.
 *
 * <pre>{@code
 * ddb:
 *   streams:
 *     table-name: Orders
 *     start-position: trim-horizon
 *     checkpoint:
 *       table-name: orders-indexer-checkpoints
 * }</pre>
 */
@ConfigurationProperties(prefix = DynamoDbStreamsProperties.PREFIX)
public class DynamoDbStreamsProperties {

    /** The prefix of every property of this class. */
    public static final String PREFIX = "ddb.streams";

    /** Where a shard without checkpoint starts reading. */
    public enum StartPositionKind {
        /** The oldest record still in the shard (24 hours back at most). */
        TRIM_HORIZON,
        /** Only records written after the receiver started. */
        LATEST,
        /** The first record created at or after {@code ddb.streams.start-timestamp}. */
        AT_TIMESTAMP
    }

    /** Whether the starter configures a receiver at all. */
    private boolean enabled = true;

    /** The table whose latest stream is read; exactly one of table-name and stream-arn must be set. */
    private String tableName;

    /** The stream read (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL), instead of table-name. */
    private String streamArn;

    /** Where a shard without checkpoint starts; a shard with a checkpoint always resumes after it. */
    private StartPositionKind startPosition = StartPositionKind.TRIM_HORIZON;

    /** The instant (ISO-8601, e.g. 2025-06-01T00:00:00Z) of start-position at-timestamp. */
    private Instant startTimestamp;

    /** The longest pause after an empty GetRecords response: the polling period of an idle shard. */
    private Duration pollInterval = Duration.ofMillis(250);

    /**
     * The first pause after an empty response that follows records, doubled up to poll-interval; unset: an
     * eighth of poll-interval.
     */
    private Duration minPollInterval;

    /**
     * How a shard that is not behind is polled: cost-aware (at most one GetRecords per poll-interval under
     * traffic, one per idle-poll-interval when idle) or low-latency (at once after records, short pauses after
     * empty responses); unset: the library's default (ReceiverOptions.DEFAULT_PACING).
     */
    private Pacing pacing;

    /**
     * Price of one million streams read requests (GetRecords calls) in your currency, e.g. 0.20; when set, the
     * gauge ddb.streams.getrecords.cost.hourly estimates the cost per hour. Unset: no estimate.
     */
    private Double readRequestPricePerMillion;

    /** Cost-aware pacing: the polling period of a shard that returned no record for idle-after. */
    private Duration idlePollInterval = Duration.ofSeconds(2);

    /** Cost-aware pacing: how long a shard must return no record before it is polled every idle-poll-interval. */
    private Duration idleAfter = Duration.ofSeconds(30);

    /**
     * The most records of one shard read but not yet acknowledged; at this bound the shard waits for
     * acknowledgements before its next GetRecords.
     */
    private int maxUnacknowledgedPerShard = 10_000;

    /**
     * Age at which the iterator of an idle shard started at latest is renewed by one GetRecords (below the
     * service's 15-minute iterator lifetime).
     */
    private Duration iteratorRefreshInterval = Duration.ofMinutes(10);

    /**
     * How long a subscription may go without one successful DescribeStream before it fails naming the endpoint
     * (a wrong endpoint or region).
     */
    private Duration startupTimeout = Duration.ofSeconds(60);

    /**
     * The most GetShardIterator and GetRecords calls in flight at once over all shards; the streams client
     * this starter builds gets this many connections plus 2 for discovery. Raise it for a worker holding many
     * busy shards (see the README, "Many shards").
     */
    private int maxConcurrentCalls = 48;

    /** The Limit of each GetRecords call (1..1000): also the most records buffered per shard. */
    private int maxRecordsPerRequest = 1000;

    /** Period of DescribeStream calls that find new shards. */
    private Duration shardDiscoveryInterval = Duration.ofSeconds(30);

    /** Period of checkpoint commits (acknowledged records are also committed when the pipeline stops). */
    private Duration commitInterval = Duration.ofSeconds(5);

    /** Retries of a throttled or failing call before the pipeline fails; unset: unlimited. */
    private Long maxRetries;

    /** First retry backoff (exponential, with jitter). */
    private Duration retryBackoff = Duration.ofMillis(100);

    /** Largest retry backoff. */
    private Duration maxRetryBackoff = Duration.ofSeconds(10);

    /** What to do when records were trimmed before they were read. */
    private TrimmedDataPolicy trimmedDataPolicy = TrimmedDataPolicy.FAIL;

    /** The precision of ApproximateCreationDateTime used by at-timestamp (1m on DynamoDB Local). */
    private Duration creationTimePrecision = Duration.ofSeconds(1);

    /** Whether a disabled stream, once read to its end, completes the pipeline instead of failing it. */
    private boolean completeWhenStreamDisabled = false;

    private final Client client = new Client();

    private final Checkpoint checkpoint = new Checkpoint();

    private final Leases leases = new Leases();

    private final Pipeline pipeline = new Pipeline();

    private final Health health = new Health();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getTableName() {
        return tableName;
    }

    public void setTableName(String tableName) {
        this.tableName = tableName;
    }

    public String getStreamArn() {
        return streamArn;
    }

    public void setStreamArn(String streamArn) {
        this.streamArn = streamArn;
    }

    public StartPositionKind getStartPosition() {
        return startPosition;
    }

    public void setStartPosition(StartPositionKind startPosition) {
        this.startPosition = startPosition;
    }

    public Instant getStartTimestamp() {
        return startTimestamp;
    }

    public void setStartTimestamp(Instant startTimestamp) {
        this.startTimestamp = startTimestamp;
    }

    public Duration getPollInterval() {
        return pollInterval;
    }

    public void setPollInterval(Duration pollInterval) {
        this.pollInterval = pollInterval;
    }

    public Duration getMinPollInterval() {
        return minPollInterval;
    }

    public void setMinPollInterval(Duration minPollInterval) {
        this.minPollInterval = minPollInterval;
    }

    public Pacing getPacing() {
        return pacing;
    }

    public void setPacing(Pacing pacing) {
        this.pacing = pacing;
    }

    public Double getReadRequestPricePerMillion() {
        return readRequestPricePerMillion;
    }

    public void setReadRequestPricePerMillion(Double readRequestPricePerMillion) {
        this.readRequestPricePerMillion = readRequestPricePerMillion;
    }

    public Duration getIdlePollInterval() {
        return idlePollInterval;
    }

    public void setIdlePollInterval(Duration idlePollInterval) {
        this.idlePollInterval = idlePollInterval;
    }

    public Duration getIdleAfter() {
        return idleAfter;
    }

    public void setIdleAfter(Duration idleAfter) {
        this.idleAfter = idleAfter;
    }

    public int getMaxUnacknowledgedPerShard() {
        return maxUnacknowledgedPerShard;
    }

    public void setMaxUnacknowledgedPerShard(int maxUnacknowledgedPerShard) {
        this.maxUnacknowledgedPerShard = maxUnacknowledgedPerShard;
    }

    public Duration getIteratorRefreshInterval() {
        return iteratorRefreshInterval;
    }

    public void setIteratorRefreshInterval(Duration iteratorRefreshInterval) {
        this.iteratorRefreshInterval = iteratorRefreshInterval;
    }

    public Duration getStartupTimeout() {
        return startupTimeout;
    }

    public void setStartupTimeout(Duration startupTimeout) {
        this.startupTimeout = startupTimeout;
    }

    public int getMaxConcurrentCalls() {
        return maxConcurrentCalls;
    }

    public void setMaxConcurrentCalls(int maxConcurrentCalls) {
        this.maxConcurrentCalls = maxConcurrentCalls;
    }

    public int getMaxRecordsPerRequest() {
        return maxRecordsPerRequest;
    }

    public void setMaxRecordsPerRequest(int maxRecordsPerRequest) {
        this.maxRecordsPerRequest = maxRecordsPerRequest;
    }

    public Duration getShardDiscoveryInterval() {
        return shardDiscoveryInterval;
    }

    public void setShardDiscoveryInterval(Duration shardDiscoveryInterval) {
        this.shardDiscoveryInterval = shardDiscoveryInterval;
    }

    public Duration getCommitInterval() {
        return commitInterval;
    }

    public void setCommitInterval(Duration commitInterval) {
        this.commitInterval = commitInterval;
    }

    public Long getMaxRetries() {
        return maxRetries;
    }

    public void setMaxRetries(Long maxRetries) {
        this.maxRetries = maxRetries;
    }

    public Duration getRetryBackoff() {
        return retryBackoff;
    }

    public void setRetryBackoff(Duration retryBackoff) {
        this.retryBackoff = retryBackoff;
    }

    public Duration getMaxRetryBackoff() {
        return maxRetryBackoff;
    }

    public void setMaxRetryBackoff(Duration maxRetryBackoff) {
        this.maxRetryBackoff = maxRetryBackoff;
    }

    public TrimmedDataPolicy getTrimmedDataPolicy() {
        return trimmedDataPolicy;
    }

    public void setTrimmedDataPolicy(TrimmedDataPolicy trimmedDataPolicy) {
        this.trimmedDataPolicy = trimmedDataPolicy;
    }

    public Duration getCreationTimePrecision() {
        return creationTimePrecision;
    }

    public void setCreationTimePrecision(Duration creationTimePrecision) {
        this.creationTimePrecision = creationTimePrecision;
    }

    public boolean isCompleteWhenStreamDisabled() {
        return completeWhenStreamDisabled;
    }

    public void setCompleteWhenStreamDisabled(boolean completeWhenStreamDisabled) {
        this.completeWhenStreamDisabled = completeWhenStreamDisabled;
    }

    public Client getClient() {
        return client;
    }

    public Checkpoint getCheckpoint() {
        return checkpoint;
    }

    public Leases getLeases() {
        return leases;
    }

    public Pipeline getPipeline() {
        return pipeline;
    }

    public Health getHealth() {
        return health;
    }

    /** The AWS clients the starter creates when the application declares none. */
    public static class Client {

        /** The AWS region; unset: the SDK's default region provider chain. */
        private String region;

        /** An endpoint override such as http://127.0.0.1:8000 (DynamoDB Local); unset: the region's endpoint. */
        private URI endpoint;

        /** Static credentials' access key id; unset: the SDK's default credentials provider chain. */
        private String accessKeyId;

        /** Static credentials' secret access key (never logged). */
        private String secretAccessKey;

        public String getRegion() {
            return region;
        }

        public void setRegion(String region) {
            this.region = region;
        }

        public URI getEndpoint() {
            return endpoint;
        }

        public void setEndpoint(URI endpoint) {
            this.endpoint = endpoint;
        }

        public String getAccessKeyId() {
            return accessKeyId;
        }

        public void setAccessKeyId(String accessKeyId) {
            this.accessKeyId = accessKeyId;
        }

        public String getSecretAccessKey() {
            return secretAccessKey;
        }

        public void setSecretAccessKey(String secretAccessKey) {
            this.secretAccessKey = secretAccessKey;
        }

        @Override
        public String toString() {
            return "Client{region=" + region + ", endpoint=" + endpoint + ", accessKeyId=" + accessKeyId
                    + ", secretAccessKey=" + (secretAccessKey == null ? null : "****") + "}";
        }
    }

    /** The DynamoDB checkpoint table (when no leases are used). */
    public static class Checkpoint {

        /**
         * The table of checkpoints; unset (and no leases): checkpoints are kept in memory and a restart reads
         * again from start-position.
         */
        private String tableName;

        /** Whether the table is created (on-demand billing) when absent. */
        private boolean createTable = true;

        /** How long to wait for a created table to become ACTIVE. */
        private Duration tableCreationTimeout = Duration.ofMinutes(2);

        public String getTableName() {
            return tableName;
        }

        public void setTableName(String tableName) {
            this.tableName = tableName;
        }

        public boolean isCreateTable() {
            return createTable;
        }

        public void setCreateTable(boolean createTable) {
            this.createTable = createTable;
        }

        public Duration getTableCreationTimeout() {
            return tableCreationTimeout;
        }

        public void setTableCreationTimeout(Duration tableCreationTimeout) {
            this.tableCreationTimeout = tableCreationTimeout;
        }
    }

    /** Leases shared by several workers reading one stream; off unless table-name is set. */
    public static class Leases {

        /** The lease table (which also holds the checkpoints); setting it turns leases on. */
        private String tableName;

        /** This worker's id, unique among the workers; unset: host name plus a random suffix. */
        private String workerId;

        /** A lease whose counter stood still this long is taken over by another worker. */
        private Duration failoverTime = Duration.ofSeconds(10);

        /** Period of lease renewals; unset: a third of failover-time. */
        private Duration renewInterval;

        /** Period of looking for leases to take; unset: half of failover-time. */
        private Duration takeInterval;

        /**
         * How long a lease given away (a hand-off to a less busy worker, or the release at shutdown) waits for its
         * shard's records already emitted to be acknowledged before the final checkpoint and the transfer; at most
         * failover-time minus renew-interval; unset: half of failover-time.
         */
        private Duration drainTimeout;

        /** The most leases this worker holds; unset: no limit. */
        private Integer maxLeasesPerWorker;

        /** Whether the lease table is created (on-demand billing) when absent. */
        private boolean createTable = true;

        /** How long to wait for a created lease table to become ACTIVE. */
        private Duration tableCreationTimeout = Duration.ofMinutes(2);

        public String getTableName() {
            return tableName;
        }

        public void setTableName(String tableName) {
            this.tableName = tableName;
        }

        public String getWorkerId() {
            return workerId;
        }

        public void setWorkerId(String workerId) {
            this.workerId = workerId;
        }

        public Duration getFailoverTime() {
            return failoverTime;
        }

        public void setFailoverTime(Duration failoverTime) {
            this.failoverTime = failoverTime;
        }

        public Duration getRenewInterval() {
            return renewInterval;
        }

        public void setRenewInterval(Duration renewInterval) {
            this.renewInterval = renewInterval;
        }

        public Duration getTakeInterval() {
            return takeInterval;
        }

        public void setTakeInterval(Duration takeInterval) {
            this.takeInterval = takeInterval;
        }

        public Duration getDrainTimeout() {
            return drainTimeout;
        }

        public void setDrainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
        }

        public Integer getMaxLeasesPerWorker() {
            return maxLeasesPerWorker;
        }

        public void setMaxLeasesPerWorker(Integer maxLeasesPerWorker) {
            this.maxLeasesPerWorker = maxLeasesPerWorker;
        }

        public boolean isCreateTable() {
            return createTable;
        }

        public void setCreateTable(boolean createTable) {
            this.createTable = createTable;
        }

        public Duration getTableCreationTimeout() {
            return tableCreationTimeout;
        }

        public void setTableCreationTimeout(Duration tableCreationTimeout) {
            this.tableCreationTimeout = tableCreationTimeout;
        }
    }

    /** How the application's pipeline bean is run with the application context. */
    public static class Pipeline {

        /** Whether the pipeline is subscribed when the application context starts. */
        private boolean autoStartup = true;

        /**
         * How long stopping waits for the receiver's final checkpoint commit and the release of its leases
         * after the subscription is disposed; with leases, keep it above leases.drain-timeout plus a lease write.
         */
        private Duration shutdownTimeout = Duration.ofSeconds(10);

        public boolean isAutoStartup() {
            return autoStartup;
        }

        public void setAutoStartup(boolean autoStartup) {
            this.autoStartup = autoStartup;
        }

        public Duration getShutdownTimeout() {
            return shutdownTimeout;
        }

        public void setShutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
        }
    }

    /** Thresholds of the health indicator (management.health.ddbstreams.enabled turns it off). */
    public static class Health {

        /**
         * A shard not caught up for longer than this (ddb.streams.behind.latest: lag, or a stuck shard) makes
         * the health degraded-status.
         */
        private Duration behindLatestThreshold = Duration.ofMinutes(5);

        /** A batch retried without progress for longer than this (a stuck pipeline) makes the health degraded. */
        private Duration retryingThreshold = Duration.ofMinutes(5);

        /** Throttled calls per second (since the previous check) above which the health is degraded; unset: never. */
        private Double maxThrottleRate;

        /**
         * Records sent to the failure destination per second (since the previous check) above which the health
         * is degraded; unset: never.
         */
        private Double maxFailedRecordRate;

        /** The status reported when a threshold is passed (a status name: OUT_OF_SERVICE, UP, or one of yours). */
        private String degradedStatus = "OUT_OF_SERVICE";

        public Duration getBehindLatestThreshold() {
            return behindLatestThreshold;
        }

        public void setBehindLatestThreshold(Duration behindLatestThreshold) {
            this.behindLatestThreshold = behindLatestThreshold;
        }

        public Duration getRetryingThreshold() {
            return retryingThreshold;
        }

        public void setRetryingThreshold(Duration retryingThreshold) {
            this.retryingThreshold = retryingThreshold;
        }

        public Double getMaxThrottleRate() {
            return maxThrottleRate;
        }

        public void setMaxThrottleRate(Double maxThrottleRate) {
            this.maxThrottleRate = maxThrottleRate;
        }

        public Double getMaxFailedRecordRate() {
            return maxFailedRecordRate;
        }

        public void setMaxFailedRecordRate(Double maxFailedRecordRate) {
            this.maxFailedRecordRate = maxFailedRecordRate;
        }

        public String getDegradedStatus() {
            return degradedStatus;
        }

        public void setDegradedStatus(String degradedStatus) {
            this.degradedStatus = degradedStatus;
        }
    }
}
