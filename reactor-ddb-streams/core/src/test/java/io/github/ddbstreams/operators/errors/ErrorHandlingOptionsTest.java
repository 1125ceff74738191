package io.github.ddbstreams.operators.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ddbstreams.RetryOptions;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

class ErrorHandlingOptionsTest {

    @Test
    void build_withDefaults_hasDocumentedDefaults() {
        ErrorHandlingOptions options = ErrorHandlingOptions.defaults();
        assertThat(options.maxAttempts()).isEqualTo(ErrorHandlingOptions.DEFAULT_MAX_ATTEMPTS);
        assertThat(options.bisectOnError()).isFalse();
        assertThat(options.failureDestination()).isEmpty();
        assertThat(options.maxRecordAge()).isEmpty();
        assertThat(options.toBuilder().maxAttempts(3).build().maxAttempts()).isEqualTo(3);
    }

    @Test
    void build_withInvalidValues_failsNamingTheOption() {
        assertThatThrownBy(() -> ErrorHandlingOptions.builder().maxAttempts(0).build()).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> ErrorHandlingOptions.builder().retryBackoff(Duration.ofSeconds(5))
                .maxRetryBackoff(Duration.ofSeconds(1)).build()).hasMessageContaining("maxRetryBackoff");
        assertThatThrownBy(() -> ErrorHandlingOptions.builder().retryJitter(1.5).build()).hasMessageContaining("retryJitter");
        assertThatThrownBy(() -> ErrorHandlingOptions.builder().maxRecordAge(Duration.ZERO).build())
                .hasMessageContaining("maxRecordAge");
        assertThatThrownBy(() -> ErrorHandlingOptions.builder().concurrency(0).build()).hasMessageContaining("concurrency");
        assertThatThrownBy(() -> ErrorHandlingOptions.builder().destinationMaxAttempts(0).build())
                .hasMessageContaining("destinationMaxAttempts");
        assertThatThrownBy(() -> ErrorHandlingOptions.builder().attemptsPerWarning(0).build())
                .hasMessageContaining("attemptsPerWarning");
    }

    @Test
    void destinationOptions_withInvalidValues_failNamingTheOption() {
        DynamoDbAsyncClient client = DynamoDbAsyncClient.builder().region(Region.US_EAST_1).build();
        try {
            assertThatThrownBy(() -> DynamoDbFailureDestinationOptions.builder().tableName("t-failures").build())
                    .hasMessageContaining("client");
            assertThatThrownBy(() -> DynamoDbFailureDestinationOptions.builder().client(client).tableName("x").build())
                    .hasMessageContaining("tableName");
            assertThatThrownBy(() -> DynamoDbFailureDestinationOptions.builder().client(client).tableName("failures")
                    .timeToLive("reason", Duration.ofDays(1)).build()).hasMessageContaining("attributeName");
            DynamoDbFailureDestinationOptions options = DynamoDbFailureDestinationOptions.builder().client(client)
                    .tableName("failures").build();
            assertThat(options.createTableIfAbsent()).isTrue();
            assertThat(options.timeToLiveAttributeName()).isEmpty();
            assertThat(DynamoDbFailureDestination.create(options).send(java.util.List.of())).isEqualTo(Mono.empty());
        } finally {
            client.close();
        }
    }

    @Test
    void padded_makesSequenceNumbersSortAsStrings() {
        assertThat(DynamoDbFailureDestination.padded("99")).hasSize(40);
        assertThat(DynamoDbFailureDestination.padded("99").compareTo(DynamoDbFailureDestination.padded("100"))).isNegative();
        assertThat(DynamoDbFailureDestination.padded("1".repeat(41))).isEqualTo("1".repeat(41));
    }

    @Test
    void retry_roundTrips_withMaxAttemptsOneMoreThanMaxRetries() {
        ErrorHandlingOptions defaults = ErrorHandlingOptions.defaults();
        assertThat(defaults.retry()).isEqualTo(RetryOptions.builder().maxRetries(9).retryBackoff(Duration.ofSeconds(1))
                .maxRetryBackoff(Duration.ofSeconds(30)).retryJitter(0.5).build());

        RetryOptions retry = RetryOptions.builder().maxRetries(4).retryBackoff(Duration.ZERO)
                .maxRetryBackoff(Duration.ofSeconds(1)).retryJitter(0.2).build();
        ErrorHandlingOptions options = defaults.toBuilder().retry(retry).build();
        assertThat(options.retry()).isEqualTo(retry);
        assertThat(options.toBuilder().build().retry()).isEqualTo(retry);
        assertThat(options.maxAttempts()).isEqualTo(5);
        assertThat(options.retryBackoff()).isZero();
        assertThat(options.maxRetryBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.retryJitter()).isEqualTo(0.2);
        // the later call wins
        assertThat(ErrorHandlingOptions.builder().maxAttempts(3).retry(retry).build().maxAttempts()).isEqualTo(5);
        assertThat(ErrorHandlingOptions.builder().retry(retry).maxAttempts(3).build().retry())
                .isEqualTo(retry.toBuilder().maxRetries(2).build());
        // no limit either way
        assertThat(ErrorHandlingOptions.builder().maxAttempts(Integer.MAX_VALUE).build().maxAttempts())
                .isEqualTo(Integer.MAX_VALUE);
        assertThat(ErrorHandlingOptions.builder().retry(RetryOptions.builder().build()).build().maxAttempts())
                .isEqualTo(Integer.MAX_VALUE);
    }
}
