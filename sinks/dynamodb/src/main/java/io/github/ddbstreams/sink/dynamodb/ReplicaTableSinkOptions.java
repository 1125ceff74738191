package io.github.ddbstreams.sink.dynamodb;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import io.github.ddbstreams.RetryOptions;
import io.github.ddbstreams.internal.OptionsSupport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * Options of a {@link ReplicaTableSink}: the target table and how to reach it, the hidden attributes that keep
 * the replica from regressing, what a REMOVE writes, and how many writes run at once. Immutable; made with
 * {@link #builder()}.
 *
 * <p>The target is reached either with a {@link Builder#client(DynamoDbAsyncClient) client} the user owns (never
 * closed by the sink), or with a {@link Builder#region(Region) region} (and optionally an
 * {@link Builder#endpoint(URI) endpoint} and {@link Builder#credentialsProvider credentials}) for which the sink
 * creates its own client and closes it in {@link ReplicaTableSink#disposeLater()}.
 *
 * <pre>{@code
 * ReplicaTableSinkOptions options = ReplicaTableSinkOptions.builder()
 *     .region(Region.EU_WEST_1)                   // or .client(myEuClient)
 *     .tableName("orders-replica")
 *     .tombstoneTimeToLive("expiresAt", ReplicaTableSinkOptions.DEFAULT_TOMBSTONE_TIME_TO_LIVE)
 *     .build();
 * }</pre>
 */
public final class ReplicaTableSinkOptions {

    /** The default name of the hidden attribute holding the position (sequence number) of the stored change. */
    public static final String DEFAULT_SEQUENCE_NUMBER_ATTRIBUTE_NAME = "_ddbstreams_seq";
    /** The default name of the hidden attribute marking a tombstone (BOOL {@code true}). */
    public static final String DEFAULT_DELETED_ATTRIBUTE_NAME = "_ddbstreams_deleted";
    /** By default a REMOVE writes a tombstone. */
    public static final RemoveMode DEFAULT_REMOVE_MODE = RemoveMode.TOMBSTONE;
    /**
     * The recommended time to live of tombstones: the 24 hours a stream keeps records, plus an hour of margin;
     * after it no replay from the stream can bring back an older change of the key.
     */
    public static final Duration DEFAULT_TOMBSTONE_TIME_TO_LIVE = Duration.ofHours(25);
    /** By default up to 16 items of a batch are written at the same time. */
    public static final int DEFAULT_MAX_CONCURRENCY = 16;
    /** By default a throttled, 5xx or I/O-failed write is retried 3 times by the sink (beyond the SDK's retries). */
    public static final int DEFAULT_MAX_RETRIES = 3;
    /** By default the first retry of a write waits about 100 ms. */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
    /** By default retries of a write wait at most about 5 s. */
    public static final Duration DEFAULT_MAX_RETRY_BACKOFF = Duration.ofSeconds(5);
    /** The default name of the sink: the {@code sink} tag of its meters. */
    public static final String DEFAULT_NAME = "replica";

    private static final Pattern TABLE_NAME = Pattern.compile("[a-zA-Z0-9_.-]{3,255}");

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;

    private ReplicaTableSinkOptions(Builder b) {
        this.s = b.copy();
    }

    /** A builder with every option at its default; {@code tableName} and a client or region must be set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to derive modified ones. */
    public Builder toBuilder() {
        return s.copy();
    }

    /** The user's client for the target, never closed by the sink; empty when the sink creates its own. */
    public Optional<DynamoDbAsyncClient> client() {
        return Optional.ofNullable(s.client);
    }

    /** The region of the client the sink creates; empty when a client is given. */
    public Optional<Region> region() {
        return Optional.ofNullable(s.region);
    }

    /** The endpoint of the client the sink creates; empty: the region's default endpoint. */
    public Optional<URI> endpoint() {
        return Optional.ofNullable(s.endpoint);
    }

    /** The credentials of the client the sink creates; empty: the SDK's default provider chain. */
    public Optional<AwsCredentialsProvider> credentialsProvider() {
        return Optional.ofNullable(s.credentialsProvider);
    }

    /** The target (replica) table. */
    public String tableName() {
        return s.tableName;
    }

    /** Turns source items into replica items; {@link ItemTransformer#identity()} by default. */
    public ItemTransformer itemTransformer() {
        return s.itemTransformer;
    }

    /** The hidden attribute (S) holding the 40-digit zero-padded sequence number of the stored change. */
    public String sequenceNumberAttributeName() {
        return s.sequenceNumberAttributeName;
    }

    /** The hidden attribute (BOOL {@code true}) that marks a tombstone. */
    public String deletedAttributeName() {
        return s.deletedAttributeName;
    }

    /** What a REMOVE writes. */
    public RemoveMode removeMode() {
        return s.removeMode;
    }

    /** The attribute (N, epoch seconds) set on tombstones for DynamoDB's time to live; empty: none. */
    public Optional<String> tombstoneTimeToLiveAttributeName() {
        return Optional.ofNullable(s.tombstoneTimeToLiveAttributeName);
    }

    /** How long after it is written a tombstone may expire; empty when no time-to-live attribute is set. */
    public Optional<Duration> tombstoneTimeToLive() {
        return Optional.ofNullable(s.tombstoneTimeToLive);
    }

    /** How many items of one batch are written at the same time. */
    public int maxConcurrency() {
        return s.maxConcurrency;
    }

    /**
     * How many times the sink retries a throttled, 5xx or I/O-failed write before reporting the record failed
     * ({@link #retry()}'s; {@code Integer.MAX_VALUE} when that allows more).
     */
    public int maxRetries() {
        return (int) Math.min(s.retryOptions.maxRetries(), Integer.MAX_VALUE);
    }

    /** The backoff before the first retry of a write, doubled each retry up to {@link #maxRetryBackoff()}. */
    public Duration retryBackoff() {
        return s.retryOptions.retryBackoff();
    }

    /** The longest backoff between two retries of a write. */
    public Duration maxRetryBackoff() {
        return s.retryOptions.maxRetryBackoff();
    }

    /**
     * How failed writes are retried: {@code maxRetries}, {@code retryBackoff}, {@code maxRetryBackoff}
     * and the jitter in one value.
     *
     * <pre>{@code
     * options.toBuilder().retry(options.retry().toBuilder().maxRetries(10).build()).build();
     * }</pre>
     */
    public RetryOptions retry() {
        return s.retryOptions;
    }

    /** The scheduler of retry delays and of the clock of tombstone expiry times. */
    public Scheduler scheduler() {
        return s.scheduler;
    }

    /** Where the sink's meters go, or {@code null}: no meters (Micrometer need not be on the classpath). */
    public MeterRegistry meterRegistry() {
        return s.meterRegistry;
    }

    /** Where the sink's observations go, or {@code null}: none. */
    public ObservationRegistry observationRegistry() {
        return s.observationRegistry;
    }

    /** The sink's name: the {@code sink} tag of its meters. */
    public String name() {
        return s.name;
    }

    @Override
    public String toString() {
        // no credentials: only whether a provider is set
        return "ReplicaTableSinkOptions{tableName=" + s.tableName
                + (s.client != null ? ", client=user" : ", region=" + s.region + ", endpoint=" + s.endpoint
                        + ", credentials=" + (s.credentialsProvider != null ? "set" : "default"))
                + ", sequenceNumberAttributeName=" + s.sequenceNumberAttributeName
                + ", deletedAttributeName=" + s.deletedAttributeName + ", removeMode=" + s.removeMode
                + ", tombstoneTimeToLive=" + (s.tombstoneTimeToLive == null ? "none"
                        : s.tombstoneTimeToLiveAttributeName + "/" + s.tombstoneTimeToLive)
                + ", maxConcurrency=" + s.maxConcurrency + ", retry=" + s.retryOptions
                + ", name=" + s.name + ", meters=" + (s.meterRegistry != null)
                + ", observations=" + (s.observationRegistry != null) + "}";
    }

    /** Builds {@link ReplicaTableSinkOptions}. Not thread-safe. */
    public static final class Builder implements Cloneable {

        private DynamoDbAsyncClient client;
        private Region region;
        private URI endpoint;
        private AwsCredentialsProvider credentialsProvider;
        private String tableName;
        private ItemTransformer itemTransformer = ItemTransformer.identity();
        private String sequenceNumberAttributeName = DEFAULT_SEQUENCE_NUMBER_ATTRIBUTE_NAME;
        private String deletedAttributeName = DEFAULT_DELETED_ATTRIBUTE_NAME;
        private RemoveMode removeMode = DEFAULT_REMOVE_MODE;
        private String tombstoneTimeToLiveAttributeName;
        private Duration tombstoneTimeToLive;
        private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
        private RetryOptions.Builder retry = RetryOptions.builder().maxRetries(DEFAULT_MAX_RETRIES)
                .retryBackoff(DEFAULT_RETRY_BACKOFF).maxRetryBackoff(DEFAULT_MAX_RETRY_BACKOFF);
        private RetryOptions retryOptions;
        private Scheduler scheduler = Schedulers.parallel();
        private MeterRegistry meterRegistry;
        private ObservationRegistry observationRegistry;
        private String name = DEFAULT_NAME;

        private Builder() {
        }

        /** A copy of this builder: the state options keep, and what {@code toBuilder()} hands out. */
        private Builder copy() {
            Builder c = OptionsSupport.copy(this::clone);
            c.retry = retryOptions.toBuilder();
            return c;
        }

        /**
         * The client for the target table, owned by the user (the sink never closes it). Set this, or
         * {@link #region(Region)} for a client the sink creates.
         */
        public Builder client(DynamoDbAsyncClient client) {
            this.client = client;
            return this;
        }

        /** The region of the client the sink creates and closes (when no {@link #client} is given). */
        public Builder region(Region region) {
            this.region = region;
            return this;
        }

        /** The endpoint of the client the sink creates, e.g. a VPC endpoint or DynamoDB Local; optional. */
        public Builder endpoint(URI endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        /** The credentials of the client the sink creates; default: the SDK's default provider chain. */
        public Builder credentialsProvider(AwsCredentialsProvider credentialsProvider) {
            this.credentialsProvider = credentialsProvider;
            return this;
        }

        /** The target (replica) table; required. It must exist; its key must be the items' key after transformation. */
        public Builder tableName(String tableName) {
            this.tableName = Objects.requireNonNull(tableName, "tableName");
            return this;
        }

        /** Turns source items into replica items; default {@link ItemTransformer#identity()}. */
        public Builder itemTransformer(ItemTransformer itemTransformer) {
            this.itemTransformer = Objects.requireNonNull(itemTransformer, "itemTransformer");
            return this;
        }

        /** The hidden sequence attribute; default {@value ReplicaTableSinkOptions#DEFAULT_SEQUENCE_NUMBER_ATTRIBUTE_NAME}. */
        public Builder sequenceNumberAttributeName(String sequenceNumberAttributeName) {
            this.sequenceNumberAttributeName = Objects.requireNonNull(sequenceNumberAttributeName,
                    "sequenceNumberAttributeName");
            return this;
        }

        /** The hidden tombstone marker; default {@value ReplicaTableSinkOptions#DEFAULT_DELETED_ATTRIBUTE_NAME}. */
        public Builder deletedAttributeName(String deletedAttributeName) {
            this.deletedAttributeName = Objects.requireNonNull(deletedAttributeName, "deletedAttributeName");
            return this;
        }

        /** What a REMOVE writes; default {@link RemoveMode#TOMBSTONE}. */
        public Builder removeMode(RemoveMode removeMode) {
            this.removeMode = Objects.requireNonNull(removeMode, "removeMode");
            return this;
        }

        /**
         * Gives tombstones an expiry time in {@code attributeName} (N, epoch seconds: write time +
         * {@code timeToLive}), for the target table's time to live, which the user enables on that attribute
         * (the sink does not change the table). Use at least {@link #DEFAULT_TOMBSTONE_TIME_TO_LIVE 25 hours}: a
         * tombstone that expires while its stream still holds older changes of the key lets their replay
         * resurrect the item. Default: tombstones never expire.
         */
        public Builder tombstoneTimeToLive(String attributeName, Duration timeToLive) {
            this.tombstoneTimeToLiveAttributeName = Objects.requireNonNull(attributeName, "attributeName");
            this.tombstoneTimeToLive = Objects.requireNonNull(timeToLive, "timeToLive");
            return this;
        }

        /** How many items of a batch are written at the same time; at least 1; default 16. */
        public Builder maxConcurrency(int maxConcurrency) {
            this.maxConcurrency = maxConcurrency;
            return this;
        }

        /** Retries of a throttled, 5xx or I/O-failed write by the sink; zero or more; default 3. */
        public Builder maxRetries(int maxRetries) {
            this.retry.maxRetries(maxRetries);
            return this;
        }

        /** The backoff before the first retry of a write; zero or more; default 100 ms. */
        public Builder retryBackoff(Duration retryBackoff) {
            this.retry.retryBackoff(retryBackoff);
            return this;
        }

        /** The longest backoff between retries of a write; at least {@code retryBackoff}; default 5 s. */
        public Builder maxRetryBackoff(Duration maxRetryBackoff) {
            this.retry.maxRetryBackoff(maxRetryBackoff);
            return this;
        }

        /**
         * How failed writes are retried, in one value (replaces {@code maxRetries}, {@code retryBackoff}
         * and {@code maxRetryBackoff}, which later calls change in turn).
         *
         * <pre>{@code
         * builder.retry(RetryOptions.builder().maxRetries(5).retryBackoff(Duration.ofMillis(50)).build());
         * }</pre>
         */
        public Builder retry(RetryOptions retry) {
            this.retry = Objects.requireNonNull(retry, "retry").toBuilder();
            return this;
        }

        /** The scheduler of retry delays and of the tombstone clock; default {@link Schedulers#parallel()}. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Registers the sink meters ({@code ddb.streams.sink.*}) here; {@code null} (the default): none. */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = meterRegistry;
            return this;
        }

        /** Observes each write ({@code ddb.streams.sink.write}) here; {@code null} (the default): none. */
        public Builder observationRegistry(ObservationRegistry observationRegistry) {
            this.observationRegistry = observationRegistry;
            return this;
        }

        /** The {@code sink} tag of the meters (keep it a constant); default {@value ReplicaTableSinkOptions#DEFAULT_NAME}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Validates and builds the options.
         *
         * @throws IllegalArgumentException naming the offending option
         */
        public ReplicaTableSinkOptions build() {
            if (tableName == null) {
                throw new IllegalArgumentException("tableName must be set");
            }
            if (!TABLE_NAME.matcher(tableName).matches()) {
                throw new IllegalArgumentException("tableName must be 3 to 255 characters of a-z, A-Z, 0-9, '_', '-', '.', was '"
                        + tableName + "'");
            }
            if (client != null && (region != null || endpoint != null || credentialsProvider != null)) {
                throw new IllegalArgumentException("client must not be combined with region, endpoint or "
                        + "credentialsProvider (those configure a client the sink creates)");
            }
            if (client == null && region == null) {
                throw new IllegalArgumentException("client or region must be set");
            }
            requireAttributeName(sequenceNumberAttributeName, "sequenceNumberAttributeName");
            requireAttributeName(deletedAttributeName, "deletedAttributeName");
            if (sequenceNumberAttributeName.equals(deletedAttributeName)) {
                throw new IllegalArgumentException("deletedAttributeName must differ from sequenceNumberAttributeName, both were '"
                        + deletedAttributeName + "'");
            }
            if (tombstoneTimeToLiveAttributeName != null) {
                requireAttributeName(tombstoneTimeToLiveAttributeName, "tombstoneTimeToLive attributeName");
                if (tombstoneTimeToLiveAttributeName.equals(sequenceNumberAttributeName)
                        || tombstoneTimeToLiveAttributeName.equals(deletedAttributeName)) {
                    throw new IllegalArgumentException("tombstoneTimeToLive attributeName must differ from the hidden "
                            + "attributes, was '" + tombstoneTimeToLiveAttributeName + "'");
                }
                OptionsSupport.requirePositive(tombstoneTimeToLive, "tombstoneTimeToLive");
                if (removeMode != RemoveMode.TOMBSTONE) {
                    throw new IllegalArgumentException("tombstoneTimeToLive needs removeMode TOMBSTONE, was " + removeMode);
                }
            }
            OptionsSupport.require(maxConcurrency >= 1, "maxConcurrency", "be at least 1", maxConcurrency);
            retryOptions = retry.build();
            OptionsSupport.requireNotBlank(name, "name");
            return new ReplicaTableSinkOptions(this);
        }

        private static void requireAttributeName(String name, String option) {
            if (name.isEmpty() || name.length() > 255) {
                throw new IllegalArgumentException(option + " must be 1 to 255 characters, was '" + name + "'");
            }
        }
    }
}
