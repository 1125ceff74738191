package io.github.ddbstreams.receiver;

import static io.github.ddbstreams.testkit.FakeDynamoDbStreams.Operation.DESCRIBE_STREAM;
import static io.github.ddbstreams.testkit.FakeDynamoDbStreams.Operation.GET_RECORDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.checkpoint.InMemoryCheckpointStore;
import io.github.ddbstreams.metrics.DynamoDbStreamsMeters;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;

class ReceiverMetricsTest {

    private final FakeDynamoDbStreams fake = FakeDynamoDbStreams.create();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double count(DynamoDbStreamsMeters meter) {
        return registry.get(meter.meterName()).tag("table", "Orders").counter().count();
    }

    private double gaugeSeconds(DynamoDbStreamsMeters meter) {
        return registry.get(meter.meterName()).tag("table", "Orders").timeGauge().value(TimeUnit.SECONDS);
    }

    @Test
    void meters_countRecordsBytesPollsThrottlesExpiriesAndCheckpoints() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.getOrSet();
        fake.latency(Duration.ZERO, vts);
        fake.clock(() -> Instant.ofEpochMilli(vts.now(TimeUnit.MILLISECONDS)));
        fake.addShard("s1").addShard("s2");
        fake.putRecords("s1", 30);
        fake.putRecords("s2", 20);
        long bytes = fake.records("s1").stream().mapToLong(r -> r.dynamodb().sizeBytes()).sum()
                + fake.records("s2").stream().mapToLong(r -> r.dynamodb().sizeBytes()).sum();
        fake.failNext(GET_RECORDS, "s1", 2, FakeDynamoDbStreams::throttling);
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();

        StepVerifier.withVirtualTime(() -> DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                                .streamsClient(fake).streamArn(fake.streamArn()).checkpointStore(store)
                                .scheduler(vts).meterRegistry(registry)
                                .commitInterval(Duration.ofSeconds(5)).build())
                        .receive()
                        .doOnNext(r -> r.checkpoint().acknowledge()))
                .thenAwait(Duration.ofSeconds(2))
                .expectNextCount(50)
                .then(fake::expireIterators)
                .thenAwait(Duration.ofSeconds(5))
                .then(() -> {
                    assertThat(count(DynamoDbStreamsMeters.RECORDS_RECEIVED)).isEqualTo(50);
                    assertThat(count(DynamoDbStreamsMeters.BYTES_RECEIVED)).isEqualTo(bytes);
                    assertThat(count(DynamoDbStreamsMeters.THROTTLES)).isEqualTo(2);
                    assertThat(count(DynamoDbStreamsMeters.EXPIRED_ITERATORS)).isEqualTo(2);
                    assertThat(count(DynamoDbStreamsMeters.CHECKPOINTS_COMMITTED)).isEqualTo(2);
                    assertThat(count(DynamoDbStreamsMeters.EMPTY_POLLS))
                            .isEqualTo((double) fake.count(GET_RECORDS) - 2 /* pages with records */ - 2 /* expired */
                                    - 2 /* throttled */);
                    assertThat(registry.get(DynamoDbStreamsMeters.GET_RECORDS_LATENCY.meterName()).timer().count())
                            .isEqualTo((long) count(DynamoDbStreamsMeters.EMPTY_POLLS) + 2);
                    assertThat(registry.get(DynamoDbStreamsMeters.ACTIVE_SHARDS.meterName()).gauge().value()).isEqualTo(2);
                    // both shards are polled empty every 250 ms: caught up
                    assertThat(gaugeSeconds(DynamoDbStreamsMeters.ITERATOR_AGE)).isZero();
                    assertThat(gaugeSeconds(DynamoDbStreamsMeters.BEHIND_LATEST)).isLessThanOrEqualTo(0.25);
                })
                .thenCancel()
                .verify();
    }

    @Test
    void getRecordsCalls_countEveryRequest_retriesIncluded() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.getOrSet();
        fake.addShard("s1");
        fake.putRecords("s1", 10);
        fake.failNext(GET_RECORDS, "s1", 3, FakeDynamoDbStreams::throttling);

        StepVerifier.withVirtualTime(() -> DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                                .streamsClient(fake).streamArn(fake.streamArn()).checkpointStore(new InMemoryCheckpointStore())
                                .scheduler(vts).meterRegistry(registry).build())
                        .receive()
                        .doOnNext(r -> r.checkpoint().acknowledge()))
                .thenAwait(Duration.ofSeconds(5))
                .expectNextCount(10)
                .then(() -> {
                    // 3 throttled + 1 page + empty polls: each request is billed, so each is counted
                    assertThat(fake.count(GET_RECORDS)).isGreaterThan(4);
                    assertThat(count(DynamoDbStreamsMeters.GET_RECORDS_CALLS)).isEqualTo(fake.count(GET_RECORDS));
                    assertThat(registry.find(DynamoDbStreamsMeters.GET_RECORDS_COST_HOURLY.meterName()).gauge())
                            .as("no price, no estimate").isNull();
                })
                .thenCancel()
                .verify();
    }

    @Test
    void describeStreamCalls_countListingPagesAndChildrenQueries_retriesIncluded() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.getOrSet();
        fake.describeStreamPageSize(2);
        fake.addShard("p").addShard("q");
        fake.putRecords("p", 2);
        fake.closeShard("p");
        fake.addShard("c", "p");
        fake.putRecords("c", 1);
        fake.failNext(DESCRIBE_STREAM, null, 1, FakeDynamoDbStreams::throttling);

        StepVerifier.withVirtualTime(() -> DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                                .streamsClient(fake).streamArn(fake.streamArn()).checkpointStore(new InMemoryCheckpointStore())
                                .scheduler(vts).meterRegistry(registry).build())
                        .receive()
                        .doOnNext(r -> r.checkpoint().acknowledge()))
                .thenAwait(Duration.ofSeconds(65))
                .expectNextCount(3)
                .then(() -> {
                    List<DescribeStreamRequest> sent = fake.calls().stream()
                            .filter(call -> call.operation() == DESCRIBE_STREAM)
                            .map(call -> (DescribeStreamRequest) call.request()).toList();
                    long children = sent.stream().filter(request -> request.shardFilter() != null).count();
                    // start + 2 intervals, 2 pages each (3 shards), one page throttled and sent again; p's children
                    assertThat(describeCalls("listing")).isEqualTo(sent.size() - children).isEqualTo(7);
                    assertThat(describeCalls("children")).isEqualTo(children).isEqualTo(1);
                })
                .thenCancel()
                .verify();
    }

    private double describeCalls(String kind) {
        return registry.get(DynamoDbStreamsMeters.DESCRIBE_STREAM_CALLS.meterName()).tag("table", "Orders")
                .tag("kind", kind).counter().count();
    }

    @Test
    void costGauge_estimatesTheCostPerHourOfTheLastMinutesRequests() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.getOrSet();
        fake.addShard("s1");

        StepVerifier.withVirtualTime(() -> DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                                .streamsClient(fake).streamArn(fake.streamArn()).checkpointStore(new InMemoryCheckpointStore())
                                .scheduler(vts).meterRegistry(registry).readRequestPricePerMillion(200)
                                // one call per second: 3,600 calls/h, 0.72 per hour at 200 per million
                                .pollInterval(Duration.ofSeconds(1)).idlePollInterval(Duration.ofSeconds(1)).build())
                        .receive())
                .expectSubscription()
                .thenAwait(Duration.ofMillis(9500))
                .then(() -> assertThat(costPerHour()).as("over the first 10 s").isCloseTo(0.72, within(1e-9)))
                .thenAwait(Duration.ofSeconds(120))
                .then(() -> assertThat(costPerHour()).as("over the last minute").isCloseTo(0.72, within(1e-9)))
                .thenCancel()
                .verify();
    }

    private double costPerHour() {
        return registry.get(DynamoDbStreamsMeters.GET_RECORDS_COST_HOURLY.meterName()).tag("table", "Orders").gauge().value();
    }

    @Test
    void behindLatest_growsWhileABacklogIsUnread_withoutRelyingOnRecordTimestamps() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.getOrSet();
        fake.addShard("s1");
        List<String> seqs = fake.putRecords("s1", 100);

        StepVerifier.withVirtualTime(() -> DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                                .streamsClient(fake).streamArn(fake.streamArn()).scheduler(vts)
                                .maxRecordsPerRequest(10).meterRegistry(registry).build())
                        .receive(), 0)
                .thenRequest(5)
                .expectNextCount(5)
                .thenAwait(Duration.ofSeconds(30))
                .then(() -> assertThat(gaugeSeconds(DynamoDbStreamsMeters.BEHIND_LATEST)).isEqualTo(30.0))
                .thenRequest(200)
                .expectNextCount(95)
                .thenAwait(Duration.ofMillis(100))
                .then(() -> assertThat(gaugeSeconds(DynamoDbStreamsMeters.BEHIND_LATEST)).isLessThanOrEqualTo(0.1))
                .thenCancel()
                .verify();
        assertThat(seqs).hasSize(100);
    }

    @Test
    void batchSizes_areRecordedPerBatch() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.getOrSet();
        fake.addShard("s1");
        fake.putRecords("s1", 25);

        StepVerifier.withVirtualTime(() -> DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                                .streamsClient(fake).streamArn(fake.streamArn()).scheduler(vts).build())
                        .receive()
                        .transform(io.github.ddbstreams.operators.batch.Batching.batches(
                                io.github.ddbstreams.operators.batch.BatchOptions.builder().maxRecords(10)
                                        .maxWait(Duration.ofSeconds(1)).scheduler(vts).meterRegistry(registry)
                                        .name("indexer").build()))
                        .take(3))
                .thenAwait(Duration.ofSeconds(2))
                .expectNextCount(3)
                .verifyComplete();
        io.micrometer.core.instrument.DistributionSummary sizes =
                registry.get(DynamoDbStreamsMeters.BATCH_SIZE.meterName()).tag("name", "indexer").summary();
        assertThat(sizes.count()).isEqualTo(3);
        assertThat(sizes.totalAmount()).isEqualTo(25);
        assertThat(sizes.max()).isEqualTo(10);
    }
}
