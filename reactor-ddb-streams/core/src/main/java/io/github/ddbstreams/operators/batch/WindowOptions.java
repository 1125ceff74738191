package io.github.ddbstreams.operators.batch;

import java.time.Duration;
import java.util.Objects;

import io.github.ddbstreams.internal.OptionsSupport;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Immutable configuration of {@link Windows#tumbling}: the window {@link #duration()}, the
 * {@link #scheduler()} whose clock places records in windows and closes them, and whether records are
 * acknowledged when their window's result is emitted.
 *
 * <pre>{@code
 * WindowOptions options = WindowOptions.builder().duration(Duration.ofMinutes(1)).build();
 * }</pre>
 */
public final class WindowOptions {

    /** Window length: 1 minute. */
    public static final Duration DEFAULT_DURATION = Duration.ofMinutes(1);
    /** Records are acknowledged once their window's result was emitted: yes. */
    public static final boolean DEFAULT_ACKNOWLEDGE_ON_EMIT = true;

    /** The state of the builder these options were built from: a private copy (see OptionsSupport). */
    private final Builder s;

    private WindowOptions(Builder b) {
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

    /** The length of each window; windows are aligned to the epoch of {@link #scheduler()}'s clock. */
    public Duration duration() {
        return s.duration;
    }

    /** The scheduler whose clock assigns records to windows and closes them; {@link Schedulers#parallel()}. */
    public Scheduler scheduler() {
        return s.scheduler;
    }

    /**
     * Whether the records of a window are acknowledged right after its {@link WindowResult} was handed to
     * downstream ({@code true}), or only by {@link WindowResult#acknowledge()} ({@code false}: at least once
     * for results that are written somewhere asynchronously).
     */
    public boolean acknowledgeOnEmit() {
        return s.acknowledgeOnEmit;
    }

    @Override
    public String toString() {
        return "WindowOptions{duration=" + s.duration + ", acknowledgeOnEmit=" + s.acknowledgeOnEmit + "}";
    }

    /** Builds {@link WindowOptions}; {@link #build()} checks every rule and names the offending option. */
    public static final class Builder implements Cloneable {
        private Duration duration = DEFAULT_DURATION;
        private Scheduler scheduler = Schedulers.parallel();
        private boolean acknowledgeOnEmit = DEFAULT_ACKNOWLEDGE_ON_EMIT;

        private Builder() {
        }

        /** A copy of this builder: the state options keep, and what {@code toBuilder()} hands out. */
        private Builder copy() {
            return OptionsSupport.copy(this::clone);
        }

        /** The length of each window, >= 1 ms; 1 minute by default. */
        public Builder duration(Duration duration) {
            this.duration = duration;
            return this;
        }

        /** The scheduler of the clock and timers (a {@code VirtualTimeScheduler} in tests). */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** Whether records are acknowledged when their window's result is emitted; {@code true} by default. */
        public Builder acknowledgeOnEmit(boolean acknowledgeOnEmit) {
            this.acknowledgeOnEmit = acknowledgeOnEmit;
            return this;
        }

        /**
         * Builds the options.
         *
         * @throws IllegalArgumentException naming the option when a value is out of range
         * @throws NullPointerException naming the option when a required value is missing
         */
        public WindowOptions build() {
            Objects.requireNonNull(duration, "duration");
            OptionsSupport.require(duration.toMillis() >= 1, "duration", "be >= 1 ms", duration);
            Objects.requireNonNull(scheduler, "scheduler");
            return new WindowOptions(this);
        }
    }
}
