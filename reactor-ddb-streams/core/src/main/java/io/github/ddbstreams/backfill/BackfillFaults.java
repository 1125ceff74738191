package io.github.ddbstreams.backfill;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.util.retry.Retry;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
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

    /**
     * Estimates an item's size by DynamoDB's documented rules (UTF-8 names and strings, numbers at most 21
     * bytes, 3 bytes per map or list plus 1 per element), erring on the large side: the
     * {@code sizeBytes} of backfill records, used by byte-bounded batching.
     */
    static long itemBytes(Map<String, AttributeValue> item) {
        long size = 0;
        for (Map.Entry<String, AttributeValue> entry : item.entrySet()) {
            size += utf8(entry.getKey()) + valueBytes(entry.getValue());
        }
        return size;
    }

    private static long valueBytes(AttributeValue value) {
        switch (value.type()) {
            case S:
                return utf8(value.s());
            case N:
                return Math.min(21, value.n().length()) + 1L;
            case B:
                return value.b().asByteArrayUnsafe().length;
            case BOOL:
            case NUL:
                return 1;
            case SS:
                return value.ss().stream().mapToLong(BackfillFaults::utf8).sum();
            case NS:
                return value.ns().stream().mapToLong(n -> Math.min(21, n.length()) + 1L).sum();
            case BS:
                return value.bs().stream().map(SdkBytes::asByteArrayUnsafe).mapToLong(b -> b.length).sum();
            case M:
                long map = 3;
                for (Map.Entry<String, AttributeValue> entry : value.m().entrySet()) {
                    map += 1 + utf8(entry.getKey()) + valueBytes(entry.getValue());
                }
                return map;
            case L:
                long list = 3;
                for (AttributeValue element : value.l()) {
                    list += 1 + valueBytes(element);
                }
                return list;
            default:
                return 0;
        }
    }

    private static long utf8(String text) {
        long size = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            size += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        }
        return size;
    }
}
