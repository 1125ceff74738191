package io.github.ddbstreams.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import io.github.ddbstreams.internal.AwsFaults.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.Exceptions;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ThrottlingException;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;

/** The classifier's table (see {@link AwsFaults}), one row per case. */
class AwsFaultsTest {

    static Stream<Arguments> table() {
        return Stream.of(
                row("ThrottlingException", ThrottlingException.builder().build(), Kind.THROTTLED),
                row("ProvisionedThroughputExceededException", ProvisionedThroughputExceededException.builder().build(),
                        Kind.THROTTLED),
                row("LimitExceededException", LimitExceededException.builder().build(), Kind.THROTTLED),
                row("RequestLimitExceeded", RequestLimitExceededException.builder().build(), Kind.THROTTLED),
                row("code TooManyRequestsException", coded("TooManyRequestsException", 400), Kind.THROTTLED),
                row("code LimitExceededException (unmodeled)", coded("LimitExceededException", 400), Kind.THROTTLED),
                row("code TransactionInProgressException", coded("TransactionInProgressException", 400),
                        Kind.THROTTLED),
                row("HTTP 429", DynamoDbException.builder().statusCode(429).build(), Kind.THROTTLED),
                row("TransactionConflictException", TransactionConflictException.builder().build(), Kind.CONFLICT),
                row("HTTP 500", DynamoDbException.builder().statusCode(500).build(), Kind.SERVER_ERROR),
                row("HTTP 503 with a code", coded("ServiceUnavailable", 503), Kind.SERVER_ERROR),
                row("HTTP 400 ValidationException", coded("ValidationException", 400), Kind.CLIENT_ERROR),
                row("HTTP 403 AccessDenied", coded("AccessDeniedException", 403), Kind.CLIENT_ERROR),
                row("SdkClientException with IO cause", SdkClientException.create("Unable to execute HTTP request",
                        new ConnectException("Connection refused")), Kind.IO),
                row("SdkClientException, read timeout cause", SdkClientException.create("Read timed out",
                        new SocketTimeoutException("Read timed out")), Kind.IO),
                row("SdkClientException 'Unable to execute HTTP request' without cause",
                        SdkClientException.create("Unable to execute HTTP request: Connection refused"), Kind.IO),
                row("SdkClientException without IO cause", SdkClientException.create("Unable to load credentials"),
                        Kind.OTHER),
                row("IOException", new IOException("reset"), Kind.IO),
                row("UncheckedIOException", new UncheckedIOException(new IOException("reset")), Kind.IO),
                row("ApiCallAttemptTimeoutException", ApiCallAttemptTimeoutException.create(1000), Kind.TIMEOUT),
                row("ApiCallTimeoutException", ApiCallTimeoutException.create(1000), Kind.TIMEOUT),
                row("TimeoutException", new TimeoutException("no answer in 10s"), Kind.TIMEOUT),
                row("CompletionException(throttling)", new CompletionException(
                        ProvisionedThroughputExceededException.builder().build()), Kind.THROTTLED),
                row("ExecutionException(5xx)", new ExecutionException(
                        DynamoDbException.builder().statusCode(500).build()), Kind.SERVER_ERROR),
                row("CompletionException(ExecutionException(IO))", new CompletionException(
                        new ExecutionException(new IOException("reset"))), Kind.IO),
                row("Reactor-wrapped checked exception", Exceptions.propagate(new TimeoutException()), Kind.TIMEOUT),
                row("ResourceNotFoundException", ResourceNotFoundException.builder().build(),
                        Kind.RESOURCE_NOT_FOUND),
                row("CompletionException(ResourceNotFoundException)", new CompletionException(
                        ResourceNotFoundException.builder().build()), Kind.RESOURCE_NOT_FOUND),
                row("ExpiredIteratorException", ExpiredIteratorException.builder().build(), Kind.EXPIRED_ITERATOR),
                row("TrimmedDataAccessException", TrimmedDataAccessException.builder().build(), Kind.TRIMMED_DATA),
                row("ConditionalCheckFailedException", ConditionalCheckFailedException.builder().build(),
                        Kind.CONDITION_FAILED),
                row("code ConditionalCheckFailedException", coded("ConditionalCheckFailedException", 400),
                        Kind.CONDITION_FAILED),
                row("AbortedException", AbortedException.create("Thread was interrupted"), Kind.INTERRUPTED),
                row("InterruptedException", new InterruptedException(), Kind.INTERRUPTED),
                row("SdkClientException caused by an interrupt", SdkClientException.create("interrupted",
                        new InterruptedException()), Kind.INTERRUPTED),
                row("IllegalArgumentException", new IllegalArgumentException("bad"), Kind.OTHER),
                row("NullPointerException", new NullPointerException(), Kind.OTHER));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("table")
    void classify_followsTheTable(String name, Throwable failure, Kind expected) {
        assertThat(AwsFaults.classify(failure)).isEqualTo(expected);
        assertThat(AwsFaults.isRetryable(failure)).isEqualTo(expected.retryable());
        assertThat(AwsFaults.isThrottling(failure)).isEqualTo(expected == Kind.THROTTLED);
    }

    @Test
    void kinds_retryableAreExactlyTheTransientOnes() {
        assertThat(Stream.of(Kind.values()).filter(Kind::retryable))
                .containsExactly(Kind.THROTTLED, Kind.CONFLICT, Kind.SERVER_ERROR, Kind.TIMEOUT, Kind.IO);
    }

    @Test
    void unwrap_looksThroughWrappersOnly() {
        IOException io = new IOException("reset");
        assertThat(AwsFaults.unwrap(new CompletionException(new ExecutionException(io)))).isSameAs(io);
        RuntimeException plain = new RuntimeException(io);
        assertThat(AwsFaults.unwrap(plain)).isSameAs(plain);
        assertThat(AwsFaults.unwrap(new CompletionException(null))).isInstanceOf(CompletionException.class);
    }

    private static Arguments row(String name, Throwable failure, Kind kind) {
        return Arguments.of(name, failure, kind);
    }

    private static DynamoDbException coded(String code, int status) {
        return (DynamoDbException) DynamoDbException.builder()
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build())
                .statusCode(status).build();
    }
}
