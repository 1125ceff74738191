package io.github.ddbstreams.lease;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.internal.DynamoDbTables;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * How a receiver shares a stream with other workers through leases in a DynamoDB table.
 *
 * <p>The lease table holds one item per shard: its owner, a lease counter that the owner increments every
 * {@link #renewInterval()}, the shard's checkpoint, its parent shards and whether it ended. Every change is
 * a conditional write, so two workers never both own a shard. A worker that stops renewing loses its leases
 * once other workers have seen their counters stand still for {@link #failoverTime()}; they resume after the
 * last checkpoint. Workers balance: each aims at its share of the shards (shards / workers), taking free or
 * expired leases first and otherwise asking a busier worker to hand one off, which that worker does after
 * draining the shard's records in flight (see {@link #drainTimeout()}) and committing its checkpoint. A child
 * shard's lease is taken only once its parents' leases ended. On cancel a worker drains, commits and releases its
 * leases, so others take them at once.
 *
 * <p>The lease table replaces the {@link io.github.ddbstreams.checkpoint.CheckpointStore}: checkpoints are
 * kept in the leases. One table per application (like the KCL's application name): two pipelines reading
 * the same stream independently need two tables.
 *
 * <pre>{@code
 * ReceiverOptions.builder()
 *     .tableName("Orders")
 *     .leases(LeaseOptions.builder().client(dynamoDb).tableName("orders-indexer-leases").build())
 *     .build();
 * }</pre>
 *
 * <p>{@link Builder#initialCheckpoints(InitialCheckpoints)} seeds an empty lease table at the first start, e.g.
 * from a KCL application's lease table ({@code KclLeaseTableImport.initialCheckpoints()}).
 */
public final class LeaseOptions {

    /**
     * Checkpoints written into the lease table at the first start, when it holds no lease of the stream: an
     * ended checkpoint becomes an ended lease (not read again), a checkpoint with a sequence number a free lease
     * resuming right after it; shards without a checkpoint get their leases as usual. Every write is conditional
     * on the lease not existing, so workers starting together import once and a lease already written (and maybe
     * checkpointed further) is never overwritten. A failed {@link #checkpoints} fails the receiver's start.
     *
     * <p>Crash safety: the writes are one per shard, not a transaction, so the import keeps a marker item in the
     * lease table (sort key {@code ~initialCheckpointsImport}, never listed as a lease), written "started" before
     * the first lease and "complete" after the last. Until it is complete, every worker that starts (after a worker
     * died between the writes, or while one is writing) reads the checkpoints too and writes the missing ones
     * before it creates or takes any lease, so no shard of the import is read from the start position. A completed
     * import is never read again; a table that holds leases but no marker (read before without an import) is never
     * imported into.
     *
     * <pre>{@code
     * LeaseOptions.builder().client(dynamoDb).tableName("orders-indexer-leases")
     *     .initialCheckpoints(kclImport.initialCheckpoints())
     *     .build();
     * }</pre>
     */
    @FunctionalInterface
    public interface InitialCheckpoints {
        /**
         * The checkpoints of a stream to seed the lease table with; called at a worker's start only while the
         * lease table holds no lease of the stream or the import is not complete.
         *
         * @param streamArn the stream the receiver reads
         */
        Mono<List<ShardCheckpoint>> checkpoints(String streamArn);
    }

    /** A lease whose counter stood still this long is taken over: 10 s. */
    public static final Duration DEFAULT_FAILOVER_TIME = Duration.ofSeconds(10);
    /** Table created on first use. */
    public static final boolean DEFAULT_CREATE_TABLE_IF_ABSENT = true;
    /** Wait for a new table to become ACTIVE: 2 minutes. */
    public static final Duration DEFAULT_TABLE_CREATION_TIMEOUT = Duration.ofMinutes(2);
    /** No limit on leases per worker. */
    public static final int DEFAULT_MAX_LEASES_PER_WORKER = Integer.MAX_VALUE;

    private final DynamoDbAsyncClient client;
    private final String tableName;
    private final String workerId;
    private final Duration failoverTime;
    private final Duration renewInterval;
    private final Duration takeInterval;
    private final Duration drainTimeout;
    private final int maxLeasesPerWorker;
    private final boolean createTableIfAbsent;
    private final Duration tableCreationTimeout;
    private final MeterRegistry meterRegistry;
    private final InitialCheckpoints initialCheckpoints;

    private LeaseOptions(Builder b) {
        this.client = b.client;
        this.tableName = b.tableName;
        this.workerId = b.workerId;
        this.failoverTime = b.failoverTime;
        this.renewInterval = b.renewInterval != null ? b.renewInterval : b.failoverTime.dividedBy(3);
        this.takeInterval = b.takeInterval != null ? b.takeInterval : b.failoverTime.dividedBy(2);
        this.drainTimeout = b.drainTimeout != null ? b.drainTimeout : b.failoverTime.dividedBy(2);
        this.maxLeasesPerWorker = b.maxLeasesPerWorker;
        this.createTableIfAbsent = b.createTableIfAbsent;
        this.tableCreationTimeout = b.tableCreationTimeout;
        this.meterRegistry = b.meterRegistry;
        this.initialCheckpoints = b.initialCheckpoints;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.client = client;
        b.tableName = tableName;
        b.workerId = workerId;
        b.failoverTime = failoverTime;
        b.renewInterval = renewInterval;
        b.takeInterval = takeInterval;
        b.drainTimeout = drainTimeout;
        b.maxLeasesPerWorker = maxLeasesPerWorker;
        b.createTableIfAbsent = createTableIfAbsent;
        b.tableCreationTimeout = tableCreationTimeout;
        b.meterRegistry = meterRegistry;
        b.initialCheckpoints = initialCheckpoints;
        return b;
    }

    /** The client of the lease table (never closed by the receiver). */
    public DynamoDbAsyncClient client() {
        return client;
    }

    /** The lease table. */
    public String tableName() {
        return tableName;
    }

    /** This worker's id: unique among the workers of the application. Default: host name and a random suffix. */
    public String workerId() {
        return workerId;
    }

    /** How long a lease's counter must stand still before another worker takes it over. */
    public Duration failoverTime() {
        return failoverTime;
    }

    /** How often a worker renews its leases; default a third of {@link #failoverTime()}. */
    public Duration renewInterval() {
        return renewInterval;
    }

    /** How often a worker reads the lease table to take, balance and clean up leases; default half of
     * {@link #failoverTime()}. */
    public Duration takeInterval() {
        return takeInterval;
    }

    /**
     * How long a worker giving a lease away (a hand-off to a less busy worker, or the release when its subscription
     * ends) waits for the records of that shard it already emitted to be acknowledged, before it writes the final
     * checkpoint and transfers or releases the lease; default half of {@link #failoverTime()}. It stops fetching the
     * shard at once and keeps renewing the lease meanwhile, so no other worker reads the shard before the transfer.
     * After the timeout it gives the lease away anyway: the records still unacknowledged are read again by the next
     * owner (maybe while the old owner's processing of them is still under way), a WARN says how many, and
     * {@code ddb.streams.leases.drain.timeouts} counts it. Zero gives leases away at once, as a failover would.
     */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /** The most leases this worker holds at once. */
    public int maxLeasesPerWorker() {
        return maxLeasesPerWorker;
    }

    public boolean createTableIfAbsent() {
        return createTableIfAbsent;
    }

    public Duration tableCreationTimeout() {
        return tableCreationTimeout;
    }

    /** Where lease meters are registered ({@code ddb.streams.leases.*}), or {@code null}. */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /** What seeds an empty lease table at the first start, or {@code null} (nothing: leases start empty). */
    public InitialCheckpoints initialCheckpoints() {
        return initialCheckpoints;
    }

    @Override
    public String toString() {
        return "LeaseOptions{tableName=" + tableName + ", workerId=" + workerId + ", failoverTime=" + failoverTime
                + ", renewInterval=" + renewInterval + ", takeInterval=" + takeInterval
                + ", drainTimeout=" + drainTimeout
                + ", maxLeasesPerWorker=" + (maxLeasesPerWorker == Integer.MAX_VALUE ? "unlimited" : maxLeasesPerWorker)
                + "}";
    }

    /** Builds {@link LeaseOptions}; {@code client} and {@code tableName} are required. */
    public static final class Builder {
        private DynamoDbAsyncClient client;
        private String tableName;
        private String workerId = defaultWorkerId();
        private Duration failoverTime = DEFAULT_FAILOVER_TIME;
        private Duration renewInterval;
        private Duration takeInterval;
        private Duration drainTimeout;
        private int maxLeasesPerWorker = DEFAULT_MAX_LEASES_PER_WORKER;
        private boolean createTableIfAbsent = DEFAULT_CREATE_TABLE_IF_ABSENT;
        private Duration tableCreationTimeout = DEFAULT_TABLE_CREATION_TIMEOUT;
        private MeterRegistry meterRegistry;
        private InitialCheckpoints initialCheckpoints;

        private Builder() {
        }

        private static String defaultWorkerId() {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "worker";
            }
            return host + "-" + UUID.randomUUID().toString().substring(0, 8);
        }

        public Builder client(DynamoDbAsyncClient client) {
            this.client = client;
            return this;
        }

        public Builder tableName(String tableName) {
            this.tableName = tableName;
            return this;
        }

        public Builder workerId(String workerId) {
            this.workerId = workerId;
            return this;
        }

        public Builder failoverTime(Duration failoverTime) {
            this.failoverTime = failoverTime;
            return this;
        }

        public Builder renewInterval(Duration renewInterval) {
            this.renewInterval = renewInterval;
            return this;
        }

        public Builder takeInterval(Duration takeInterval) {
            this.takeInterval = takeInterval;
            return this;
        }

        /**
         * How long a lease given away waits for the acknowledgement of its shard's records in flight (see
         * {@link LeaseOptions#drainTimeout()}); default half of {@code failoverTime}. At least zero and at most
         * {@code failoverTime - renewInterval}: a graceful hand-off never takes longer than a failover would.
         *
         * <pre>{@code
         * LeaseOptions.builder().client(dynamoDb).tableName("orders-indexer-leases")
         *     .failoverTime(Duration.ofSeconds(30))
         *     .drainTimeout(Duration.ofSeconds(15))
         *     .build();
         * }</pre>
         */
        public Builder drainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
            return this;
        }

        public Builder maxLeasesPerWorker(int maxLeasesPerWorker) {
            this.maxLeasesPerWorker = maxLeasesPerWorker;
            return this;
        }

        public Builder createTableIfAbsent(boolean createTableIfAbsent) {
            this.createTableIfAbsent = createTableIfAbsent;
            return this;
        }

        public Builder tableCreationTimeout(Duration tableCreationTimeout) {
            this.tableCreationTimeout = tableCreationTimeout;
            return this;
        }

        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = meterRegistry;
            return this;
        }

        /** Seeds an empty lease table at the first start (see {@link InitialCheckpoints}); default none. */
        public Builder initialCheckpoints(InitialCheckpoints initialCheckpoints) {
            this.initialCheckpoints = initialCheckpoints;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the option that breaks a rule
         * @throws NullPointerException naming a required option that is null
         */
        public LeaseOptions build() {
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(tableName, "tableName");
            DynamoDbTables.requireValidTableName(tableName, "tableName");
            Objects.requireNonNull(workerId, "workerId");
            if (workerId.isBlank()) {
                throw new IllegalArgumentException("workerId must not be blank");
            }
            Objects.requireNonNull(failoverTime, "failoverTime");
            if (failoverTime.toMillis() < 100) {
                throw new IllegalArgumentException("failoverTime must be at least 100 ms, was " + failoverTime);
            }
            Duration renew = renewInterval != null ? renewInterval : failoverTime.dividedBy(3);
            if (renew.isNegative() || renew.isZero() || renew.compareTo(failoverTime.dividedBy(2)) > 0) {
                throw new IllegalArgumentException("renewInterval must be > 0 and at most half of failoverTime ("
                        + failoverTime + ") so a live worker never looks expired, was " + renew);
            }
            if (takeInterval != null && (takeInterval.isNegative() || takeInterval.isZero())) {
                throw new IllegalArgumentException("takeInterval must be > 0, was " + takeInterval);
            }
            Duration drainMax = failoverTime.minus(renew);
            if (drainTimeout != null && (drainTimeout.isNegative() || drainTimeout.compareTo(drainMax) > 0)) {
                throw new IllegalArgumentException("drainTimeout must be >= 0 and at most failoverTime - renewInterval ("
                        + failoverTime + " - " + renew + " = " + drainMax + "): a hand-off must not take longer than a"
                        + " failover, was " + drainTimeout);
            }
            if (maxLeasesPerWorker < 1) {
                throw new IllegalArgumentException("maxLeasesPerWorker must be >= 1, was " + maxLeasesPerWorker);
            }
            Objects.requireNonNull(tableCreationTimeout, "tableCreationTimeout");
            return new LeaseOptions(this);
        }
    }
}
