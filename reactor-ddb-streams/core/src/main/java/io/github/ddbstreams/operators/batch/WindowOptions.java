package io.github.ddbstreams.operators.batch;

import java.time.Duration;
import java.util.Objects;

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

    private final Duration duration;
    private final Scheduler scheduler;
    private final boolean acknowledgeOnEmit;

    private WindowOptions(Builder b) {
        this.duration = b.duration;
        this.scheduler = b.scheduler;
        this.acknowledgeOnEmit = b.acknowledgeOnEmit;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        return new Builder().duration(duration).scheduler(scheduler).acknowledgeOnEmit(acknowledgeOnEmit);
    }

    /** The length of each window; windows are aligned to the epoch of {@link #scheduler()}'s clock. */
    public Duration duration() {
        return duration;
    }

    /** The scheduler whose clock assigns records to windows and closes them; {@link Schedulers#parallel()}. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * Whether the records of a window are acknowledged right after its {@link WindowResult} was handed to
     * downstream ({@code true}), or only by {@link WindowResult#acknowledge()} ({@code false}: at least once
     * for results that are written somewhere asynchronously).
     */
    public boolean acknowledgeOnEmit() {
        return acknowledgeOnEmit;
    }

    @Override
    public String toString() {
        return "WindowOptions{duration=" + duration + ", acknowledgeOnEmit=" + acknowledgeOnEmit + "}";
    }

    /** Builds {@link WindowOptions}; {@link #build()} checks every rule and names the offending option. */
    public static final class Builder {
        private Duration duration = DEFAULT_DURATION;
        private Scheduler scheduler = Schedulers.parallel();
        private boolean acknowledgeOnEmit = DEFAULT_ACKNOWLEDGE_ON_EMIT;

        private Builder() {
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
            if (duration.toMillis() < 1) {
                throw new IllegalArgumentException("duration must be >= 1 ms, was " + duration);
            }
            Objects.requireNonNull(scheduler, "scheduler");
            return new WindowOptions(this);
        }
    }
}
