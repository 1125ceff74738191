package io.github.ddbstreams.sink.opensearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ddbstreams.RetryOptions;
import java.net.URI;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class OpenSearchSinkOptionsTest {

    private static final URI ENDPOINT = URI.create("http://127.0.0.1:9200");

    @Test
    void build_withEndpointAndIndex_hasTheDocumentedDefaults() {
        OpenSearchSinkOptions options = OpenSearchSinkOptions.builder().endpoint(ENDPOINT).index("orders").build();

        assertThat(options.versioning()).isEqualTo(OpenSearchVersioning.SEQUENCE_NUMBER);
        assertThat(options.maxBulkActions()).isEqualTo(OpenSearchSinkOptions.DEFAULT_MAX_BULK_ACTIONS);
        assertThat(options.maxConcurrentRequests()).isEqualTo(OpenSearchSinkOptions.DEFAULT_MAX_CONCURRENT_REQUESTS);
        assertThat(options.refresh()).isEqualTo(OpenSearchSinkOptions.DEFAULT_REFRESH);
        assertThat(options.indexResolver().apply(null)).isEqualTo("orders");
        assertThat(options.toBuilder().maxBulkActions(10).build().index()).isEqualTo("orders");
        assertThat(options.toString()).contains("index=orders", "endpoint=" + ENDPOINT);
    }

    @Test
    void build_withoutOrWithBothTargets_namesTheOptions() {
        assertThatThrownBy(() -> OpenSearchSinkOptions.builder().index("i").build())
                .hasMessageContaining("client and endpoint");
        assertThatThrownBy(() -> OpenSearchSinkOptions.builder().endpoint(ENDPOINT).build())
                .hasMessageContaining("index and indexResolver");
        assertThatThrownBy(() -> OpenSearchSinkOptions.builder().endpoint(ENDPOINT).index("i").indexResolver(r -> "j").build())
                .hasMessageContaining("index and indexResolver");
        assertThatThrownBy(() -> OpenSearchSinkOptions.builder().endpoint(URI.create("ftp://x")).index("i").build())
                .hasMessageContaining("endpoint");
    }

    @Test
    void build_withOutOfRangeNumbers_namesTheOption() {
        assertThatThrownBy(() -> OpenSearchSinkOptions.builder().endpoint(ENDPOINT).index("i").maxBulkActions(0).build())
                .hasMessageContaining("maxBulkActions");
        assertThatThrownBy(() -> OpenSearchSinkOptions.builder().endpoint(ENDPOINT).index("i").maxBulkBytes(10).build())
                .hasMessageContaining("maxBulkBytes");
        assertThatThrownBy(() -> OpenSearchSinkOptions.builder().endpoint(ENDPOINT).index("i").maxConcurrentRequests(0).build())
                .hasMessageContaining("maxConcurrentRequests");
        assertThatThrownBy(() -> OpenSearchSinkOptions.builder().endpoint(ENDPOINT).index("i").maxRetries(-1).build())
                .hasMessageContaining("maxRetries");
        assertThatThrownBy(() -> OpenSearchSinkOptions.builder().endpoint(ENDPOINT).index("i")
                .retryBackoff(Duration.ofSeconds(2)).maxRetryBackoff(Duration.ofSeconds(1)).build())
                .hasMessageContaining("maxRetryBackoff");
    }

    @Test
    void retry_roundTrips_andTheSettersAreItsViews() {
        OpenSearchSinkOptions defaults = OpenSearchSinkOptions.builder().endpoint(ENDPOINT).index("orders").build();
        assertThat(defaults.retry()).isEqualTo(RetryOptions.builder().maxRetries(5).retryBackoff(Duration.ofMillis(100))
                .maxRetryBackoff(Duration.ofSeconds(5)).build());

        RetryOptions retry = RetryOptions.builder().maxRetries(4).retryBackoff(Duration.ofMillis(20))
                .maxRetryBackoff(Duration.ofSeconds(1)).retryJitter(0.2).build();
        OpenSearchSinkOptions options = defaults.toBuilder().retry(retry).build();
        assertThat(options.retry()).isEqualTo(retry);
        assertThat(options.toBuilder().build().retry()).isEqualTo(retry);
        assertThat(options.maxRetries()).isEqualTo(4);
        assertThat(options.retryBackoff()).isEqualTo(Duration.ofMillis(20));
        assertThat(options.maxRetryBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.toBuilder().maxRetries(9).build().retry()).isEqualTo(retry.toBuilder().maxRetries(9).build());
        assertThatThrownBy(() -> options.toBuilder().retryBackoff(Duration.ZERO).build())
                .hasMessage("retryBackoff must be positive, was PT0S");
    }
}
