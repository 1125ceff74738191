package io.github.ddbstreams.operators.dedupe;

import java.time.Duration;
import java.util.Objects;

import io.github.ddbstreams.internal.OptionsSupport;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Bounds of the state of the {@link Dedupe} operators, and the clock of its time window. Immutable.
 *
 * <ul>
 * <li>{@link #maxSize()}: how many event ids {@link Dedupe#byEventId(DedupeOptions)} remembers (the oldest
 *     is forgotten first);</li>
 * <li>{@link #maxAge()}: how long it remembers an event id, measured from its first sighting on
 *     {@link #scheduler()}'s clock;</li>
 * <li>{@link #maxShards()}: how many shards {@link Dedupe#bySequenceNumber(DedupeOptions)} tracks (the
 *     least recently seen is forgotten first).</li>
 * </ul>
 *
 * <pre>{@code
 * DedupeOptions options = DedupeOptions.builder()
 *         .maxSize(50_000)
 *         .maxAge(Duration.ofMinutes(30))
 *         .build();
 * }</pre>
 */
public final class DedupeOptions {

    /** Event ids remembered by default. */
    public static final int DEFAULT_MAX_SIZE = 10_000;
    /** How long an event id is remembered by default. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(1);
    /** Shards tracked by default (a table's open shards plus those closed within the stream's 24 h retention). */
    public static final int DEFAULT_MAX_SHARDS = 10_000;

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;

    private DedupeOptions(Builder b) {
        this.s = b.copy();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        return s.copy();
    }

    /** The most event ids remembered. */
    public int maxSize() {
        return s.maxSize;
    }

    /** How long an event id is remembered after it was first seen. */
    public Duration maxAge() {
        return s.maxAge;
    }

    /** The most shards whose highest sequence number is tracked. */
    public int maxShards() {
        return s.maxShards;
    }

    /** The scheduler whose clock ({@link Scheduler#now}) ages event ids; tests pass virtual time here. */
    public Scheduler scheduler() {
        return s.scheduler;
    }

    /** When a record counts as seen; default {@link RememberWhen#ACKNOWLEDGED}. */
    public RememberWhen rememberWhen() {
        return s.rememberWhen;
    }

    /** When a record counts as seen, so that a later copy of it is dropped. */
    public enum RememberWhen {
        /**
         * When it is acknowledged (processed): a copy of a record that was emitted but never processed (its
         * processing failed, the pipeline was re-subscribed) is delivered again. Nothing is lost; a copy
         * arriving while the first is still in flight passes too. The default.
         */
        ACKNOWLEDGED,
        /**
         * When it is emitted: every later copy is dropped (and acknowledged), even if the first copy was never
         * processed. At most once for replays: use only where an emitted record is sure to be processed.
         */
        EMITTED
    }

    @Override
    public String toString() {
        return "DedupeOptions{maxSize=" + s.maxSize + ", maxAge=" + s.maxAge + ", maxShards=" + s.maxShards
                + ", rememberWhen=" + s.rememberWhen + "}";
    }

    /** Builds {@link DedupeOptions}. */
    public static final class Builder implements Cloneable {
        private int maxSize = DEFAULT_MAX_SIZE;
        private Duration maxAge = DEFAULT_MAX_AGE;
        private int maxShards = DEFAULT_MAX_SHARDS;
        private Scheduler scheduler = Schedulers.parallel();
        private RememberWhen rememberWhen = RememberWhen.ACKNOWLEDGED;

        private Builder() {
        }

        /** A copy of this builder: the state options keep, and what {@code toBuilder()} hands out. */
        private Builder copy() {
            return OptionsSupport.copy(this::clone);
        }

        /** When a record counts as seen; default {@link RememberWhen#ACKNOWLEDGED} (never loses a record). */
        public Builder rememberWhen(RememberWhen rememberWhen) {
            this.rememberWhen = rememberWhen;
            return this;
        }

        /** The most event ids remembered, at least 1; default {@value DedupeOptions#DEFAULT_MAX_SIZE}. */
        public Builder maxSize(int maxSize) {
            this.maxSize = maxSize;
            return this;
        }

        /** How long an event id is remembered after it was first seen, positive; default 1 hour. */
        public Builder maxAge(Duration maxAge) {
            this.maxAge = maxAge;
            return this;
        }

        /** The most shards tracked, at least 1; default {@value DedupeOptions#DEFAULT_MAX_SHARDS}. */
        public Builder maxShards(int maxShards) {
            this.maxShards = maxShards;
            return this;
        }

        /** The scheduler whose clock ages event ids; default {@code Schedulers.parallel()}. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /**
         * Builds the options.
         *
         * @throws NullPointerException naming the field that is null
         * @throws IllegalArgumentException naming the field that is out of range
         */
        public DedupeOptions build() {
            OptionsSupport.require(maxSize >= 1, "maxSize", "be >= 1", maxSize);
            Objects.requireNonNull(maxAge, "maxAge");
            OptionsSupport.require(!maxAge.isNegative() && !maxAge.isZero(), "maxAge", "be > 0", maxAge);
            OptionsSupport.require(maxShards >= 1, "maxShards", "be >= 1", maxShards);
            Objects.requireNonNull(scheduler, "scheduler");
            Objects.requireNonNull(rememberWhen, "rememberWhen");
            return new DedupeOptions(this);
        }
    }
}
