package io.github.ddbstreams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class RetryOptionsTest {

    @Test
    void builder_defaults_retryWithoutLimitFrom100msTo10s() {
        RetryOptions options = RetryOptions.builder().build();
        assertThat(options.maxRetries()).isEqualTo(Long.MAX_VALUE);
        assertThat(options.retryBackoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(options.maxRetryBackoff()).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.retryJitter()).isEqualTo(0.5);
        assertThat(options).hasToString("RetryOptions{maxRetries=unlimited, retryBackoff=PT0.1S..PT10S, retryJitter=0.5}");
    }

    @Test
    void toBuilder_roundTrips_andIsAValue() {
        RetryOptions options = RetryOptions.builder().maxRetries(7).retryBackoff(Duration.ZERO)
                .maxRetryBackoff(Duration.ofSeconds(2)).retryJitter(0).build();
        assertThat(options.toBuilder().build()).isEqualTo(options).hasSameHashCodeAs(options).isNotSameAs(options);
        assertThat(options.toBuilder().maxRetries(8).build()).isNotEqualTo(options);
        assertThat(options.maxRetries()).isEqualTo(7);
        assertThat(options.retryBackoff()).isZero();
        assertThat(options.retryJitter()).isZero();
    }

    @Test
    void build_whenInvalid_namesTheSetting() {
        assertThatThrownBy(() -> RetryOptions.builder().maxRetries(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxRetries must not be negative, was -1");
        assertThatThrownBy(() -> RetryOptions.builder().retryBackoff(Duration.ofMillis(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("retryBackoff must not be negative");
        assertThatThrownBy(() -> RetryOptions.builder().retryBackoff(Duration.ofSeconds(20)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxRetryBackoff (PT10S) must not be less than retryBackoff (PT20S)");
        assertThatThrownBy(() -> RetryOptions.builder().retryJitter(1.5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("retryJitter must be in [0, 1], was 1.5");
        assertThatThrownBy(() -> RetryOptions.builder().retryJitter(Double.NaN).build())
                .hasMessageContaining("retryJitter");
        assertThatThrownBy(() -> RetryOptions.builder().retryBackoff(null)).hasMessage("retryBackoff");
    }
}
