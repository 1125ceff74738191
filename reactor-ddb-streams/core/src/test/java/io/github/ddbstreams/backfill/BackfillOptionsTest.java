package io.github.ddbstreams.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.time.Duration;

import io.github.ddbstreams.RetryOptions;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

class BackfillOptionsTest {

    private static final DynamoDbAsyncClient NO_CALLS = (DynamoDbAsyncClient) Proxy.newProxyInstance(
            BackfillOptionsTest.class.getClassLoader(), new Class<?>[] {DynamoDbAsyncClient.class},
            (proxy, method, args) -> {
                throw new UnsupportedOperationException(method.getName());
            });

    private static BackfillOptions.Builder valid() {
        return BackfillOptions.builder().dynamoDbClient(NO_CALLS).tableName("orders");
    }

    @Test
    void retry_roundTrips_andTheSettersAreItsViews() {
        BackfillOptions defaults = valid().build();
        assertThat(defaults.retry()).isEqualTo(RetryOptions.builder().build());

        RetryOptions retry = RetryOptions.builder().maxRetries(4).retryBackoff(Duration.ofMillis(20))
                .maxRetryBackoff(Duration.ofSeconds(1)).retryJitter(0.2).build();
        BackfillOptions options = defaults.toBuilder().retry(retry).build();
        assertThat(options.retry()).isEqualTo(retry);
        assertThat(options.toBuilder().build().retry()).isEqualTo(retry);
        assertThat(options.maxRetries()).isEqualTo(4);
        assertThat(options.retryBackoff()).isEqualTo(Duration.ofMillis(20));
        assertThat(options.maxRetryBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.toBuilder().maxRetries(9).build().retry())
                .isEqualTo(retry.toBuilder().maxRetries(9).build());
        assertThat(options.toString()).contains("retry=" + retry);
    }

    @Test
    void build_whenRetryInvalid_namesTheOption() {
        assertThatThrownBy(() -> valid().maxRetries(-1).build()).hasMessageContaining("maxRetries");
        assertThatThrownBy(() -> valid().retryBackoff(Duration.ZERO).build())
                .hasMessage("retryBackoff must be > 0, was PT0S");
        assertThatThrownBy(() -> valid().retryBackoff(Duration.ofMinutes(1)).build())
                .hasMessageContaining("maxRetryBackoff");
    }
}
