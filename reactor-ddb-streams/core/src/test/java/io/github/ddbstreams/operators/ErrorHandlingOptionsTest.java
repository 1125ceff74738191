package io.github.ddbstreams.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
