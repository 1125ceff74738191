package io.github.ddbstreams.lease;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.internal.DynamoDbTables;
import io.github.ddbstreams.internal.OptionsSupport;
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

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;

    private LeaseOptions(Builder b) {
        this.s = b.copy();
        // the derived defaults are kept as if set, so toBuilder() keeps them when failoverTime changes
        s.renewInterval = b.renewInterval != null ? b.renewInterval : b.failoverTime.dividedBy(3);
        s.takeInterval = b.takeInterval != null ? b.takeInterval : b.failoverTime.dividedBy(2);
        s.drainTimeout = b.drainTimeout != null ? b.drainTimeout : b.failoverTime.dividedBy(2);
    }

    /** A builder with the defaults; {@code client} and {@code tableName} must be set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to derive modified ones. */
    public Builder toBuilder() {
        return s.copy();
    }

    /** The client of the lease table (never closed by the receiver). */
    public DynamoDbAsyncClient client() {
        return s.client;
    }

    /** The lease table. */
    public String tableName() {
        return s.tableName;
    }

    /** This worker's id: unique among the workers of the application. Default: host name and a random suffix. */
    public String workerId() {
        return s.workerId;
    }

    /** How long a lease's counter must stand still before another worker takes it over. */
    public Duration failoverTime() {
        return s.failoverTime;
    }

    /** How often a worker renews its leases; default a third of {@link #failoverTime()}. */
    public Duration renewInterval() {
        return s.renewInterval;
    }

    /** How often a worker reads the lease table to take, balance and clean up leases; default half of
     * {@link #failoverTime()}. */
    public Duration takeInterval() {
        return s.takeInterval;
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
        return s.drainTimeout;
    }

    /** The most leases this worker holds at once. */
    public int maxLeasesPerWorker() {
        return s.maxLeasesPerWorker;
    }

    /** Whether the lease table is created (on-demand billing) when it does not exist. */
    public boolean createTableIfAbsent() {
        return s.createTableIfAbsent;
    }

    /** How long a lease table created by the worker may take to become ACTIVE. */
    public Duration tableCreationTimeout() {
        return s.tableCreationTimeout;
    }

    /** Where lease meters are registered ({@code ddb.streams.leases.*}), or {@code null}. */
    public MeterRegistry meterRegistry() {
        return s.meterRegistry;
    }

    /** What seeds an empty lease table at the first start, or {@code null} (nothing: leases start empty). */
    public InitialCheckpoints initialCheckpoints() {
        return s.initialCheckpoints;
    }

    @Override
    public String toString() {
        return "LeaseOptions{tableName=" + s.tableName + ", workerId=" + s.workerId + ", failoverTime=" + s.failoverTime
                + ", renewInterval=" + s.renewInterval + ", takeInterval=" + s.takeInterval
                + ", drainTimeout=" + s.drainTimeout
                + ", maxLeasesPerWorker=" + (s.maxLeasesPerWorker == Integer.MAX_VALUE ? "unlimited" : s.maxLeasesPerWorker)
                + "}";
    }

    /** Builds {@link LeaseOptions}; {@code client} and {@code tableName} are required. */
    public static final class Builder implements Cloneable {
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

        /** A copy of this builder: the state options keep, and what {@code toBuilder()} hands out. */
        private Builder copy() {
            return OptionsSupport.copy(this::clone);
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

        /** The client of the lease table (required; never closed by the receiver). */
        public Builder client(DynamoDbAsyncClient client) {
            this.client = client;
            return this;
        }

        /** The lease table (required), shared by every worker of the application. */
        public Builder tableName(String tableName) {
            this.tableName = tableName;
            return this;
        }

        /** This worker's id, unique among the workers; not blank; default: host name and a random suffix. */
        public Builder workerId(String workerId) {
            this.workerId = workerId;
            return this;
        }

        /**
         * How long a lease's counter must stand still before another worker takes it; at least 100 ms; default 10 s.
         */
        public Builder failoverTime(Duration failoverTime) {
            this.failoverTime = failoverTime;
            return this;
        }

        /** How often leases are renewed; &gt; 0 and at most half of {@code failoverTime}; default a third of it. */
        public Builder renewInterval(Duration renewInterval) {
            this.renewInterval = renewInterval;
            return this;
        }

        /**
         * How often the lease table is read to take, balance and clean up leases; &gt; 0; default half of {@code
         * failoverTime}.
         */
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

        /** The most leases this worker holds at once; &gt;= 1; default unlimited. */
        public Builder maxLeasesPerWorker(int maxLeasesPerWorker) {
            this.maxLeasesPerWorker = maxLeasesPerWorker;
            return this;
        }

        /** Whether a missing lease table is created; default {@code true}. */
        public Builder createTableIfAbsent(boolean createTableIfAbsent) {
            this.createTableIfAbsent = createTableIfAbsent;
            return this;
        }

        /** How long a created lease table may take to become ACTIVE; default 2 minutes. */
        public Builder tableCreationTimeout(Duration tableCreationTimeout) {
            this.tableCreationTimeout = tableCreationTimeout;
            return this;
        }

        /** Registers the lease meters ({@code ddb.streams.leases.*}) here; {@code null} (the default): none. */
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
            OptionsSupport.requireNotBlank(workerId, "workerId");
            Objects.requireNonNull(failoverTime, "failoverTime");
            OptionsSupport.require(failoverTime.toMillis() >= 100, "failoverTime", "be at least 100 ms", failoverTime);
            Duration renew = renewInterval != null ? renewInterval : failoverTime.dividedBy(3);
            if (renew.isNegative() || renew.isZero() || renew.compareTo(failoverTime.dividedBy(2)) > 0) {
                throw new IllegalArgumentException("renewInterval must be > 0 and at most half of failoverTime ("
                        + failoverTime + ") so a live worker never looks expired, was " + renew);
            }
            OptionsSupport.require(takeInterval == null || takeInterval.compareTo(Duration.ZERO) > 0, "takeInterval", "be > 0",
                    takeInterval);
            Duration drainMax = failoverTime.minus(renew);
            if (drainTimeout != null && (drainTimeout.isNegative() || drainTimeout.compareTo(drainMax) > 0)) {
                throw new IllegalArgumentException("drainTimeout must be >= 0 and at most failoverTime - renewInterval ("
                        + failoverTime + " - " + renew + " = " + drainMax + "): a hand-off must not take longer than a"
                        + " failover, was " + drainTimeout);
            }
            OptionsSupport.require(maxLeasesPerWorker >= 1, "maxLeasesPerWorker", "be >= 1", maxLeasesPerWorker);
            Objects.requireNonNull(tableCreationTimeout, "tableCreationTimeout");
            return new LeaseOptions(this);
        }
    }
}
