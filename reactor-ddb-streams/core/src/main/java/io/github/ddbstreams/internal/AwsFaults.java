package io.github.ddbstreams.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import reactor.core.Exceptions;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.RetryableException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ThrottlingException;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;

/**
 * The one classifier of failures of AWS calls (DynamoDB, DynamoDB Streams) and of I/O: which {@link Kind} a
 * failure is, and so whether it is worth retrying. Used by the receiver, the backfill, the KCL import and the
 * sinks; a caller that needs another decision for one kind (the receiver re-positions on
 * {@link Kind#EXPIRED_ITERATOR}, a sink counts {@link Kind#CONDITION_FAILED} as written) tests that kind before
 * asking {@link #isRetryable}.
 *
 * <p>Wrappers are looked through first ({@link #unwrap}): {@link CompletionException} (a failed
 * {@code CompletableFuture}), {@link ExecutionException} ({@code Future.get}) and Reactor's wrapper of checked
 * exceptions. The rules, first match wins:
 * <table>
 *   <caption>Kinds of failures</caption>
 *   <tr><th>failure</th><th>kind</th><th>retryable</th></tr>
 *   <tr><td>{@link InterruptedException} in the cause chain, {@link AbortedException}</td>
 *       <td>{@link Kind#INTERRUPTED}</td><td>no (shutting down)</td></tr>
 *   <tr><td>{@code ExpiredIteratorException}</td><td>{@link Kind#EXPIRED_ITERATOR}</td><td>no</td></tr>
 *   <tr><td>{@code TrimmedDataAccessException}</td><td>{@link Kind#TRIMMED_DATA}</td><td>no</td></tr>
 *   <tr><td>{@code ResourceNotFoundException}</td><td>{@link Kind#RESOURCE_NOT_FOUND}</td><td>no</td></tr>
 *   <tr><td>{@code ConditionalCheckFailedException}</td><td>{@link Kind#CONDITION_FAILED}</td><td>no</td></tr>
 *   <tr><td>{@code ThrottlingException}, {@code ProvisionedThroughputExceededException},
 *       {@code LimitExceededException}, {@code RequestLimitExceeded}, {@code TooManyRequestsException},
 *       {@code TransactionInProgressException}, any code the SDK deems throttling, HTTP 429</td>
 *       <td>{@link Kind#THROTTLED}</td><td>yes</td></tr>
 *   <tr><td>{@code TransactionConflictException}</td><td>{@link Kind#CONFLICT}</td><td>yes</td></tr>
 *   <tr><td>other service error, HTTP 5xx</td><td>{@link Kind#SERVER_ERROR}</td><td>yes</td></tr>
 *   <tr><td>other service error (4xx: validation, access denied, …)</td><td>{@link Kind#CLIENT_ERROR}</td>
 *       <td>no</td></tr>
 *   <tr><td>{@link TimeoutException}, {@link ApiCallAttemptTimeoutException}, {@link ApiCallTimeoutException}</td>
 *       <td>{@link Kind#TIMEOUT}</td><td>yes (no answer in time)</td></tr>
 *   <tr><td>{@link IOException} (or {@link UncheckedIOException}) as the failure or in its cause chain;
 *       {@code SdkClientException} "Unable to execute HTTP request"; the SDK's {@link RetryableException}</td>
 *       <td>{@link Kind#IO}</td><td>yes</td></tr>
 *   <tr><td>anything else, {@code SdkClientException} without an I/O cause (no credentials, a request that
 *       cannot be marshalled)</td><td>{@link Kind#OTHER}</td><td>no</td></tr>
 * </table>
 *
 * <p>It replaces four classifiers that disagreed (R = the receiver's {@code Faults}, B = the backfill's, D =
 * {@code ReplicaTableSink.isTransient}, O = {@code OpenSearchSink.isRetryable}; "yes" = retried):
 * <table>
 *   <caption>Decisions before this class</caption>
 *   <tr><th>failure</th><th>R</th><th>B</th><th>D</th><th>O</th><th>now</th></tr>
 *   <tr><td>{@code LimitExceededException}</td><td>yes</td><td>no</td><td>no</td><td>no</td><td>yes</td></tr>
 *   <tr><td>{@code TransactionConflictException}</td><td>no</td><td>no</td><td>no</td><td>no</td><td>yes</td></tr>
 *   <tr><td>attempt / call timeout</td><td>no</td><td>no</td><td>yes</td><td>no</td><td>yes</td></tr>
 *   <tr><td>{@link TimeoutException}</td><td>yes</td><td>no</td><td>no</td><td>no</td><td>yes</td></tr>
 *   <tr><td>{@link ExecutionException} around a retryable failure</td><td>no</td><td>no</td><td>no</td>
 *       <td>I/O only</td><td>yes</td></tr>
 *   <tr><td>{@link UncheckedIOException}</td><td>no</td><td>no</td><td>no</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>{@code SdkClientException} without I/O cause</td><td>no</td><td>no</td><td>yes</td><td>no</td>
 *       <td>no</td></tr>
 *   <tr><td>interrupted, {@link AbortedException}</td><td>no</td><td>no</td><td>yes</td><td>no</td><td>no</td></tr>
 *   <tr><td>throttling codes, 5xx</td><td>yes</td><td>yes</td><td>yes</td><td>(OpenSearch's own)</td>
 *       <td>yes</td></tr>
 * </table>
 * They agreed on the rest (4xx, not found, expired iterator, trimmed data, condition failed: not retried). The
 * SDK's own retry strategy decides timeouts, I/O and interrupts as this class does.
 *
 * <pre>{@code
 * .retryWhen(Retries.retry(options.retry(), scheduler, "Scan " + table, AwsFaults::isRetryable, ...))
 * }</pre>
 */
public final class AwsFaults {

    /** What kind of failure an error is. */
    public enum Kind {
        /** The service refused the call for its rate: retry after a backoff. */
        THROTTLED(true),
        /** A transaction conflicted with another one on the same item: retry. */
        CONFLICT(true),
        /** The service failed (HTTP 5xx): retry. */
        SERVER_ERROR(true),
        /** The call got no answer in time: retry. */
        TIMEOUT(true),
        /** The connection failed (refused, reset, read timeout): retry. */
        IO(true),
        /** The table, stream or shard does not exist. */
        RESOURCE_NOT_FOUND(false),
        /** A shard iterator is older than 15 minutes. */
        EXPIRED_ITERATOR(false),
        /** The records asked for are beyond the stream's 24-hour retention. */
        TRIMMED_DATA(false),
        /** A conditional write's condition did not hold. */
        CONDITION_FAILED(false),
        /** The calling thread was interrupted or the call aborted: the application is stopping. */
        INTERRUPTED(false),
        /** The service rejected the request (HTTP 4xx other than the kinds above). */
        CLIENT_ERROR(false),
        /** Anything else: a bug, a bad configuration, a failure of the caller's code. */
        OTHER(false);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }

        /** Whether failures of this kind are worth retrying. */
        public boolean retryable() {
            return retryable;
        }
    }

    /** Error codes for exceptions the SDK did not model as their own class (or built without a class). */
    private static final Map<String, Kind> CODES = Map.ofEntries(
            Map.entry("ExpiredIteratorException", Kind.EXPIRED_ITERATOR),
            Map.entry("TrimmedDataAccessException", Kind.TRIMMED_DATA),
            Map.entry("ResourceNotFoundException", Kind.RESOURCE_NOT_FOUND),
            Map.entry("ConditionalCheckFailedException", Kind.CONDITION_FAILED),
            Map.entry("ThrottlingException", Kind.THROTTLED),
            Map.entry("ProvisionedThroughputExceededException", Kind.THROTTLED),
            Map.entry("LimitExceededException", Kind.THROTTLED),
            Map.entry("RequestLimitExceeded", Kind.THROTTLED),
            Map.entry("TooManyRequestsException", Kind.THROTTLED),
            Map.entry("TransactionInProgressException", Kind.THROTTLED),
            Map.entry("TransactionConflictException", Kind.CONFLICT));

    /** Bound on cause chains walked (a chain may loop). */
    private static final int MAX_DEPTH = 16;

    private AwsFaults() {
    }

    /** The failure inside {@link CompletionException}, {@link ExecutionException} and Reactor's wrappers. */
    public static Throwable unwrap(Throwable t) {
        Throwable current = t;
        for (int i = 0; i < MAX_DEPTH && current != null && current.getCause() != null; i++) {
            if (current instanceof CompletionException || current instanceof ExecutionException) {
                current = current.getCause();
            } else {
                Throwable unwrapped = Exceptions.unwrap(current);
                if (unwrapped == current) {
                    break;
                }
                current = unwrapped;
            }
        }
        return current;
    }

    /** The kind of {@code t} (after {@link #unwrap}); see the class javadoc for the table. */
    public static Kind classify(Throwable t) {
        Throwable e = unwrap(t);
        if (e == null) {
            return Kind.OTHER;
        }
        if (e instanceof AbortedException || hasCause(e, InterruptedException.class)) {
            return Kind.INTERRUPTED;
        }
        Kind modeled = modeled(e);
        if (modeled != null) {
            return modeled;
        }
        if (e instanceof SdkServiceException service) {
            Kind coded = e instanceof AwsServiceException aws && aws.awsErrorDetails() != null
                    ? CODES.get(aws.awsErrorDetails().errorCode()) : null;
            if (coded != null) {
                return coded;
            }
            if (service.isThrottlingException()) {
                return Kind.THROTTLED;
            }
            return service.statusCode() >= 500 ? Kind.SERVER_ERROR : Kind.CLIENT_ERROR;
        }
        if (e instanceof TimeoutException || e instanceof ApiCallAttemptTimeoutException
                || e instanceof ApiCallTimeoutException) {
            return Kind.TIMEOUT;
        }
        if (hasCause(e, IOException.class) || e instanceof RetryableException) {
            return Kind.IO;
        }
        if (e instanceof SdkClientException && e.getMessage() != null
                && e.getMessage().contains("Unable to execute HTTP request")) {
            return Kind.IO; // the SDK's wording for a connection failure, also when the cause was dropped
        }
        return Kind.OTHER;
    }

    private static Kind modeled(Throwable e) {
        if (e instanceof ExpiredIteratorException) {
            return Kind.EXPIRED_ITERATOR;
        }
        if (e instanceof TrimmedDataAccessException) {
            return Kind.TRIMMED_DATA;
        }
        if (e instanceof ResourceNotFoundException) {
            return Kind.RESOURCE_NOT_FOUND;
        }
        if (e instanceof ConditionalCheckFailedException) {
            return Kind.CONDITION_FAILED;
        }
        if (e instanceof ThrottlingException || e instanceof ProvisionedThroughputExceededException
                || e instanceof LimitExceededException || e instanceof RequestLimitExceededException) {
            return Kind.THROTTLED;
        }
        if (e instanceof TransactionConflictException) {
            return Kind.CONFLICT;
        }
        return null;
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        Throwable c = e;
        for (int i = 0; i < MAX_DEPTH && c != null; i++, c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code t} is worth retrying: throttling, a conflict, 5xx, a timeout or an I/O failure. */
    public static boolean isRetryable(Throwable t) {
        return classify(t).retryable();
    }

    /** Whether the service throttled the call ({@link Kind#THROTTLED}). */
    public static boolean isThrottling(Throwable t) {
        return classify(t) == Kind.THROTTLED;
    }

    /** Whether the table, stream or shard does not exist ({@link Kind#RESOURCE_NOT_FOUND}). */
    public static boolean isResourceNotFound(Throwable t) {
        return classify(t) == Kind.RESOURCE_NOT_FOUND;
    }

    /** Whether a conditional write's condition failed ({@link Kind#CONDITION_FAILED}). */
    public static boolean isConditionFailed(Throwable t) {
        return classify(t) == Kind.CONDITION_FAILED;
    }
}
