package io.github.ddbstreams.migration;

import java.time.Duration;
import java.util.Objects;

import io.github.ddbstreams.internal.OptionsSupport;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

/**
 * Options of a {@link KclLeaseTableImport}: immutable; made with {@link #builder()}.
 *
 * <pre>{@code
 * KclImportOptions options = KclImportOptions.builder()
 *     .client(dynamoDb)                  // reads the KCL lease table
 *     .streamsClient(dynamoDbStreams)    // lists the stream's shards (never reads records)
 *     .leaseTableName("orders-indexer")  // the KCL application name
 *     .build();
 * }</pre>
 */
public final class KclImportOptions {

    /**
     * How long the lease table is watched for moving lease counters before an import: 20 s, twice the KCL's
     * default failover time, so that a live KCL worker (which renews every failover time / 3) is seen renewing.
     */
    public static final Duration DEFAULT_OBSERVATION_WINDOW = Duration.ofSeconds(20);

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;

    private KclImportOptions(Builder b) {
        this.s = b.copy();
    }

    /** A builder with every option at its default; {@code client}, {@code streamsClient} and {@code leaseTableName} must be set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to derive modified ones. */
    public Builder toBuilder() {
        return s.copy();
    }

    /** The client that reads the KCL lease table (never closed by the import). */
    public DynamoDbAsyncClient client() {
        return s.client;
    }

    /** The client that lists the stream's shards with {@code DescribeStream} (never closed by the import). */
    public DynamoDbStreamsAsyncClient streamsClient() {
        return s.streamsClient;
    }

    /** The KCL lease table: by default the KCL names it after the application. */
    public String leaseTableName() {
        return s.leaseTableName;
    }

    /** How long the lease counters are watched before an import; see {@link #DEFAULT_OBSERVATION_WINDOW}. */
    public Duration observationWindow() {
        return s.observationWindow;
    }

    /** Whether to import although the KCL application looks alive (counters moving, hand-off in progress). */
    public boolean force() {
        return s.force;
    }

    /** The scheduler that times the observation window (a virtual-time scheduler in tests). */
    public Scheduler scheduler() {
        return s.scheduler;
    }

    @Override
    public String toString() {
        return "KclImportOptions{leaseTableName=" + s.leaseTableName + ", observationWindow=" + s.observationWindow
                + ", force=" + s.force + "}";
    }

    /** Builds {@link KclImportOptions}. */
    public static final class Builder implements Cloneable {

        private DynamoDbAsyncClient client;
        private DynamoDbStreamsAsyncClient streamsClient;
        private String leaseTableName;
        private Duration observationWindow = DEFAULT_OBSERVATION_WINDOW;
        private boolean force;
        private Scheduler scheduler = Schedulers.parallel();

        private Builder() {
        }

        /** A copy of this builder: the state options keep, and what {@code toBuilder()} hands out. */
        private Builder copy() {
            return OptionsSupport.copy(this::clone);
        }

        /** The client that reads the KCL lease table. Required. */
        public Builder client(DynamoDbAsyncClient client) {
            this.client = client;
            return this;
        }

        /** The client that lists the stream's shards (to mark ancestors the KCL already cleaned up). Required. */
        public Builder streamsClient(DynamoDbStreamsAsyncClient streamsClient) {
            this.streamsClient = streamsClient;
            return this;
        }

        /** The KCL lease table (the KCL application name unless the application configured another). Required. */
        public Builder leaseTableName(String leaseTableName) {
            this.leaseTableName = leaseTableName;
            return this;
        }

        /**
         * How long to watch the lease counters before importing; zero reads the table once and only checks
         * for hand-offs. Must be at least the KCL application's failover time to see its workers renew.
         */
        public Builder observationWindow(Duration observationWindow) {
            this.observationWindow = observationWindow;
            return this;
        }

        /**
         * Import even while the KCL application looks alive. Only for a fleet known to be stopped whose table
         * still moves for another reason: a live KCL keeps checkpointing after the import, and those records
         * are then delivered twice.
         */
        public Builder force(boolean force) {
            this.force = force;
            return this;
        }

        /** The scheduler that times the observation window; default {@link Schedulers#parallel()}. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /**
         * Validates and builds the options.
         *
         * @throws NullPointerException naming a required option that is missing
         * @throws IllegalArgumentException naming an option whose value is invalid
         */
        public KclImportOptions build() {
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(streamsClient, "streamsClient");
            Objects.requireNonNull(leaseTableName, "leaseTableName");
            Objects.requireNonNull(observationWindow, "observationWindow");
            Objects.requireNonNull(scheduler, "scheduler");
            OptionsSupport.requireNotBlank(leaseTableName, "leaseTableName");
            if (observationWindow.isNegative()) {
                throw new IllegalArgumentException("observationWindow must not be negative: " + observationWindow);
            }
            return new KclImportOptions(this);
        }
    }
}
