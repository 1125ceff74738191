package io.github.ddbstreams.receiver.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

/** The receiver's own decisions on top of the shared classifier (its table: {@code AwsFaultsTest}). */
class FaultsTest {

    @Test
    void isRetryable_whenAnAttemptTimedOut_retries() {
        // the receiver switches the SDK's retries off, so an attempt timeout reaches it and must be retried
        assertThat(Faults.isRetryable(ApiCallAttemptTimeoutException.create(1000))).isTrue();
    }

    @Test
    void isRetryable_whenWrappedInExecutionException_judgesTheCause() {
        assertThat(Faults.isRetryable(new ExecutionException(ProvisionedThroughputExceededException.builder().build())))
                .isTrue();
        assertThat(Faults.isThrottling(new ExecutionException(ProvisionedThroughputExceededException.builder().build())))
                .isTrue();
    }

    @Test
    void isRetryable_whenUncheckedIo_retries() {
        assertThat(Faults.isRetryable(new UncheckedIOException(new IOException("connection reset")))).isTrue();
    }

    @Test
    void isRetryable_whenAborted_doesNotRetry() {
        assertThat(Faults.isRetryable(AbortedException.create("Thread was interrupted"))).isFalse();
    }
}
