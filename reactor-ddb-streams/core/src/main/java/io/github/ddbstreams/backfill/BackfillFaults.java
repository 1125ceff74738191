package io.github.ddbstreams.backfill;

import java.io.IOException;
import java.util.concurrent.CompletionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.util.retry.Retry;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/** Classifies SDK failures, builds the retry policy of Scan pages, and estimates item sizes. */
final class BackfillFaults {

    private static final Logger log = LoggerFactory.getLogger(BackfillFaults.class);

    private BackfillFaults() {
    }

    static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while (current instanceof CompletionException && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    static boolean isResourceNotFound(Throwable t) {
        return unwrap(t) instanceof ResourceNotFoundException;
    }

    /** Throttling, 5xx and I/O failures are worth retrying; everything else is a real error. */
    static boolean isRetryable(Throwable t) {
        Throwable e = unwrap(t);
        if (e instanceof ProvisionedThroughputExceededException || e instanceof RequestLimitExceededException) {
            return true;
        }
        if (e instanceof SdkServiceException service) {
            return service.isThrottlingException() || service.statusCode() >= 500;
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

    static Retry retry(BackfillOptions options, String what) {
        return Retry.backoff(options.maxRetries(), options.retryBackoff())
                .maxBackoff(options.maxRetryBackoff())
                .jitter(0.5)
                .filter(BackfillFaults::isRetryable)
                .scheduler(options.scheduler())
                .doBeforeRetry(signal -> {
                    Throwable failure = unwrap(signal.failure());
                    if (signal.totalRetriesInARow() < 3) {
                        log.debug("{} failed ({}), retry #{}", what, failure.toString(), signal.totalRetriesInARow() + 1);
                    } else {
                        log.warn("{} failed ({}), retry #{}", what, failure.toString(), signal.totalRetriesInARow() + 1);
                    }
                })
                .onRetryExhaustedThrow((spec, signal) -> new IllegalStateException(what + " failed "
                        + (signal.totalRetries() + 1) + " times; giving up after maxRetries=" + options.maxRetries(),
                        unwrap(signal.failure())));
    }
}
