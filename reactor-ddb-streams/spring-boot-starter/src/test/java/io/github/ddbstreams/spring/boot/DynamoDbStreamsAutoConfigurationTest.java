package io.github.ddbstreams.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import io.github.ddbstreams.checkpoint.CheckpointStore;
import io.github.ddbstreams.checkpoint.DynamoDbCheckpointStore;
import io.github.ddbstreams.lease.LeaseOptions;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.Pacing;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.receiver.StartPosition;
import io.github.ddbstreams.receiver.TrimmedDataPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.publisher.Flux;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsAsyncClient;

class DynamoDbStreamsAutoConfigurationTest {

    /** Clients that are built but never called: a region, an endpoint and static credentials. */
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DynamoDbStreamsAutoConfiguration.class,
                    DynamoDbStreamsHealthAutoConfiguration.class))
            .withPropertyValues(
                    "ddb.streams.client.region=us-east-1",
                    "ddb.streams.client.endpoint=http://127.0.0.1:1",
                    "ddb.streams.client.access-key-id=dummy",
                    "ddb.streams.client.secret-access-key=dummy");

    @Test
    void receiverOptions_fromProperties_everyOptionMapped() {
        runner.withPropertyValues(
                        "ddb.streams.table-name=Orders",
                        "ddb.streams.start-position=at-timestamp",
                        "ddb.streams.start-timestamp=2025-06-01T00:00:00Z",
                        "ddb.streams.poll-interval=1s",
                        "ddb.streams.min-poll-interval=100ms",
                        "ddb.streams.max-records-per-request=200",
                        "ddb.streams.shard-discovery-interval=1m",
                        "ddb.streams.commit-interval=2s",
                        "ddb.streams.max-retries=7",
                        "ddb.streams.retry-backoff=50ms",
                        "ddb.streams.max-retry-backoff=3s",
                        "ddb.streams.trimmed-data-policy=restart-from-trim-horizon",
                        "ddb.streams.creation-time-precision=1m",
                        "ddb.streams.complete-when-stream-disabled=true",
                        "ddb.streams.pacing=cost-aware",
                        "ddb.streams.idle-poll-interval=5s",
                        "ddb.streams.idle-after=1m",
                        "ddb.streams.max-unacknowledged-per-shard=500",
                        "ddb.streams.iterator-refresh-interval=5m",
                        "ddb.streams.startup-timeout=20s", "ddb.streams.max-concurrent-calls=100")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    ReceiverOptions options = context.getBean(ReceiverOptions.class);
                    assertThat(options.tableName()).isEqualTo("Orders");
                    assertThat(options.startPosition())
                            .isEqualTo(StartPosition.atTimestamp(Instant.parse("2025-06-01T00:00:00Z")));
                    assertThat(options.pollInterval()).isEqualTo(Duration.ofSeconds(1));
                    assertThat(options.minPollInterval()).isEqualTo(Duration.ofMillis(100));
                    assertThat(options.maxRecordsPerRequest()).isEqualTo(200);
                    assertThat(options.shardDiscoveryInterval()).isEqualTo(Duration.ofMinutes(1));
                    assertThat(options.commitInterval()).isEqualTo(Duration.ofSeconds(2));
                    assertThat(options.maxRetries()).isEqualTo(7);
                    assertThat(options.retryBackoff()).isEqualTo(Duration.ofMillis(50));
                    assertThat(options.maxRetryBackoff()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(options.trimmedDataPolicy()).isEqualTo(TrimmedDataPolicy.RESTART_FROM_TRIM_HORIZON);
                    assertThat(options.creationTimePrecision()).isEqualTo(Duration.ofMinutes(1));
                    assertThat(options.completeWhenStreamDisabled()).isTrue();
                    assertThat(options.pacing()).isEqualTo(Pacing.COST_AWARE);
                    assertThat(options.idlePollInterval()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(options.idleAfter()).isEqualTo(Duration.ofMinutes(1));
                    assertThat(options.maxUnacknowledgedPerShard()).isEqualTo(500);
                    assertThat(options.iteratorRefreshInterval()).isEqualTo(Duration.ofMinutes(5));
                    assertThat(options.startupTimeout()).isEqualTo(Duration.ofSeconds(20));
                    assertThat(options.maxConcurrentCalls()).isEqualTo(100);
                    assertThat(options.dynamoDbClient()).isSameAs(context.getBean(DynamoDbAsyncClient.class));
                    assertThat(options.streamsClient()).isSameAs(context.getBean(DynamoDbStreamsAsyncClient.class));
                    assertThat(options.checkpointStore()).isSameAs(context.getBean(CheckpointStore.class));
                    assertThat(options.leases()).isNull();
                    assertThat(context).hasSingleBean(DynamoDbStreamsReceiver.class)
                            .doesNotHaveBean(DynamoDbStreamsPipelineRunner.class);
                });
    }

    @Test
    void receiverOptions_whenOnlyTableNameSet_haveTheLibraryDefaults() {
        runner.withPropertyValues("ddb.streams.table-name=Orders").run(context -> {
            ReceiverOptions options = context.getBean(ReceiverOptions.class);
            ReceiverOptions library = ReceiverOptions.builder().tableName("Orders").build();
            assertThat(options.startPosition()).isEqualTo(library.startPosition());
            assertThat(options.pollInterval()).isEqualTo(library.pollInterval());
            assertThat(options.minPollInterval()).isEqualTo(library.minPollInterval());
            assertThat(options.maxRecordsPerRequest()).isEqualTo(library.maxRecordsPerRequest());
            assertThat(options.shardDiscoveryInterval()).isEqualTo(library.shardDiscoveryInterval());
            assertThat(options.commitInterval()).isEqualTo(library.commitInterval());
            assertThat(options.maxRetries()).isEqualTo(library.maxRetries());
            assertThat(options.retryBackoff()).isEqualTo(library.retryBackoff());
            assertThat(options.maxRetryBackoff()).isEqualTo(library.maxRetryBackoff());
            assertThat(options.trimmedDataPolicy()).isEqualTo(library.trimmedDataPolicy());
            assertThat(options.creationTimePrecision()).isEqualTo(library.creationTimePrecision());
            assertThat(options.completeWhenStreamDisabled()).isEqualTo(library.completeWhenStreamDisabled());
            assertThat(options.pacing()).isEqualTo(library.pacing());
            assertThat(options.idlePollInterval()).isEqualTo(library.idlePollInterval());
            assertThat(options.idleAfter()).isEqualTo(library.idleAfter());
            assertThat(options.maxUnacknowledgedPerShard()).isEqualTo(library.maxUnacknowledgedPerShard());
            assertThat(options.iteratorRefreshInterval()).isEqualTo(library.iteratorRefreshInterval());
            assertThat(options.startupTimeout()).isEqualTo(library.startupTimeout());
            assertThat(options.maxConcurrentCalls()).isEqualTo(library.maxConcurrentCalls());
            assertThat(new DynamoDbStreamsProperties.Leases().getFailoverTime()).isEqualTo(LeaseOptions.DEFAULT_FAILOVER_TIME);
            assertThat(new DynamoDbStreamsProperties.Leases().getTableCreationTimeout())
                    .isEqualTo(LeaseOptions.DEFAULT_TABLE_CREATION_TIMEOUT);
        });
    }

    @Test
    void checkpointStore_whenCheckpointTableSet_isADynamoDbTable() {
        runner.withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.checkpoint.table-name=orders-checkpoints",
                "ddb.streams.checkpoint.create-table=false").run(context -> {
            DynamoDbCheckpointStore store = context.getBean(DynamoDbCheckpointStore.class);
            assertThat(store.options().tableName()).isEqualTo("orders-checkpoints");
            assertThat(store.options().createTableIfAbsent()).isFalse();
        });
    }

    @Test
    void leases_whenLeaseTableSet_configuredAndNoCheckpointStore() {
        runner.withPropertyValues("ddb.streams.stream-arn=arn:aws:dynamodb:us-east-1:1:table/Orders/stream/2025",
                "ddb.streams.leases.table-name=orders-leases", "ddb.streams.leases.worker-id=worker-7",
                "ddb.streams.leases.failover-time=6s", "ddb.streams.leases.max-leases-per-worker=4",
                "ddb.streams.leases.drain-timeout=3s").run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(CheckpointStore.class);
            LeaseOptions leases = context.getBean(ReceiverOptions.class).leases();
            assertThat(leases.tableName()).isEqualTo("orders-leases");
            assertThat(leases.workerId()).isEqualTo("worker-7");
            assertThat(leases.failoverTime()).isEqualTo(Duration.ofSeconds(6));
            assertThat(leases.renewInterval()).isEqualTo(Duration.ofSeconds(2));
            assertThat(leases.maxLeasesPerWorker()).isEqualTo(4);
            assertThat(leases.drainTimeout()).isEqualTo(Duration.ofSeconds(3));
            assertThat(leases.client()).isSameAs(context.getBean(DynamoDbAsyncClient.class));
        });
    }

    @Test
    void startup_whenAnOptionIsInvalid_failsNamingTheProperty() {
        runner.withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.poll-interval=-1s")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining(
                        "Property ddb.streams.poll-interval with value 'PT-1S' is invalid: ddb.streams.poll-interval must be >= 0, was PT-1S"));
        runner.withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.startup-timeout=0s")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining(
                        "Property ddb.streams.startup-timeout with value 'PT0S' is invalid"));
        runner.withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.max-unacknowledged-per-shard=0")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining(
                        "Property ddb.streams.max-unacknowledged-per-shard with value '0' is invalid"));
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.read-request-price-per-million=-1")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining(
                        "Property ddb.streams.read-request-price-per-million with value '-1.0' is invalid"));
        runner.withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.read-request-price-per-million=0.2")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining(
                        "ddb.streams.read-request-price-per-million (0.2) needs a meterRegistry"));
        runner.withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.max-records-per-request=5000")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining(
                        "ddb.streams.max-records-per-request must be 1..1000"));
        runner.run(context -> assertThat(context).getFailure().hasStackTraceContaining(
                "exactly one of ddb.streams.table-name and ddb.streams.stream-arn must be set, neither was"));
        runner.withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.start-position=at-timestamp")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining(
                        "needs ddb.streams.start-timestamp"));
        runner.withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.leases.table-name=leases",
                        "ddb.streams.leases.failover-time=10ms")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining(
                        "ddb.streams.leases.failover-time must be at least 100 ms"));
        runner.withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.leases.table-name=leases",
                        "ddb.streams.leases.failover-time=6s", "ddb.streams.leases.drain-timeout=5s")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining(
                        "Property ddb.streams.leases.drain-timeout with value 'PT5S' is invalid:"
                                + " ddb.streams.leases.drain-timeout must be >= 0 and at most"
                                + " ddb.streams.leases.failover-time"
                                + " - ddb.streams.leases.renew-interval"));
        runner.withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.leases.table-name=leases",
                        "ddb.streams.checkpoint.table-name=checkpoints")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining(
                        "Property ddb.streams.checkpoint.table-name with value 'checkpoints'"));
        runner.withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.client.access-key-id=only-the-key",
                        "ddb.streams.client.secret-access-key=")
                .run(context -> assertThat(context).getFailure().hasStackTraceContaining(
                        "ddb.streams.client.secret-access-key"));
    }

    @Test
    void beans_whenTheApplicationDeclaresItsOwn_backOff() {
        ReceiverOptions own = ReceiverOptions.builder().tableName("Mine").build();
        CheckpointStore store = CheckpointStore.inMemory();
        runner.withBean(ReceiverOptions.class, () -> own).withBean(CheckpointStore.class, () -> store)
                .withPropertyValues("ddb.streams.table-name=Orders").run(context -> {
                    assertThat(context.getBean(ReceiverOptions.class)).isSameAs(own);
                    assertThat(context.getBean(DynamoDbStreamsReceiver.class).options()).isSameAs(own);
                    assertThat(context.getBean(CheckpointStore.class)).isSameAs(store);
                });
        runner.withBean(CheckpointStore.class, () -> store).withPropertyValues("ddb.streams.table-name=Orders")
                .run(context -> assertThat(context.getBean(ReceiverOptions.class).checkpointStore()).isSameAs(store));
    }

    @Test
    void customizersAndMeterRegistry_applied() {
        MeterRegistry registry = new SimpleMeterRegistry();
        runner.withBean(MeterRegistry.class, () -> registry)
                .withBean(ReceiverOptionsCustomizer.class, () -> builder -> builder.commitInterval(Duration.ofSeconds(9)))
                .withBean(LeaseOptionsCustomizer.class, () -> builder -> builder.workerId("customized"))
                .withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.leases.table-name=leases",
                        "ddb.streams.read-request-price-per-million=0.2")
                .run(context -> {
                    ReceiverOptions options = context.getBean(ReceiverOptions.class);
                    assertThat(options.meterRegistry()).isSameAs(registry);
                    assertThat(options.readRequestPricePerMillion()).hasValue(0.2);
                    assertThat(options.commitInterval()).isEqualTo(Duration.ofSeconds(9));
                    assertThat(options.leases().workerId()).isEqualTo("customized");
                    assertThat(options.leases().meterRegistry()).isSameAs(registry);
                });
    }

    @Test
    void pipelineBean_isRunWithTheContextAndHasAHealthIndicator() {
        runner.withPropertyValues("ddb.streams.table-name=Orders", "ddb.streams.pipeline.auto-startup=false")
                .withBean(DynamoDbStreamsPipeline.class, () -> records -> Flux.never())
                .run(context -> {
                    DynamoDbStreamsPipelineRunner pipeline = context.getBean(DynamoDbStreamsPipelineRunner.class);
                    assertThat(pipeline.isAutoStartup()).isFalse();
                    assertThat(pipeline.state()).isEqualTo(DynamoDbStreamsPipelineRunner.State.NEW);
                    assertThat(context).hasBean("ddbstreamsHealthIndicator");
                });
        runner.withPropertyValues("ddb.streams.table-name=Orders", "management.health.ddbstreams.enabled=false")
                .withBean(DynamoDbStreamsPipeline.class, () -> records -> Flux.never())
                .run(context -> assertThat(context).doesNotHaveBean(DynamoDbStreamsHealthIndicator.class));
    }

    @Test
    void disabled_configuresNothing() {
        runner.withPropertyValues("ddb.streams.enabled=false").run(context -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(DynamoDbStreamsReceiver.class).doesNotHaveBean(DynamoDbAsyncClient.class));
    }
}
