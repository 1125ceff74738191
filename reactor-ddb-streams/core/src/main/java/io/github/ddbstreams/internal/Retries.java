package io.github.ddbstreams.internal;

import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Predicate;

import io.github.ddbstreams.RetryOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * The one place {@link RetryOptions} become a Reactor {@link Retry}: exponential backoff with jitter on the
 * caller's scheduler, a filter (usually {@link AwsFaults#isRetryable}), an {@link Observer} (the meters' hook),
 * logs, and what is thrown once the retries ran out.
 *
 * <pre>{@code
 * call.retryWhen(Retries.retry(options.retry(), options.scheduler(), "Scan " + table,
 *         AwsFaults::isRetryable, Retries.Observer.NONE, Retries::giveUp))
 * }</pre>
 */
public final class Retries {

    private static final Logger log = LoggerFactory.getLogger(Retries.class);

    /** Retries in a row logged at DEBUG before they are logged at WARN. */
    private static final long QUIET_RETRIES = 3;

    private Retries() {
    }

    /** Told about each failure before it is retried. */
    @FunctionalInterface
    public interface Observer {
        /** Tells nothing. */
        Observer NONE = (failure, throttled) -> { };

        /** {@code failure} (unwrapped) will be retried; {@code throttled} when the service throttled the call. */
        void retrying(Throwable failure, boolean throttled);
    }

    /**
     * Exponential backoff ({@code retryBackoff · 2^n} up to {@code maxRetryBackoff}, ±{@code retryJitter}) of at
     * most {@code maxRetries} retries on {@code scheduler}, retrying every failure; callers add a filter.
     */
    public static RetryBackoffSpec backoff(RetryOptions options, Scheduler scheduler) {
        return Retry.backoff(options.maxRetries(), options.retryBackoff())
                .maxBackoff(options.maxRetryBackoff())
                .jitter(options.retryJitter())
                .scheduler(Objects.requireNonNull(scheduler, "scheduler"));
    }

    /**
     * {@link #backoff} retrying the failures {@code retryable} accepts, telling {@code observer} and logging each
     * retry (DEBUG, WARN from the 4th in a row on), and throwing {@code exhausted.apply(message, failure)} once
     * {@code maxRetries} ran out ({@code failure} unwrapped, {@code message} saying what failed how often).
     *
     * @param what the call, for logs and messages (never item contents)
     */
    public static RetryBackoffSpec retry(RetryOptions options, Scheduler scheduler, String what,
            Predicate<? super Throwable> retryable, Observer observer,
            BiFunction<String, Throwable, ? extends Throwable> exhausted) {
        return backoff(options, scheduler)
                .filter(retryable)
                .doBeforeRetry(signal -> {
                    Throwable failure = AwsFaults.unwrap(signal.failure());
                    observer.retrying(failure, AwsFaults.isThrottling(failure));
                    long retry = signal.totalRetriesInARow() + 1;
                    if (retry <= QUIET_RETRIES) {
                        log.debug("{} failed ({}), retry #{}", what, failure.toString(), retry);
                    } else {
                        log.warn("{} failed ({}), retry #{}", what, failure.toString(), retry);
                    }
                })
                .onRetryExhaustedThrow((spec, signal) -> exhausted.apply(what + " failed " + (signal.totalRetries() + 1)
                        + " times; giving up after maxRetries=" + options.maxRetries(),
                        AwsFaults.unwrap(signal.failure())));
    }

    /** For {@link #retry}: an {@link IllegalStateException} with the message, caused by the last failure. */
    public static Throwable giveUp(String message, Throwable failure) {
        return new IllegalStateException(message, failure);
    }

    /** For {@link #retry}: the last failure itself (a sink reports it as the record's failure). */
    public static Throwable lastFailure(String message, Throwable failure) {
        return failure;
    }
}
