package io.github.ddbstreams.operators.errors;

import java.time.Clock;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import io.github.ddbstreams.internal.DynamoDbTables;
import io.github.ddbstreams.internal.OptionsSupport;
import io.github.ddbstreams.operators.errors.FailedRecord.Reason;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * Options of a {@link FailureReplay}: which failure table to read and which of its failures to replay.
 * Immutable; made with {@link #builder()}. Every filter is optional and they combine with AND: without any,
 * every failure not yet replayed is replayed.
 *
 * <pre>{@code
 * FailureReplayOptions options = FailureReplayOptions.builder()
 *     .client(dynamoDb)
 *     .tableName("orders-indexer-failures")
 *     .shard(streamArn, "shardId-00000001733000000000-abcd1234")   // one shard: a Query, not a Scan
 *     .reasons(FailedRecord.Reason.POISON_RECORD)
 *     .failedBetween(Instant.parse("2026-12-04T08:00:00Z"), Instant.parse("2026-12-04T12:00:00Z"))
 *     .build();
 * }</pre>
 */
public final class FailureReplayOptions {

    /** By default failures already replayed are skipped. */
    public static final boolean DEFAULT_INCLUDE_REPLAYED = false;

    /** By default each Query or Scan page reads up to 100 items. */
    public static final int DEFAULT_PAGE_SIZE = 100;

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;
    private final Set<Reason> reasons;

    private FailureReplayOptions(Builder b) {
        this.s = b.copy();
        this.reasons = b.reasons.isEmpty() ? Collections.unmodifiableSet(EnumSet.allOf(Reason.class))
                : Collections.unmodifiableSet(EnumSet.copyOf(b.reasons));
    }

    /** A builder with every option at its default; {@code client} and {@code tableName} must be set. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to derive modified ones. */
    public Builder toBuilder() {
        return s.copy();
    }

    /** The client; the user owns it and the replay never closes it. */
    public DynamoDbAsyncClient client() {
        return s.client;
    }

    /** The failure table a {@link DynamoDbFailureDestination} writes. */
    public String tableName() {
        return s.tableName;
    }

    /** Only failures of this stream; empty: of every stream. */
    public Optional<String> streamArn() {
        return Optional.ofNullable(s.streamArn);
    }

    /** Only failures of this shard; empty: of every shard. */
    public Optional<String> shardId() {
        return Optional.ofNullable(s.shardId);
    }

    /** The reasons whose failures are replayed; every reason unless narrowed. */
    public Set<Reason> reasons() {
        return reasons;
    }

    /** Only failures given up at or after this instant (inclusive); empty: no lower bound. */
    public Optional<Instant> failedAfter() {
        return Optional.ofNullable(s.failedAfter);
    }

    /** Only failures given up before this instant (exclusive); empty: no upper bound. */
    public Optional<Instant> failedBefore() {
        return Optional.ofNullable(s.failedBefore);
    }

    /** Whether failures already replayed are replayed again. */
    public boolean includeReplayed() {
        return s.includeReplayed;
    }

    /** How many items a Query or Scan page reads (its {@code Limit}). */
    public int pageSize() {
        return s.pageSize;
    }

    /** The clock of the {@code replayedAt} marks. */
    public Clock clock() {
        return s.clock;
    }

    @Override
    public String toString() {
        return "FailureReplayOptions{tableName=" + s.tableName + ", streamArn=" + s.streamArn + ", shardId=" + s.shardId
                + ", reasons=" + reasons + ", failedAfter=" + s.failedAfter + ", failedBefore=" + s.failedBefore
                + ", includeReplayed=" + s.includeReplayed + ", pageSize=" + s.pageSize
                + ", client=" + s.client.getClass().getSimpleName() + "}";
    }

    /** Builds {@link FailureReplayOptions}. Not thread-safe. */
    public static final class Builder implements Cloneable {

        private DynamoDbAsyncClient client;
        private String tableName;
        private String streamArn;
        private String shardId;
        private Set<Reason> reasons = EnumSet.noneOf(Reason.class);
        private Instant failedAfter;
        private Instant failedBefore;
        private boolean includeReplayed = DEFAULT_INCLUDE_REPLAYED;
        private int pageSize = DEFAULT_PAGE_SIZE;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** A copy of this builder: the state options keep, and what {@code toBuilder()} hands out. */
        private Builder copy() {
            Builder c = OptionsSupport.copy(this::clone);
            c.reasons = EnumSet.copyOf(reasons);
            return c;
        }

        /** The client to use (required). The replay never closes it. */
        public Builder client(DynamoDbAsyncClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /** The failure table (required), as given to {@link DynamoDbFailureDestinationOptions}. */
        public Builder tableName(String tableName) {
            this.tableName = Objects.requireNonNull(tableName, "tableName");
            return this;
        }

        /** Only failures of this stream (a Scan with a filter). */
        public Builder streamArn(String streamArn) {
            this.streamArn = Objects.requireNonNull(streamArn, "streamArn");
            return this;
        }

        /**
         * Only failures of this shard of this stream: read with a Query of the shard's partition, the cheapest
         * way. A shard id alone ({@link #shardId(String)}) scans the table.
         */
        public Builder shard(String streamArn, String shardId) {
            return streamArn(streamArn).shardId(shardId);
        }

        /** Only failures of this shard id, in whatever stream (a Scan with a filter unless a stream is set). */
        public Builder shardId(String shardId) {
            this.shardId = Objects.requireNonNull(shardId, "shardId");
            return this;
        }

        /** Only failures given up for one of these reasons; by default every reason. */
        public Builder reasons(Reason... reasons) {
            Objects.requireNonNull(reasons, "reasons");
            return reasons(Set.of(reasons));
        }

        /** Only failures given up for one of these reasons; by default every reason. */
        public Builder reasons(Set<Reason> reasons) {
            Objects.requireNonNull(reasons, "reasons");
            if (reasons.isEmpty()) {
                throw new IllegalArgumentException("reasons must not be empty: leave it unset to replay every reason");
            }
            this.reasons = EnumSet.copyOf(reasons);
            return this;
        }

        /** Only failures given up at or after {@code failedAfter} and before {@code failedBefore}. */
        public Builder failedBetween(Instant failedAfter, Instant failedBefore) {
            return failedAfter(failedAfter).failedBefore(failedBefore);
        }

        /** Only failures given up at or after this instant. */
        public Builder failedAfter(Instant failedAfter) {
            this.failedAfter = Objects.requireNonNull(failedAfter, "failedAfter");
            return this;
        }

        /** Only failures given up before this instant. */
        public Builder failedBefore(Instant failedBefore) {
            this.failedBefore = Objects.requireNonNull(failedBefore, "failedBefore");
            return this;
        }

        /** Whether failures already marked replayed are replayed again; default false. */
        public Builder includeReplayed(boolean includeReplayed) {
            this.includeReplayed = includeReplayed;
            return this;
        }

        /** Items per Query or Scan page, 1 to 1000; default 100. */
        public Builder pageSize(int pageSize) {
            this.pageSize = pageSize;
            return this;
        }

        /** The clock of the {@code replayedAt} marks; default the system clock (UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Validates and builds the options.
         *
         * @throws IllegalStateException if {@code client} or {@code tableName} was not set
         * @throws IllegalArgumentException naming the offending option
         */
        public FailureReplayOptions build() {
            if (client == null) {
                throw new IllegalStateException("client is required: set a DynamoDbAsyncClient with client(...)");
            }
            if (tableName == null) {
                throw new IllegalStateException("tableName is required: set the failure table with tableName(...)");
            }
            DynamoDbTables.requireValidTableName(tableName, "tableName");
            if (streamArn != null && streamArn.isEmpty()) {
                throw new IllegalArgumentException("streamArn must not be empty");
            }
            if (shardId != null && shardId.isEmpty()) {
                throw new IllegalArgumentException("shardId must not be empty");
            }
            if (failedAfter != null && failedBefore != null && !failedAfter.isBefore(failedBefore)) {
                throw new IllegalArgumentException("failedAfter must be before failedBefore, was failedAfter="
                        + failedAfter + ", failedBefore=" + failedBefore);
            }
            OptionsSupport.require(pageSize >= 1 && pageSize <= 1000, "pageSize", "be between 1 and 1000", pageSize);
            return new FailureReplayOptions(this);
        }
    }
}
