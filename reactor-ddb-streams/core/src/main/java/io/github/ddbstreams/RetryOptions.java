package io.github.ddbstreams;

import java.time.Duration;
import java.util.Objects;

import io.github.ddbstreams.internal.OptionsSupport;

/**
 * How a failing call is retried: at most {@link #maxRetries()} retries, the first after {@link #retryBackoff()},
 * each further one after twice the previous backoff up to {@link #maxRetryBackoff()}, every backoff randomized by
 * ±{@link #retryJitter()} (Reactor's {@code Retry.backoff}). Which failures are retried is not part of it: each
 * component retries the failures that can pass (throttling, 5xx, timeouts, I/O).
 *
 * <p>Every options class with retries accepts one ({@code .retry(RetryOptions)}) and returns it
 * ({@code retry()}); their {@code maxRetries}, {@code retryBackoff} and {@code maxRetryBackoff} setters and getters
 * are views of this value. The timers run on the options' own scheduler. Immutable and thread-safe.
 *
 * <pre>{@code
 * RetryOptions patient = RetryOptions.builder()
 *     .maxRetries(20).retryBackoff(Duration.ofMillis(200)).maxRetryBackoff(Duration.ofSeconds(30)).build();
 * ReceiverOptions receiver = ReceiverOptions.builder().tableName("orders").retry(patient).build();
 * BackfillOptions backfill = BackfillOptions.builder().tableName("orders").retry(patient).build();
 * }</pre>
 */
public final class RetryOptions {

    /** By default failures are retried until they stop ({@code Long.MAX_VALUE}: unlimited). */
    public static final long DEFAULT_MAX_RETRIES = Long.MAX_VALUE;
    /** By default the first retry waits about 100 ms. */
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
    /** By default retries wait at most about 10 s. */
    public static final Duration DEFAULT_MAX_RETRY_BACKOFF = Duration.ofSeconds(10);
    /** By default each backoff is randomized by ±50%. */
    public static final double DEFAULT_RETRY_JITTER = 0.5;

    private final long maxRetries;
    private final Duration retryBackoff;
    private final Duration maxRetryBackoff;
    private final double retryJitter;

    private RetryOptions(Builder b) {
        this.maxRetries = b.maxRetries;
        this.retryBackoff = b.retryBackoff;
        this.maxRetryBackoff = b.maxRetryBackoff;
        this.retryJitter = b.retryJitter;
    }

    /**
     * A builder with every setting at its default (unlimited retries, 100 ms to 10 s, ±50%).
     *
     * <pre>{@code
     * RetryOptions three = RetryOptions.builder().maxRetries(3).build();
     * }</pre>
     */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, to derive modified ones. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxRetries = maxRetries;
        b.retryBackoff = retryBackoff;
        b.maxRetryBackoff = maxRetryBackoff;
        b.retryJitter = retryJitter;
        return b;
    }

    /** How many times a failing call is retried (the first call not counted); {@code Long.MAX_VALUE}: unlimited. */
    public long maxRetries() {
        return maxRetries;
    }

    /** The backoff before the first retry; doubled on each further retry up to {@link #maxRetryBackoff()}. */
    public Duration retryBackoff() {
        return retryBackoff;
    }

    /** The longest backoff between two attempts (before jitter). */
    public Duration maxRetryBackoff() {
        return maxRetryBackoff;
    }

    /** The jitter factor in [0, 1]: each backoff {@code d} becomes a random value in {@code d ± jitter·d}. */
    public double retryJitter() {
        return retryJitter;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetryOptions other && maxRetries == other.maxRetries
                && retryBackoff.equals(other.retryBackoff) && maxRetryBackoff.equals(other.maxRetryBackoff)
                && Double.compare(retryJitter, other.retryJitter) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxRetries, retryBackoff, maxRetryBackoff, retryJitter);
    }

    @Override
    public String toString() {
        return "RetryOptions{maxRetries=" + (maxRetries == Long.MAX_VALUE ? "unlimited" : maxRetries)
                + ", retryBackoff=" + retryBackoff + ".." + maxRetryBackoff + ", retryJitter=" + retryJitter + "}";
    }

    /** Builds {@link RetryOptions}. Not thread-safe. */
    public static final class Builder {

        private long maxRetries = DEFAULT_MAX_RETRIES;
        private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
        private Duration maxRetryBackoff = DEFAULT_MAX_RETRY_BACKOFF;
        private double retryJitter = DEFAULT_RETRY_JITTER;

        private Builder() {
        }

        /** Retries of a failing call; zero or more; {@code Long.MAX_VALUE} for no limit (the default). */
        public Builder maxRetries(long maxRetries) {
            this.maxRetries = maxRetries;
            return this;
        }

        /** The backoff before the first retry; zero or more; default 100 ms. */
        public Builder retryBackoff(Duration retryBackoff) {
            this.retryBackoff = Objects.requireNonNull(retryBackoff, "retryBackoff");
            return this;
        }

        /** The longest backoff; at least {@code retryBackoff}; default 10 s. */
        public Builder maxRetryBackoff(Duration maxRetryBackoff) {
            this.maxRetryBackoff = Objects.requireNonNull(maxRetryBackoff, "maxRetryBackoff");
            return this;
        }

        /** The jitter factor, in [0, 1]; default {@value RetryOptions#DEFAULT_RETRY_JITTER}. */
        public Builder retryJitter(double retryJitter) {
            this.retryJitter = retryJitter;
            return this;
        }

        /**
         * Validates and builds the settings.
         *
         * @throws IllegalArgumentException naming the offending setting
         */
        public RetryOptions build() {
            OptionsSupport.require(maxRetries >= 0, "maxRetries", "not be negative", maxRetries);
            OptionsSupport.require(!retryBackoff.isNegative(), "retryBackoff", "not be negative", retryBackoff);
            if (maxRetryBackoff.compareTo(retryBackoff) < 0) {
                throw new IllegalArgumentException("maxRetryBackoff (" + maxRetryBackoff
                        + ") must not be less than retryBackoff (" + retryBackoff + ")");
            }
            OptionsSupport.require(retryJitter >= 0 && retryJitter <= 1, "retryJitter", "be in [0, 1]", retryJitter);
            return new RetryOptions(this);
        }
    }
}
