package io.github.ddbstreams.backfill;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

import io.github.ddbstreams.RetryOptions;
import io.github.ddbstreams.internal.OptionsSupport;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * Immutable configuration of a {@link TableBackfill}. {@code dynamoDbClient} and {@code tableName} are
 * required; everything else has a default.
 *
 * <pre>{@code
 * BackfillOptions options = BackfillOptions.builder()
 *     .dynamoDbClient(dynamoDb)
 *     .tableName("Orders")
 *     .totalSegments(8)
 *     .positionStore(DynamoDbBackfillPositionStore.create(storeOptions))
 *     .build();
 * }</pre>
 */
public final class BackfillOptions {

    /** Parallel Scan segments: 4. */
    public static final int DEFAULT_TOTAL_SEGMENTS = 4;
    /** Items evaluated per Scan page ({@code Limit}): 1000 (a page is also capped at 1 MB by DynamoDB). */
    public static final int DEFAULT_PAGE_SIZE = 1000;
    /** Eventually consistent reads (half the cost); {@link #DEFAULT_STREAM_OVERLAP} covers their staleness. */
    public static final boolean DEFAULT_CONSISTENT_READ = false;
    /** How far before the backfill's start the stream is read on hand-off: 5 minutes. */
    public static final Duration DEFAULT_STREAM_OVERLAP = Duration.ofMinutes(5);
    /** How long the stream keeps records: 24 hours, as on AWS. */
    public static final Duration DEFAULT_STREAM_RETENTION = Duration.ofHours(24);
    /** Retries of a throttled or failing (5xx, I/O) Scan page: unlimited. */
    public static final long DEFAULT_MAX_RETRIES = Long.MAX_VALUE;
    /** First retry backoff: 100 ms, doubled each attempt, with jitter. */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
    /** Largest retry backoff: 10 s. */
    public static final Duration DEFAULT_MAX_RETRY_BACKOFF = Duration.ofSeconds(10);
    /** The most segments DynamoDB allows: 1,000,000. */
    public static final int MAX_TOTAL_SEGMENTS = 1_000_000;

    private static final Pattern TABLE_NAME = Pattern.compile("[a-zA-Z0-9_.-]{3,255}");

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;
    private final String backfillId;

    private BackfillOptions(Builder b) {
        this.s = b.copy();
        this.backfillId = b.backfillId == null ? b.tableName : b.backfillId;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        return s.copy();
    }

    /** The client that scans (never closed by the backfill). */
    public DynamoDbAsyncClient dynamoDbClient() {
        return s.dynamoDbClient;
    }

    /** The table to backfill. */
    public String tableName() {
        return s.tableName;
    }

    /** The number of parallel Scan segments (1..1,000,000); also the most pages buffered at once. */
    public int totalSegments() {
        return s.totalSegments;
    }

    /** The {@code Limit} of each Scan page. */
    public int pageSize() {
        return s.pageSize;
    }

    /** Whether pages are read with strongly consistent reads. */
    public boolean consistentRead() {
        return s.consistentRead;
    }

    /** Where segment positions are kept, or {@code null} for an in-memory store owned by the backfill. */
    public BackfillPositionStore positionStore() {
        return s.positionStore;
    }

    /** The key of this backfill's positions in the store: the table name unless set. */
    public String backfillId() {
        return backfillId;
    }

    /** How far before the backfill's start the stream is read on hand-off. */
    public Duration streamOverlap() {
        return s.streamOverlap;
    }

    /** How long the stream keeps records; a hand-off later than that after the start fails. */
    public Duration streamRetention() {
        return s.streamRetention;
    }

    /** Retries of a throttled or failing Scan page before the Flux errors. */
    public long maxRetries() {
        return s.retryOptions.maxRetries();
    }

    /** First retry backoff. */
    public Duration retryBackoff() {
        return s.retryOptions.retryBackoff();
    }

    /** Largest retry backoff. */
    public Duration maxRetryBackoff() {
        return s.retryOptions.maxRetryBackoff();
    }

    /**
     * How failed Scan pages (and the DescribeTable call) are retried: {@code maxRetries}, {@code retryBackoff}, {@code maxRetryBackoff}
     * and the jitter in one value.
     *
     * <pre>{@code
     * options.toBuilder().retry(options.retry().toBuilder().maxRetries(10).build()).build();
     * }</pre>
     */
    public RetryOptions retry() {
        return s.retryOptions;
    }

    /** The scheduler of retry timers and of the clock ({@code now}) the hand-off is measured with. */
    public Scheduler scheduler() {
        return s.scheduler;
    }

    @Override
    public String toString() {
        return "BackfillOptions{tableName=" + s.tableName + ", backfillId=" + backfillId
                + ", totalSegments=" + s.totalSegments + ", pageSize=" + s.pageSize
                + ", consistentRead=" + s.consistentRead
                + ", positionStore=" + (s.positionStore == null ? "in-memory" : s.positionStore)
                + ", streamOverlap=" + s.streamOverlap + ", streamRetention=" + s.streamRetention
                + ", retry=" + s.retryOptions + "}";
    }

    /** Builds {@link BackfillOptions}; {@link #build()} checks every rule and names the offending option. */
    public static final class Builder implements Cloneable {
        private DynamoDbAsyncClient dynamoDbClient;
        private String tableName;
        private int totalSegments = DEFAULT_TOTAL_SEGMENTS;
        private int pageSize = DEFAULT_PAGE_SIZE;
        private boolean consistentRead = DEFAULT_CONSISTENT_READ;
        private BackfillPositionStore positionStore;
        private String backfillId;
        private Duration streamOverlap = DEFAULT_STREAM_OVERLAP;
        private Duration streamRetention = DEFAULT_STREAM_RETENTION;
        private RetryOptions.Builder retry = RetryOptions.builder().maxRetries(DEFAULT_MAX_RETRIES)
                .retryBackoff(DEFAULT_RETRY_BACKOFF).maxRetryBackoff(DEFAULT_MAX_RETRY_BACKOFF);
        private RetryOptions retryOptions;
        private Scheduler scheduler = Schedulers.parallel();

        private Builder() {
        }

        /** A copy of this builder: the state options keep, and what {@code toBuilder()} hands out. */
        private Builder copy() {
            Builder c = OptionsSupport.copy(this::clone);
            c.retry = retryOptions.toBuilder();
            return c;
        }

        /** The client that scans (required; not closed by the backfill). */
        public Builder dynamoDbClient(DynamoDbAsyncClient dynamoDbClient) {
            this.dynamoDbClient = dynamoDbClient;
            return this;
        }

        /** The table to backfill (required). */
        public Builder tableName(String tableName) {
            this.tableName = tableName;
            return this;
        }

        /** Parallel Scan segments, 1..1,000,000; default 4. */
        public Builder totalSegments(int totalSegments) {
            this.totalSegments = totalSegments;
            return this;
        }

        /** The {@code Limit} of each Scan page, at least 1; default 1000. */
        public Builder pageSize(int pageSize) {
            this.pageSize = pageSize;
            return this;
        }

        /** Strongly consistent Scan pages; default false. */
        public Builder consistentRead(boolean consistentRead) {
            this.consistentRead = consistentRead;
            return this;
        }

        /** Where positions are kept (to resume after a restart); default: in memory. */
        public Builder positionStore(BackfillPositionStore positionStore) {
            this.positionStore = positionStore;
            return this;
        }

        /** The key of the positions in the store; default the table name. A new id starts a new backfill. */
        public Builder backfillId(String backfillId) {
            this.backfillId = backfillId;
            return this;
        }

        /** How far before the backfill's start the stream is read on hand-off; >= 0; default 5 minutes. */
        public Builder streamOverlap(Duration streamOverlap) {
            this.streamOverlap = streamOverlap;
            return this;
        }

        /** How long the stream keeps records; above {@code streamOverlap}; default 24 hours. */
        public Builder streamRetention(Duration streamRetention) {
            this.streamRetention = streamRetention;
            return this;
        }

        /** Retries of a throttled or failing page; >= 0; default unlimited. */
        public Builder maxRetries(long maxRetries) {
            this.retry.maxRetries(maxRetries);
            return this;
        }

        /** First retry backoff; positive; default 100 ms. */
        public Builder retryBackoff(Duration retryBackoff) {
            this.retry.retryBackoff(retryBackoff);
            return this;
        }

        /** Largest retry backoff; not below {@code retryBackoff}; default 10 s. */
        public Builder maxRetryBackoff(Duration maxRetryBackoff) {
            this.retry.maxRetryBackoff(maxRetryBackoff);
            return this;
        }

        /**
         * How failed Scan pages (and the DescribeTable call) are retried, in one value (replaces {@code maxRetries}, {@code retryBackoff}
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

        /** Scheduler of retry timers and of the hand-off clock; default {@code Schedulers.parallel()}. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /**
         * Builds the options.
         *
         * @throws NullPointerException naming a required option that is null
         * @throws IllegalArgumentException naming the option that breaks a rule
         */
        public BackfillOptions build() {
            Objects.requireNonNull(dynamoDbClient, "dynamoDbClient is required");
            Objects.requireNonNull(tableName, "tableName is required");
            if (!TABLE_NAME.matcher(tableName).matches()) {
                throw new IllegalArgumentException("tableName must be 3-255 characters of a-z, A-Z, 0-9, '_', '-', '.',"
                        + " was '" + tableName + "'");
            }
            if (totalSegments < 1 || totalSegments > MAX_TOTAL_SEGMENTS) {
                throw new IllegalArgumentException("totalSegments must be 1.." + MAX_TOTAL_SEGMENTS + ", was " + totalSegments);
            }
            OptionsSupport.require(pageSize >= 1, "pageSize", "be >= 1", pageSize);
            if (backfillId != null && backfillId.isEmpty()) {
                throw new IllegalArgumentException("backfillId must not be empty");
            }
            Objects.requireNonNull(streamOverlap, "streamOverlap");
            OptionsSupport.require(!streamOverlap.isNegative(), "streamOverlap", "be >= 0", streamOverlap);
            Objects.requireNonNull(streamRetention, "streamRetention");
            if (streamRetention.compareTo(streamOverlap) <= 0) {
                throw new IllegalArgumentException("streamRetention (" + streamRetention
                        + ") must be above streamOverlap (" + streamOverlap + ")");
            }
            retryOptions = retry.build();
            OptionsSupport.require(!retryOptions.retryBackoff().isZero(), "retryBackoff",
                    "be > 0", retryOptions.retryBackoff());
            Objects.requireNonNull(scheduler, "scheduler");
            return new BackfillOptions(this);
        }
    }
}
