package io.github.ddbstreams.receiver.internal;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import io.github.ddbstreams.receiver.ReceiverOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.util.retry.Retry;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;

/** Classifies SDK failures and builds the retry policy of the receiver's calls. */
final class Faults {

    private static final Logger log = LoggerFactory.getLogger(Faults.class);

    /**
     * The receiver's calls carry this: the SDK client's own retries are switched off for them, so the
     * receiver's backoff ({@code retryBackoff}, {@code maxRetryBackoff}, {@code maxRetries}) is the one retry
     * layer that runs, whatever retry strategy the user's client was built with (stacked, every receiver
     * retry would make up to three SDK attempts with the SDK's own backoff in between).
     */
    private static final SdkPlugin NO_SDK_RETRIES = config -> config.overrideConfiguration(
            o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));

    /** Request override of every call the receiver makes: see {@link #NO_SDK_RETRIES}. */
    static final Consumer<AwsRequestOverrideConfiguration.Builder> ONE_RETRY_LAYER = o -> o.addPlugin(NO_SDK_RETRIES);

    private Faults() {
    }

    /** A call kept failing with retryable errors until {@code maxRetries} ran out. */
    static final class RetriesExhaustedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RetriesExhaustedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while (current instanceof CompletionException && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    static boolean isExpiredIterator(Throwable t) {
        return unwrap(t) instanceof ExpiredIteratorException;
    }

    static boolean isTrimmedData(Throwable t) {
        return unwrap(t) instanceof TrimmedDataAccessException;
    }

    static boolean isResourceNotFound(Throwable t) {
        return unwrap(t) instanceof ResourceNotFoundException;
    }

    static boolean isThrottling(Throwable t) {
        Throwable e = unwrap(t);
        if (e instanceof LimitExceededException || e instanceof ProvisionedThroughputExceededException
                || e instanceof RequestLimitExceededException) {
            return true;
        }
        return e instanceof SdkServiceException && ((SdkServiceException) e).isThrottlingException();
    }

    /**
     * Throttling, 5xx, I/O failures and calls that got no answer in time (a bounded call's {@link TimeoutException})
     * are worth retrying; everything else is a real error.
     */
    static boolean isRetryable(Throwable t) {
        Throwable e = unwrap(t);
        if (isThrottling(e) || e instanceof TimeoutException) {
            return true;
        }
        if (e instanceof SdkServiceException) {
            return ((SdkServiceException) e).statusCode() >= 500;
        }
        if (e instanceof SdkClientException) {
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof IOException) {
                    return true;
                }
            }
            return e.getMessage() != null && e.getMessage().contains("Unable to execute HTTP request");
        }
        return e instanceof IOException;
    }

    /** Told about each failure before it is retried. */
    @FunctionalInterface
    interface Observer {
        /** {@code failure} (unwrapped) will be retried; {@code throttled} when the service throttled the call. */
        void retrying(Throwable failure, boolean throttled);
    }

    /** Exponential backoff with jitter on the options' scheduler, for retryable failures only. */
    static Retry retry(ReceiverOptions options, String what) {
        return retry(options, what, (failure, throttled) -> { });
    }

    /** As {@link #retry(ReceiverOptions, String)}, telling {@code observer} of each failure before its retry. */
    static Retry retry(ReceiverOptions options, String what, Observer observer) {
        return Retry.backoff(options.maxRetries(), options.retryBackoff())
                .maxBackoff(options.maxRetryBackoff())
                .jitter(0.5)
                .filter(Faults::isRetryable)
                .scheduler(options.scheduler())
                .doBeforeRetry(signal -> {
                    Throwable failure = unwrap(signal.failure());
                    observer.retrying(failure, isThrottling(failure));
                    if (signal.totalRetriesInARow() < 3) {
                        log.debug("{} failed ({}), retry #{}", what, failure.toString(), signal.totalRetriesInARow() + 1);
                    } else {
                        log.warn("{} failed ({}), retry #{}", what, failure.toString(), signal.totalRetriesInARow() + 1);
                    }
                })
                .onRetryExhaustedThrow((spec, signal) -> new RetriesExhaustedException(what + " failed "
                        + (signal.totalRetries() + 1) + " times; giving up after maxRetries=" + options.maxRetries(),
                        unwrap(signal.failure())));
    }
}
