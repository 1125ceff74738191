package io.github.ddbstreams.operators.errors;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

import io.github.ddbstreams.RetryOptions;
import io.github.ddbstreams.internal.OptionsSupport;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Options of {@link ErrorHandling}: how often and how long a failing batch is retried, whether it is bisected,
 * and where records that cannot be processed go. Immutable; made with {@link #builder()}.
 *
 * <p>The defaults never block a shard forever: {@value #DEFAULT_MAX_ATTEMPTS} attempts with exponential
 * backoff from {@link #DEFAULT_RETRY_BACKOFF 1 s} to {@link #DEFAULT_MAX_RETRY_BACKOFF 30 s} (about 2.5 minutes
 * in all), then the record goes to the {@link #failureDestination() failure destination} or, without one, the
 * Flux fails naming the record's shard and sequence number. Set {@code maxAttempts(Integer.MAX_VALUE)} for
 * Lambda's default (retry until the record is older than {@link #maxRecordAge()}); a record retried that long
 * is still visible: a WARN log every {@link #attemptsPerWarning()} attempts and the
 * {@code ddb.streams.errors.retrying.duration.max} gauge.
 *
 * <pre>{@code
 * ErrorHandlingOptions options = ErrorHandlingOptions.builder()
 *     .maxAttempts(5)
 *     .bisectOnError(true)
 *     .maxRecordAge(Duration.ofHours(1))
 *     .failureDestination(DynamoDbFailureDestination.create(destinationOptions))
 *     .build();
 * }</pre>
 */
public final class ErrorHandlingOptions {

    /** What the age of a record is measured from, for {@link #maxRecordAge()}. */
    public enum RecordAgeBasis {
        /**
         * The record's {@link io.github.ddbstreams.record.ChangeRecord#approximateCreationTime()} (Lambda's
         * meaning), or when it is absent the time the operator first saw the record. Coarse: seconds on AWS,
         * minutes (sometimes absurd values) on DynamoDB Local.
         */
        CREATION_TIME,
        /** The time the operator received the record's batch, by the options' scheduler clock. */
        FIRST_SEEN
    }

    /** By default a record is attempted 10 times (the first call and 9 retries). */
    public static final int DEFAULT_MAX_ATTEMPTS = 10;
    /** By default the first retry waits about 1 second. */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(1);
    /** By default retries wait at most about 30 seconds. */
    public static final Duration DEFAULT_MAX_RETRY_BACKOFF = Duration.ofSeconds(30);
    /** By default each backoff is randomized by ±50%. */
    public static final double DEFAULT_RETRY_JITTER = 0.5;
    /** By default the age of a record is measured from its approximate creation time. */
    public static final RecordAgeBasis DEFAULT_RECORD_AGE_BASIS = RecordAgeBasis.CREATION_TIME;
    /** By default a failing batch is retried as a whole, not bisected (Lambda's default). */
    public static final boolean DEFAULT_BISECT_ON_ERROR = false;
    /** By default a failure destination write is attempted 10 times before the Flux fails. */
    public static final int DEFAULT_DESTINATION_MAX_ATTEMPTS = 10;
    /** By default a WARN log is written every 3rd failed attempt of a record. */
    public static final int DEFAULT_ATTEMPTS_PER_WARNING = 3;
    /** By default batches of up to 16 shards are processed at the same time. */
    public static final int DEFAULT_CONCURRENCY = 16;
    /** The default name, the {@code name} tag of the meters. */
    public static final String DEFAULT_NAME = "default";

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;

    private ErrorHandlingOptions(Builder b) {
        this.s = b.copy();
    }

    /** A builder with every option at its default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The options with every default: 10 attempts, no bisect, no failure destination. */
    public static ErrorHandlingOptions defaults() {
        return builder().build();
    }

    /** A builder holding these options, to derive modified ones. */
    public Builder toBuilder() {
        return s.copy();
    }

    /** How many times a record is attempted before it is given up; {@code Integer.MAX_VALUE} for no limit. */
    public int maxAttempts() {
        return s.retryOptions.maxRetries() >= Integer.MAX_VALUE - 1L ? Integer.MAX_VALUE : (int) s.retryOptions.maxRetries() + 1;
    }

    /** The backoff before the first retry; doubled on each further retry up to {@link #maxRetryBackoff()}. */
    public Duration retryBackoff() {
        return s.retryOptions.retryBackoff();
    }

    /** The longest backoff between two attempts (before jitter). */
    public Duration maxRetryBackoff() {
        return s.retryOptions.maxRetryBackoff();
    }

    /** The jitter factor in [0, 1]: each backoff {@code d} becomes a random value in {@code d ± jitter·d}. */
    public double retryJitter() {
        return s.retryOptions.retryJitter();
    }

    /**
     * The retries of a failing record as one value: {@code maxRetries} is {@link #maxAttempts()} − 1 ({@code
     * Integer.MAX_VALUE − 1} or more: no limit), with {@link #retryBackoff()}, {@link #maxRetryBackoff()} and
     * {@link #retryJitter()}.
     *
     * <pre>{@code
     * options.toBuilder().retry(options.retry().toBuilder().maxRetries(4).build()).build(); // 5 attempts
     * }</pre>
     */
    public RetryOptions retry() {
        return s.retryOptions;
    }

    /** Records older than this are given up with {@link FailedRecord.Reason#MAX_AGE_EXCEEDED}; empty: no limit. */
    public Optional<Duration> maxRecordAge() {
        return Optional.ofNullable(s.maxRecordAge);
    }

    /** What the age of a record is measured from. */
    public RecordAgeBasis recordAgeBasis() {
        return s.recordAgeBasis;
    }

    /** Whether a failing batch is split in halves to isolate the records that fail on their own. */
    public boolean bisectOnError() {
        return s.bisectOnError;
    }

    /**
     * Which errors are worth retrying; default: all. A record failing alone with an error this rejects (a
     * validation error, a mapping conflict) is given up at once instead of after {@link #maxAttempts()}; with
     * {@link #bisectOnError()} a failing batch is first narrowed down to such records.
     */
    public java.util.function.Predicate<Throwable> retryable() {
        return s.retryable;
    }

    /** Where given-up records go; empty: a given-up record fails the Flux. */
    public Optional<FailureDestination> failureDestination() {
        return Optional.ofNullable(s.failureDestination);
    }

    /** How many times a failure destination write is attempted before the Flux fails. */
    public int destinationMaxAttempts() {
        return s.destinationMaxAttempts;
    }

    /** A WARN log is written every this many failed attempts of a record. */
    public int attemptsPerWarning() {
        return s.attemptsPerWarning;
    }

    /** How many batches (of different shards) are processed at the same time. */
    public int concurrency() {
        return s.concurrency;
    }

    /** The scheduler of backoff delays and of the clock used for ages and timestamps. */
    public Scheduler scheduler() {
        return s.scheduler;
    }

    /** The registry of the meters, or {@code null}: no meters (Micrometer need not be on the classpath). */
    public MeterRegistry meterRegistry() {
        return s.meterRegistry;
    }

    /** The name of this operator: the {@code name} tag of its meters and a prefix of its log lines. */
    public String name() {
        return s.name;
    }

    @Override
    public String toString() {
        return "ErrorHandlingOptions{name=" + s.name + ", maxAttempts=" + maxAttempts() + ", retryBackoff=" + retryBackoff()
                + ", maxRetryBackoff=" + maxRetryBackoff() + ", retryJitter=" + retryJitter()
                + ", maxRecordAge=" + s.maxRecordAge + ", recordAgeBasis=" + s.recordAgeBasis
                + ", bisectOnError=" + s.bisectOnError + ", failureDestination=" + s.failureDestination
                + ", destinationMaxAttempts=" + s.destinationMaxAttempts + ", attemptsPerWarning=" + s.attemptsPerWarning
                + ", concurrency=" + s.concurrency + ", scheduler=" + s.scheduler
                + ", meters=" + (s.meterRegistry != null) + "}";
    }

    /** Builds {@link ErrorHandlingOptions}. Not thread-safe. */
    public static final class Builder implements Cloneable {

        private RetryOptions.Builder retry = RetryOptions.builder().maxRetries(DEFAULT_MAX_ATTEMPTS - 1L)
                .retryBackoff(DEFAULT_RETRY_BACKOFF).maxRetryBackoff(DEFAULT_MAX_RETRY_BACKOFF)
                .retryJitter(DEFAULT_RETRY_JITTER);
        /** Set by {@link #maxAttempts(int)} after the last {@link #retry(RetryOptions)}; null: the retry's. */
        private Integer maxAttempts;
        private RetryOptions retryOptions;
        private Duration maxRecordAge;
        private RecordAgeBasis recordAgeBasis = DEFAULT_RECORD_AGE_BASIS;
        private boolean bisectOnError = DEFAULT_BISECT_ON_ERROR;
        private java.util.function.Predicate<Throwable> retryable = error -> true;
        private FailureDestination failureDestination;
        private int destinationMaxAttempts = DEFAULT_DESTINATION_MAX_ATTEMPTS;
        private int attemptsPerWarning = DEFAULT_ATTEMPTS_PER_WARNING;
        private int concurrency = DEFAULT_CONCURRENCY;
        private Scheduler scheduler = Schedulers.parallel();
        private MeterRegistry meterRegistry;
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
         * How many times a record is attempted (first call included) before it is given up; at least 1;
         * default {@value ErrorHandlingOptions#DEFAULT_MAX_ATTEMPTS}; {@code Integer.MAX_VALUE} means no limit
         * (then set {@link #maxRecordAge(Duration)}, or a poison record blocks its shard, visibly, forever).
         */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** The backoff before the first retry; zero or more; default 1 s. */
        public Builder retryBackoff(Duration retryBackoff) {
            this.retry.retryBackoff(retryBackoff);
            return this;
        }

        /** The longest backoff; at least {@code retryBackoff}; default 30 s. */
        public Builder maxRetryBackoff(Duration maxRetryBackoff) {
            this.retry.maxRetryBackoff(maxRetryBackoff);
            return this;
        }

        /** The jitter factor, in [0, 1]; default {@value ErrorHandlingOptions#DEFAULT_RETRY_JITTER}. */
        public Builder retryJitter(double retryJitter) {
            this.retry.retryJitter(retryJitter);
            return this;
        }

        /**
         * How a failing record is retried, in one value: {@code maxRetries + 1} attempts ({@code Integer.MAX_VALUE}
         * at most: no limit), backoff and jitter; replaces {@code maxAttempts}, {@code retryBackoff},
         * {@code maxRetryBackoff} and {@code retryJitter}, which later calls change in turn.
         *
         * <pre>{@code
         * builder.retry(RetryOptions.builder().maxRetries(4).retryBackoff(Duration.ofMillis(500)).build());
         * }</pre>
         */
        public Builder retry(RetryOptions retry) {
            this.retry = Objects.requireNonNull(retry, "retry").toBuilder();
            this.maxAttempts = null;
            return this;
        }

        /**
         * Gives up records older than this (reason {@link FailedRecord.Reason#MAX_AGE_EXCEEDED}), checked before
         * each attempt; positive; {@code null} (the default) for no limit.
         */
        public Builder maxRecordAge(Duration maxRecordAge) {
            this.maxRecordAge = maxRecordAge;
            return this;
        }

        /** What record ages are measured from; default {@link RecordAgeBasis#CREATION_TIME}. */
        public Builder recordAgeBasis(RecordAgeBasis recordAgeBasis) {
            this.recordAgeBasis = Objects.requireNonNull(recordAgeBasis, "recordAgeBasis");
            return this;
        }

        /** Whether a batch that fails with an error is split in halves to isolate poison records; default false. */
        /** Which errors are worth retrying (see {@link ErrorHandlingOptions#retryable()}); default: all. */
        public Builder retryable(java.util.function.Predicate<Throwable> retryable) {
            this.retryable = java.util.Objects.requireNonNull(retryable, "retryable");
            return this;
        }

        /** Whether a failing batch is split in halves to isolate the records that fail on their own; default {@code false}. */
        public Builder bisectOnError(boolean bisectOnError) {
            this.bisectOnError = bisectOnError;
            return this;
        }

        /** Where given-up records go; {@code null} (the default): a given-up record fails the Flux. */
        public Builder failureDestination(FailureDestination failureDestination) {
            this.failureDestination = failureDestination;
            return this;
        }

        /** How many times a destination write is attempted (with the same backoff); at least 1; default 10. */
        public Builder destinationMaxAttempts(int destinationMaxAttempts) {
            this.destinationMaxAttempts = destinationMaxAttempts;
            return this;
        }

        /** A WARN log every this many failed attempts of a record; at least 1; default 3. */
        public Builder attemptsPerWarning(int attemptsPerWarning) {
            this.attemptsPerWarning = attemptsPerWarning;
            return this;
        }

        /** How many batches (of different shards) are processed at the same time; at least 1; default 16. */
        public Builder concurrency(int concurrency) {
            this.concurrency = concurrency;
            return this;
        }

        /** The scheduler of delays and of the clock; default {@link Schedulers#parallel()}. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Registers meters {@code ddb.streams.errors.*} in this registry; {@code null} (the default): none. */
        public Builder meterRegistry(MeterRegistry meterRegistry) {
            this.meterRegistry = meterRegistry;
            return this;
        }

        /** The {@code name} tag of the meters (keep it a constant); default {@value ErrorHandlingOptions#DEFAULT_NAME}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Validates and builds the options.
         *
         * @throws IllegalArgumentException naming the offending option
         */
        public ErrorHandlingOptions build() {
            if (maxAttempts != null) {
                OptionsSupport.require(maxAttempts >= 1, "maxAttempts", "be at least 1", maxAttempts);
                retry.maxRetries(maxAttempts - 1L);
            }
            retryOptions = retry.build();
            if (maxRecordAge != null) {
                OptionsSupport.requirePositive(maxRecordAge, "maxRecordAge");
            }
            if (destinationMaxAttempts < 1) {
                throw new IllegalArgumentException("destinationMaxAttempts must be at least 1, was "
                        + destinationMaxAttempts);
            }
            OptionsSupport.require(attemptsPerWarning >= 1, "attemptsPerWarning", "be at least 1", attemptsPerWarning);
            OptionsSupport.require(concurrency >= 1, "concurrency", "be at least 1", concurrency);
            OptionsSupport.requireNotBlank(name, "name");
            return new ErrorHandlingOptions(this);
        }
    }
}
