package io.github.ddbstreams.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.ddbstreams.metrics.DynamoDbStreamsMeters;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import reactor.core.publisher.Flux;
import reactor.core.publisher.GroupedFlux;
import reactor.core.publisher.Sinks;

class DynamoDbStreamsHealthIndicatorTest {

    private final Sinks.Many<ChangeRecord> records = Sinks.many().multicast().onBackpressureBuffer();
    private final MockClock clock = new MockClock();
    private final MeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);
    private final AtomicLong behindLatestMillis = new AtomicLong();
    private final DynamoDbStreamsProperties properties = new DynamoDbStreamsProperties();
    private final DynamoDbStreamsPipelineRunner runner = new DynamoDbStreamsPipelineRunner(new FakeReceiver(),
            flux -> flux, true, Duration.ofSeconds(1));

    DynamoDbStreamsHealthIndicatorTest() {
        properties.setTableName("Orders");
        TimeGauge.builder(DynamoDbStreamsMeters.BEHIND_LATEST.meterName(), behindLatestMillis, TimeUnit.MILLISECONDS,
                AtomicLong::get).tag("table", "Orders").register(registry);
        Gauge.builder(DynamoDbStreamsMeters.ACTIVE_SHARDS.meterName(), () -> 3).tag("table", "Orders").register(registry);
    }

    private Health health() {
        return new DynamoDbStreamsHealthIndicator(runner, registry, properties).health();
    }

    @Test
    void health_followsThePipelineState() {
        assertThat(health().getStatus()).isEqualTo(Status.UNKNOWN);
        runner.start();
        Health up = health();
        assertThat(up.getStatus()).isEqualTo(Status.UP);
        assertThat(up.getDetails()).containsEntry("state", "RUNNING").containsEntry("shardsActive", 3L)
                .containsEntry("behindLatest", "PT0S");

        records.tryEmitError(new IllegalStateException("stream gone"));
        Health down = health();
        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
        assertThat(down.getDetails()).containsEntry("state", "FAILED")
                .containsEntry("error", "java.lang.IllegalStateException: stream gone");
    }

    @Test
    void health_whenStopped_isDown() {
        runner.start();
        runner.stop();
        assertThat(health().getStatus()).isEqualTo(Status.DOWN);
        assertThat(health().getDetails()).containsEntry("state", "STOPPED");
    }

    @Test
    void health_whenAShardIsBehindLongerThanTheThreshold_isDegraded() {
        properties.getHealth().setBehindLatestThreshold(Duration.ofSeconds(30));
        runner.start();
        behindLatestMillis.set(29_000);
        assertThat(health().getStatus()).isEqualTo(Status.UP);
        behindLatestMillis.set(31_000);
        Health behind = health();
        assertThat(behind.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
        assertThat(behind.getDetails()).containsEntry("behindLatest", "PT31S");
        assertThat((List<?>) behind.getDetails().get("problems")).singleElement().asString()
                .contains("not been caught up for PT31S");

        properties.getHealth().setDegradedStatus("LAGGING");
        assertThat(health().getStatus()).isEqualTo(new Status("LAGGING"));
    }

    @Test
    void health_whenThrottlingOrFailedRecordsPassTheirRates_isDegraded() {
        properties.getHealth().setMaxThrottleRate(1.0);
        properties.getHealth().setMaxFailedRecordRate(1.0);
        Counter throttles = Counter.builder(DynamoDbStreamsMeters.THROTTLES.meterName()).tag("table", "Orders")
                .register(registry);
        Counter failed = Counter.builder(DynamoDbStreamsMeters.ERROR_FAILED_RECORDS.meterName()).tag("name", "indexer")
                .tag("reason", "max-attempts").register(registry);
        runner.start();
        DynamoDbStreamsHealthIndicator indicator = new DynamoDbStreamsHealthIndicator(runner, registry, properties);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
        throttles.increment(1_000);
        failed.increment(1_000);
        clock.add(Duration.ofMillis(50));
        Health throttled = indicator.health();
        assertThat(throttled.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
        assertThat((List<?>) throttled.getDetails().get("problems")).hasSize(2);
        clock.add(Duration.ofMillis(50));
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
    }

    /** Records from the test's sink; the options only name the table. */
    private final class FakeReceiver implements DynamoDbStreamsReceiver {
        @Override
        public Flux<ChangeRecord> receive() {
            return records.asFlux();
        }

        @Override
        public Flux<GroupedFlux<String, ChangeRecord>> receivePerShard() {
            return Flux.never();
        }

        @Override
        public ReceiverOptions options() {
            return ReceiverOptions.builder().tableName("Orders").build();
        }
    }
}
