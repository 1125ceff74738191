package io.github.ddbstreams.receiver.internal;

import java.util.function.Consumer;

import io.github.ddbstreams.internal.AwsFaults;
import io.github.ddbstreams.internal.Retries;
import io.github.ddbstreams.receiver.ReceiverOptions;
import reactor.util.retry.Retry;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkPlugin;

/**
 * The receiver's view of {@link AwsFaults} (one classifier for the whole library) and its retry policy: its
 * calls run with the SDK's retries off and are retried here, giving up with a {@link RetriesExhaustedException}.
 */
final class Faults {

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
        return AwsFaults.unwrap(t);
    }

    /** The receiver re-positions on an expired iterator instead of retrying the call. */
    static boolean isExpiredIterator(Throwable t) {
        return AwsFaults.classify(t) == AwsFaults.Kind.EXPIRED_ITERATOR;
    }

    /** The receiver skips to the oldest record (or fails, as configured) on trimmed data. */
    static boolean isTrimmedData(Throwable t) {
        return AwsFaults.classify(t) == AwsFaults.Kind.TRIMMED_DATA;
    }

    static boolean isResourceNotFound(Throwable t) {
        return AwsFaults.isResourceNotFound(t);
    }

    static boolean isThrottling(Throwable t) {
        return AwsFaults.isThrottling(t);
    }

    /** As {@link AwsFaults#isRetryable}: throttling, 5xx, timeouts and I/O failures; nothing else. */
    static boolean isRetryable(Throwable t) {
        return AwsFaults.isRetryable(t);
    }

    /** Told about each failure before it is retried. */
    @FunctionalInterface
    interface Observer extends Retries.Observer {
    }

    /** Exponential backoff with jitter on the options' scheduler, for retryable failures only. */
    static Retry retry(ReceiverOptions options, String what) {
        return retry(options, what, (failure, throttled) -> { });
    }

    /**
     * As {@link #retry(ReceiverOptions, String)}, telling {@code observer} of each failure before its retry; gives
     * up with a {@link RetriesExhaustedException}.
     */
    static Retry retry(ReceiverOptions options, String what, Observer observer) {
        return Retries.retry(options.retry(), options.scheduler(), what, AwsFaults::isRetryable, observer,
                RetriesExhaustedException::new);
    }
}
