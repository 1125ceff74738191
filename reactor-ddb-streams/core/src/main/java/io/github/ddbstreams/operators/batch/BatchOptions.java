package io.github.ddbstreams.operators.batch;

import java.time.Duration;
import java.util.Objects;

import io.github.ddbstreams.internal.OptionsSupport;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Immutable configuration of {@link Batching#batches(BatchOptions)}: a batch closes at {@link #maxRecords()}
 * records, at {@link #maxBytes()} bytes or {@link #maxWait()} after its first record, whichever comes first.
 *
 * <pre>{@code
 * BatchOptions options = BatchOptions.builder()
 *     .maxRecords(500)
 *     .maxBytes(5 * 1024 * 1024)
 *     .maxWait(Duration.ofMillis(200))
 *     .build();
 * }</pre>
 */
public final class BatchOptions {

    /** Records per batch: 100 (Lambda's default batch size for DynamoDB Streams). */
    public static final int DEFAULT_MAX_RECORDS = 100;
    /** Bytes per batch (sum of {@link io.github.ddbstreams.record.ChangeRecord#sizeBytes()}): 6 MiB. */
    public static final long DEFAULT_MAX_BYTES = 6L * 1024 * 1024;
    /** Longest time a batch stays open after its first record: 1 s. */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(1);
    /** Whether a batch may hold records of several shards: no. */
    public static final boolean DEFAULT_MIX_SHARDS = false;

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;

    private BatchOptions(Builder b) {
        this.s = b.copy();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The default options. */
    public static BatchOptions defaults() {
        return builder().build();
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        return s.copy();
    }

    /** Where the batch-size meter ({@code ddb.streams.batch.size}, tag {@code name}) goes, or {@code null}. */
    public MeterRegistry meterRegistry() {
        return s.meterRegistry;
    }

    /** The operator's name in meter tags; default {@code batching}. */
    public String name() {
        return s.name;
    }

    /** The most records in one batch. */
    public int maxRecords() {
        return s.maxRecords;
    }

    /**
     * The most bytes (sum of record sizes) in one batch; a single record larger than this forms a batch on
     * its own.
     */
    public long maxBytes() {
        return s.maxBytes;
    }

    /** How long after its first record a batch is emitted even when not full (by {@link #scheduler()}'s clock). */
    public Duration maxWait() {
        return s.maxWait;
    }

    /** Whether a batch may hold records of several shards (then there is one open batch in all). */
    public boolean mixShards() {
        return s.mixShards;
    }

    /** The scheduler of the {@link #maxWait()} timers and clock; {@link Schedulers#parallel()} by default. */
    public Scheduler scheduler() {
        return s.scheduler;
    }

    @Override
    public String toString() {
        return "BatchOptions{maxRecords=" + s.maxRecords + ", maxBytes=" + s.maxBytes + ", maxWait=" + s.maxWait
                + ", mixShards=" + s.mixShards + "}";
    }

    /** Builds {@link BatchOptions}; {@link #build()} checks every rule and names the offending option. */
    public static final class Builder implements Cloneable {
        private int maxRecords = DEFAULT_MAX_RECORDS;
        private long maxBytes = DEFAULT_MAX_BYTES;
        private Duration maxWait = DEFAULT_MAX_WAIT;
        private boolean mixShards = DEFAULT_MIX_SHARDS;
        private Scheduler scheduler = Schedulers.parallel();
        private MeterRegistry meterRegistry;
        private String name = "batching";

        private Builder() {
        }

        /** A copy of this builder: the state options keep, and what {@code toBuilder()} hands out. */
        private Builder copy() {
            return OptionsSupport.copy(this::clone);
        }

        /** The most records in one batch, >= 1; {@value BatchOptions#DEFAULT_MAX_RECORDS} by default. */
        public Builder maxRecords(int maxRecords) {
            this.maxRecords = maxRecords;
            return this;
        }

        /** The most bytes in one batch, >= 1; 6 MiB by default. */
        public Builder maxBytes(long maxBytes) {
            this.maxBytes = maxBytes;
            return this;
        }

        /** How long a batch may stay open after its first record, >= 1 ms; 1 s by default. */
        public Builder maxWait(Duration maxWait) {
            this.maxWait = maxWait;
            return this;
        }

        /** Whether a batch may hold records of several shards; {@code false} by default. */
        public Builder mixShards(boolean mixShards) {
            this.mixShards = mixShards;
            return this;
        }

        /** The scheduler of the timers and clock (a {@code VirtualTimeScheduler} in tests). */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** Records each emitted batch's size in {@code ddb.streams.batch.size} (Micrometer is optional). */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = meterRegistry;
            return this;
        }

        /** The operator's name in meter tags (a bounded value). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Builds the options.
         *
         * @throws IllegalArgumentException naming the option when a value is out of range
         * @throws NullPointerException naming the option when a required value is missing
         */
        public BatchOptions build() {
            OptionsSupport.require(maxRecords >= 1, "maxRecords", "be >= 1", maxRecords);
            OptionsSupport.require(maxBytes >= 1, "maxBytes", "be >= 1", maxBytes);
            Objects.requireNonNull(maxWait, "maxWait");
            OptionsSupport.require(maxWait.toMillis() >= 1, "maxWait", "be >= 1 ms", maxWait);
            Objects.requireNonNull(scheduler, "scheduler");
            Objects.requireNonNull(name, "name");
            return new BatchOptions(this);
        }
    }
}
