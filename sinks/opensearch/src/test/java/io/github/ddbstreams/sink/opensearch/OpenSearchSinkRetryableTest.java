package io.github.ddbstreams.sink.opensearch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

/** What the sink retries beyond OpenSearch's own statuses: the shared classifier's decisions. */
class OpenSearchSinkRetryableTest {

    @Test
    void isRetryable_whenIoOrTimeout_retries() {
        assertThat(OpenSearchSink.isRetryable(new ConnectException("Connection refused"))).isTrue();
        assertThat(OpenSearchSink.isRetryable(new CompletionException(new IOException("reset")))).isTrue();
        assertThat(OpenSearchSink.isRetryable(new TimeoutException("no answer"))).isTrue();
    }

    @Test
    void isRetryable_whenInterruptedOrABug_doesNotRetry() {
        assertThat(OpenSearchSink.isRetryable(new RuntimeException(new InterruptedException()))).isFalse();
        assertThat(OpenSearchSink.isRetryable(new IllegalStateException("bulk response has 2 items for 3 actions")))
                .isFalse();
    }
}
