package io.github.ddbstreams.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.ddbstreams.RetryOptions;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class ReceiverOptionsTest {

    private static final String ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2026-01-01T00:00:00.000";

    @Test
    void defaults() {
        ReceiverOptions options = ReceiverOptions.builder().tableName("Orders").build();
        assertThat(options.startPosition()).isEqualTo(StartPosition.trimHorizon());
        assertThat(options.pollInterval()).isEqualTo(ReceiverOptions.DEFAULT_POLL_INTERVAL);
        assertThat(options.minPollInterval()).isEqualTo(Duration.ofNanos(31_250_000));
        assertThat(options.maxRecordsPerRequest()).isEqualTo(1000);
        assertThat(options.trimmedDataPolicy()).isEqualTo(TrimmedDataPolicy.FAIL);
        assertThat(options.checkpointStore()).isNull();
        assertThat(options.maxConcurrentCalls()).isEqualTo(48);
        assertThat(options.toBuilder().build().toString()).isEqualTo(options.toString());
    }

    @Test
    void exactlyOneOfTableNameAndStreamArn() {
        assertThatThrownBy(() -> ReceiverOptions.builder().build())
                .hasMessageContaining("exactly one of tableName and streamArn").hasMessageContaining("neither");
        assertThatThrownBy(() -> ReceiverOptions.builder().tableName("Orders").streamArn(ARN).build())
                .hasMessageContaining("both");
    }

    @Test
    void invalidValuesAreRejectedNamingTheOption() {
        assertThatThrownBy(() -> ReceiverOptions.builder().tableName("a b").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tableName");
        assertThatThrownBy(() -> ReceiverOptions.builder().streamArn("Orders").build())
                .hasMessageContaining("streamArn");
        assertThatThrownBy(() -> ReceiverOptions.builder().tableName("Orders").maxRecordsPerRequest(0).build())
                .hasMessageContaining("maxRecordsPerRequest must be 1..1000");
        assertThatThrownBy(() -> ReceiverOptions.builder().tableName("Orders").pollInterval(Duration.ofMillis(-1)).build())
                .hasMessageContaining("pollInterval");
        assertThatThrownBy(() -> ReceiverOptions.builder().tableName("Orders").commitInterval(Duration.ZERO).build())
                .hasMessageContaining("commitInterval");
        assertThatThrownBy(() -> ReceiverOptions.builder().tableName("Orders")
                .retryBackoff(Duration.ofSeconds(2)).maxRetryBackoff(Duration.ofSeconds(1)).build())
                .hasMessageContaining("maxRetryBackoff");
        assertThatThrownBy(() -> ReceiverOptions.builder().tableName("Orders").maxRetries(-1).build())
                .hasMessageContaining("maxRetries");
        assertThatThrownBy(() -> ReceiverOptions.builder().tableName("Orders").maxConcurrentCalls(0).build())
                .hasMessageContaining("maxConcurrentCalls must be >= 1");
        assertThatThrownBy(() -> ReceiverOptions.builder().tableName("Orders").startPosition(null).build())
                .isInstanceOf(NullPointerException.class).hasMessageContaining("startPosition");
    }

    @Test
    void minPollInterval_followsThePollIntervalUnlessSet_andNeverExceedsIt() {
        ReceiverOptions derived = ReceiverOptions.builder().tableName("Orders").pollInterval(Duration.ofSeconds(1)).build();
        assertThat(derived.minPollInterval()).isEqualTo(Duration.ofMillis(125));
        // derived, not frozen: changing the poll interval of a copy moves the minimum with it
        assertThat(derived.toBuilder().pollInterval(Duration.ofMillis(80)).build().minPollInterval())
                .isEqualTo(Duration.ofMillis(10));
        ReceiverOptions fixed = ReceiverOptions.builder().tableName("Orders")
                .pollInterval(Duration.ofMillis(250)).minPollInterval(Duration.ofMillis(250)).build();
        assertThat(fixed.minPollInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(fixed.toBuilder().build().minPollInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(ReceiverOptions.builder().tableName("Orders").pollInterval(Duration.ZERO).build().minPollInterval())
                .isEqualTo(Duration.ZERO);

        assertThatThrownBy(() -> ReceiverOptions.builder().tableName("Orders")
                .pollInterval(Duration.ofMillis(100)).minPollInterval(Duration.ofMillis(101)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("minPollInterval (PT0.101S) must not be above pollInterval (PT0.1S)");
        assertThatThrownBy(() -> ReceiverOptions.builder().tableName("Orders").minPollInterval(Duration.ofMillis(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minPollInterval must be > 0");
        // a zero minimum would jump from no pause straight to the poll interval: only allowed when never pausing
        assertThatThrownBy(() -> ReceiverOptions.builder().tableName("Orders").minPollInterval(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minPollInterval must be > 0");
        assertThat(ReceiverOptions.builder().tableName("Orders").pollInterval(Duration.ZERO).minPollInterval(Duration.ZERO)
                .build().minPollInterval()).isEqualTo(Duration.ZERO);
    }

    @Test
    void toStringShowsNoClientsOrCredentials() {
        String text = ReceiverOptions.builder().streamArn(ARN).build().toString();
        assertThat(text).contains(ARN).doesNotContain("Client");
    }

    @Test
    void readRequestPricePerMillion_isOptional_finite_notNegative_andNeedsARegistry() {
        assertThat(ReceiverOptions.builder().tableName("Orders").build().readRequestPricePerMillion()).isEmpty();
        ReceiverOptions priced = ReceiverOptions.builder().tableName("Orders")
                .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
                .readRequestPricePerMillion(0.2).build();
        assertThat(priced.readRequestPricePerMillion()).hasValue(0.2);
        assertThat(priced.toBuilder().build().readRequestPricePerMillion()).hasValue(0.2);
        assertThatThrownBy(() -> priced.toBuilder().readRequestPricePerMillion(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("readRequestPricePerMillion must be a finite price >= 0, was -1.0");
        assertThatThrownBy(() -> priced.toBuilder().readRequestPricePerMillion(Double.NaN).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("readRequestPricePerMillion must be a finite price >= 0, was NaN");
        assertThatThrownBy(() -> priced.toBuilder().meterRegistry(null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("readRequestPricePerMillion (0.2) needs a meterRegistry: the cost estimate is a gauge");
    }

    @Test
    void retry_roundTrips_andTheSettersAreItsViews() {
        ReceiverOptions defaults = ReceiverOptions.builder().tableName("Orders").build();
        assertThat(defaults.retry()).isEqualTo(RetryOptions.builder().build());

        RetryOptions retry = RetryOptions.builder().maxRetries(4).retryBackoff(Duration.ofMillis(20))
                .maxRetryBackoff(Duration.ofSeconds(1)).retryJitter(0.2).build();
        ReceiverOptions options = defaults.toBuilder().retry(retry).build();
        assertThat(options.retry()).isEqualTo(retry);
        assertThat(options.toBuilder().build().retry()).isEqualTo(retry);
        assertThat(options.maxRetries()).isEqualTo(4);
        assertThat(options.retryBackoff()).isEqualTo(Duration.ofMillis(20));
        assertThat(options.maxRetryBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(options.toBuilder().maxRetryBackoff(Duration.ofSeconds(3)).build().retry())
                .isEqualTo(retry.toBuilder().maxRetryBackoff(Duration.ofSeconds(3)).build());
        assertThatThrownBy(() -> options.toBuilder().retry(retry.toBuilder().retryBackoff(Duration.ZERO).build()).build())
                .hasMessage("retryBackoff must be > 0, was PT0S");
    }
}
