package io.github.ddbstreams.receiver;

import static io.github.ddbstreams.testkit.FakeDynamoDbStreams.Operation.DESCRIBE_STREAM;
import static io.github.ddbstreams.testkit.FakeDynamoDbStreams.Operation.GET_RECORDS;
import static io.github.ddbstreams.testkit.FakeDynamoDbStreams.Operation.GET_SHARD_ITERATOR;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.ddbstreams.checkpoint.InMemoryCheckpointStore;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.metrics.DynamoDbStreamsMeters;
import io.github.ddbstreams.operators.batch.BatchOptions;
import io.github.ddbstreams.operators.batch.Batching;
import io.github.ddbstreams.operators.errors.ErrorHandling;
import io.github.ddbstreams.operators.errors.ErrorHandlingOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DescribeStreamRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.LimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.ShardFilterType;

/**
 * The receiver's data path (GetRecords → emit → acknowledge → commit) at its edges: lineage waits for
 * acknowledgements, the in-flight bound, cancelled shard groups, child discovery, start-up failures, LATEST
 * iterators under backpressure and trimmed-data answers that skipped nothing. Virtual time, scripted fake.
 */
class ReceiverDataPathTest {

    private final FakeDynamoDbStreams fake = FakeDynamoDbStreams.create();
    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();

    private DynamoDbStreamsReceiver receiver(UnaryOperator<ReceiverOptions.Builder> customizer) {
        ReceiverOptions.Builder builder = ReceiverOptions.builder()
                .streamsClient(fake)
                .streamArn(fake.streamArn())
                .checkpointStore(store)
                .scheduler(VirtualTimeScheduler.getOrSet());
        return DynamoDbStreamsReceiver.create(customizer.apply(builder).build());
    }

    private String put(String shardId, String key, int version) {
        Map<String, AttributeValue> keys = Map.of("pk", AttributeValue.fromS(key));
        return fake.putRecord(shardId, OperationType.MODIFY, keys, null,
                Map.of("pk", AttributeValue.fromS(key), "version", AttributeValue.fromN(Integer.toString(version))));
    }

    private static int version(ChangeRecord record) {
        return Integer.parseInt(record.newImage().get("version").n());
    }

    // ---------------------------------------------------------------- lineage waits for acknowledgements

    @Test
    void receive_startsAChildOnlyWhenEveryRecordOfItsParentIsAcknowledged() {
        fake.addShard("P");
        fake.putRecords("P", 5);
        fake.closeShard("P");
        fake.addShard("C", "P");
        fake.putRecords("C", 3);
        List<ChangeRecord> got = new CopyOnWriteArrayList<>();

        StepVerifier.withVirtualTime(() -> receiver(b -> b).receive())
                .recordWith(() -> got)
                .expectNextCount(5)
                .thenAwait(Duration.ofMinutes(1))
                .then(() -> assertThat(fake.count(GET_SHARD_ITERATOR, "C")).as("child started before its parent was acknowledged").isZero())
                .then(() -> got.subList(0, 4).forEach(r -> r.checkpoint().acknowledge()))
                .thenAwait(Duration.ofMinutes(1))
                .then(() -> assertThat(fake.count(GET_SHARD_ITERATOR, "C")).isZero())
                .then(() -> got.get(4).checkpoint().acknowledge())
                .thenAwait(Duration.ofSeconds(1))
                .expectNextCount(3)
                .consumeRecordedWith(records -> assertThat(records.stream().skip(5).map(ChangeRecord::shardId)).containsOnly("C"))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void batchingAndErrorHandling_withASlowRetryingSink_keepEachItemsOrderAcrossASplit() {
        // one item changes 13 times in the parent (a full batch of 10 and a partial one of 3) and 10 times in the
        // child (one full batch); the sink is slow and fails each parent batch once
        fake.addShard("P");
        for (int v = 1; v <= 13; v++) {
            put("P", "item", v);
        }
        fake.closeShard("P");
        fake.addShard("C", "P");
        for (int v = 14; v <= 23; v++) {
            put("C", "item", v);
        }
        List<Integer> written = new CopyOnWriteArrayList<>();
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

        StepVerifier.withVirtualTime(() -> {
            VirtualTimeScheduler scheduler = VirtualTimeScheduler.getOrSet();
            return receiver(b -> b).receive()
                    .transform(Batching.batches(BatchOptions.builder().maxRecords(10).maxWait(Duration.ofSeconds(1))
                            .scheduler(scheduler).build()))
                    .transform(ErrorHandling.process(ErrorHandlingOptions.builder().maxAttempts(5)
                            .retryBackoff(Duration.ofSeconds(2)).maxRetryBackoff(Duration.ofSeconds(2)).concurrency(4)
                            .scheduler(scheduler).build(), batch -> {
                                String first = batch.records().get(0).sequenceNumber();
                                boolean failOnce = batch.shardId().equals("P")
                                        && attempts.computeIfAbsent(first, k -> new AtomicInteger()).getAndIncrement() == 0;
                                Duration slow = Duration.ofSeconds(batch.shardId().equals("P") ? 3 : 0);
                                return Mono.delay(slow, scheduler).then(Mono.defer(() -> {
                                    if (failOnce) {
                                        return Mono.error(new IllegalStateException("sink unavailable"));
                                    }
                                    batch.records().forEach(r -> written.add(version(r)));
                                    return Mono.just(BatchResult.success(batch));
                                }));
                            }));
        })
                .thenAwait(Duration.ofMinutes(2))
                .expectNextCount(3)
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(written).as("the item's versions as the sink received them").isSorted().hasSize(23);
    }

    // ---------------------------------------------------------------- bounded in-flight records

    @Test
    void receive_whenNothingIsAcknowledged_stopsFetchingAtMaxUnacknowledgedPerShard_andResumesOnAcknowledgement() {
        fake.addShard("s1");
        fake.putRecords("s1", 25_000);
        List<ChangeRecord> got = new CopyOnWriteArrayList<>();

        StepVerifier.withVirtualTime(() -> receiver(b -> b).receive())
                .recordWith(() -> got)
                .expectNextCount(ReceiverOptions.DEFAULT_MAX_UNACKNOWLEDGED_PER_SHARD)
                .thenAwait(Duration.ofMinutes(5))
                .expectNoEvent(Duration.ofMinutes(1))
                .then(() -> assertThat(fake.count(GET_RECORDS)).isEqualTo(10))
                // acknowledging half makes room for pages again
                .then(() -> got.subList(0, 5_000).forEach(r -> r.checkpoint().acknowledge()))
                .thenAwait(Duration.ofSeconds(1))
                .expectNextCount(5_000)
                .expectNoEvent(Duration.ofMinutes(1))
                .thenCancel()
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void receive_withASmallBound_asksForNoMoreRecordsThanItMayHold() {
        fake.addShard("s1");
        fake.putRecords("s1", 50);

        StepVerifier.withVirtualTime(() -> receiver(b -> b.maxUnacknowledgedPerShard(20)).receive())
                .expectNextCount(20)
                .expectNoEvent(Duration.ofMinutes(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(fake.calls().stream().filter(c -> c.operation() == GET_RECORDS)
                .map(c -> ((software.amazon.awssdk.services.dynamodb.model.GetRecordsRequest) c.request()).limit()))
                .containsOnly(20);
    }

    @Test
    void receive_whenHeldBackForAMinute_warnsNamingTheShard_andTheGaugeShowsTheOldestUnacknowledgedAge() {
        fake.addShard("s1");
        fake.putRecords("s1", 30);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Logger pollerLog = (Logger) LoggerFactory.getLogger("io.github.ddbstreams.receiver.internal.ShardPoller");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        pollerLog.addAppender(logged);
        List<ChangeRecord> got = new CopyOnWriteArrayList<>();
        try {
            StepVerifier.withVirtualTime(() -> receiver(b -> b.maxUnacknowledgedPerShard(10).meterRegistry(registry)).receive())
                    .recordWith(() -> got)
                    .expectNextCount(10)
                    .thenAwait(Duration.ofSeconds(50))
                    .then(() -> assertThat(logged.list).noneMatch(e -> e.getLevel() == Level.WARN))
                    .then(() -> assertThat(registry.get(DynamoDbStreamsMeters.OLDEST_UNACKNOWLEDGED_AGE.meterName())
                            .timeGauge().value(java.util.concurrent.TimeUnit.SECONDS)).isGreaterThanOrEqualTo(50))
                    .thenAwait(Duration.ofSeconds(20))
                    .then(() -> assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.WARN).singleElement()
                            .satisfies(e -> assertThat(e.getFormattedMessage()).contains("s1")
                                    .contains("maxUnacknowledgedPerShard").contains("acknowledge")))
                    .then(() -> got.forEach(r -> r.checkpoint().acknowledge()))
                    .thenAwait(Duration.ofSeconds(1))
                    .expectNextCount(10)
                    .then(() -> got.forEach(r -> r.checkpoint().acknowledge()))
                    .then(() -> assertThat(registry.get(DynamoDbStreamsMeters.OLDEST_UNACKNOWLEDGED_AGE.meterName())
                            .timeGauge().value()).isZero())
                    .thenCancel()
                    .verify(Duration.ofSeconds(10));
        } finally {
            pollerLog.detachAppender(logged);
        }
    }

    // ---------------------------------------------------------------- per-shard Flux cancelled

    @Test
    void receivePerShard_whenAShardsFluxIsCancelled_itsNextRecordsOpenAFreshGroup_andItsChildrenFollow() {
        fake.addShard("P");
        List<String> parent = fake.putRecords("P", 10);
        fake.closeShard("P");
        fake.addShard("C", "P");
        List<String> child = fake.putRecords("C", 4);
        List<String> groups = new CopyOnWriteArrayList<>();

        StepVerifier.withVirtualTime(() -> receiver(b -> b.maxRecordsPerRequest(4)).receivePerShard()
                        .doOnNext(g -> groups.add(g.key()))
                        .flatMap(g -> g.doOnNext(r -> r.checkpoint().acknowledge()).take(3)))
                .recordWith(ArrayList::new)
                .expectNextCount(14)
                .consumeRecordedWith(records -> {
                    List<String> order = records.stream().map(ChangeRecord::sequenceNumber).collect(Collectors.toList());
                    assertThat(order.subList(0, 10)).containsExactlyElementsOf(parent);
                    assertThat(order.subList(10, 14)).containsExactlyElementsOf(child);
                })
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(groups).containsExactly("P", "P", "P", "P", "C", "C");
    }

    // ---------------------------------------------------------------- child discovery

    @Test
    void receive_atAShardsEnd_asksForItsChildrenOnly_notForTheWholeStream() {
        fake.describeStreamPageSize(2);
        for (int i = 0; i < 5; i++) {
            fake.addShard("other" + i);
        }
        fake.addShard("P");
        fake.putRecords("P", 2);

        StepVerifier.withVirtualTime(() -> receiver(b -> b.shardDiscoveryInterval(Duration.ofHours(1))).receive()
                        .doOnNext(r -> r.checkpoint().acknowledge()))
                .thenAwait(Duration.ofSeconds(1)) // the listing's 3 pages, 200 ms apart
                .expectNextCount(2)
                .then(() -> {
                    fake.closeShard("P");
                    fake.addShard("C", "P");
                    fake.putRecords("C", 1);
                    fake.clearCalls();
                })
                .thenAwait(Duration.ofSeconds(5))
                .expectNextCount(1)
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        List<DescribeStreamRequest> describes = fake.calls().stream().filter(c -> c.operation() == DESCRIBE_STREAM)
                .map(c -> (DescribeStreamRequest) c.request()).collect(Collectors.toList());
        assertThat(describes).isNotEmpty().allSatisfy(request -> {
            assertThat(request.shardFilter()).isNotNull();
            assertThat(request.shardFilter().type()).isEqualTo(ShardFilterType.CHILD_SHARDS);
            assertThat(request.shardFilter().shardId()).isEqualTo("P");
        });
    }

    @Test
    void receive_whenTheServiceRejectsShardFilter_fallsBackToDescribingTheWholeStream() {
        fake.addShard("P");
        fake.putRecords("P", 1);

        StepVerifier.withVirtualTime(() -> receiver(b -> b.shardDiscoveryInterval(Duration.ofHours(1))).receive()
                        .doOnNext(r -> r.checkpoint().acknowledge()))
                .expectNextCount(1)
                .then(() -> {
                    fake.closeShard("P");
                    fake.addShard("C", "P");
                    fake.putRecords("C", 1);
                    fake.clearCalls();
                    fake.failNext(DESCRIBE_STREAM, null, 1, () -> DynamoDbException.builder().statusCode(400)
                            .message("ShardFilter is not supported").build());
                })
                .thenAwait(Duration.ofSeconds(5))
                .expectNextCount(1)
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(fake.calls().stream().filter(c -> c.operation() == DESCRIBE_STREAM)
                .map(c -> ((DescribeStreamRequest) c.request()).shardFilter()))
                .as("a filtered describe (rejected), then a full one").hasSize(2).last().isNull();
    }

    @Test
    void fullListings_ofAStreamOfManyPages_stayAtOrBelowHalfADescribeStreamCallPerSecond() {
        // DescribeStream allows 10 calls/s per account and region, shared by every reader: a stream of 24 h of closed
        // shards (thousands, 100 per page) listed every 30 s would take more than one call per second by itself.
        // Listings keep to half a call per second, so that they and the children queries at shard ends (one per
        // shard end, 0.1-0.4 per second on streams that size) stay within one call per second.
        for (int i = 0; i < 300; i++) {
            fake.addShard("s" + i);
        }
        fake.describeStreamPageSize(10); // 30 pages per listing
        Duration interval = Duration.ofSeconds(5);

        StepVerifier.withVirtualTime(() -> receiver(b -> b.shardDiscoveryInterval(interval)).receive())
                .expectSubscription()
                .thenAwait(Duration.ofMinutes(10))
                .thenCancel()
                .verify(Duration.ofSeconds(30));
        long listingCalls = fake.calls().stream().filter(c -> c.operation() == DESCRIBE_STREAM)
                .filter(c -> ((DescribeStreamRequest) c.request()).shardFilter() == null).count();
        assertThat(listingCalls).as("full-listing pages in 10 minutes (30 per listing, interval 5 s)")
                .isGreaterThanOrEqualTo(30 * 5).isLessThanOrEqualTo(300 + 30);
    }

    @Test
    void pagesOfAFullListing_areSpacedToHalfTheStreamsDescribeStreamLimit() {
        // Pages sent back to back hit DescribeStream's 10 calls/s (shared by every reader of the stream: other
        // workers' children queries, a Lambda, the KCL) and every throttled attempt retried is one more call: a
        // listing of 50 pages at 10 workers x 5,000 shards made 1.5 calls/s instead of 1.
        for (int i = 0; i < 300; i++) {
            fake.addShard("s" + i);
        }
        fake.describeStreamPageSize(10); // 30 pages per listing
        VirtualTimeScheduler scheduler = VirtualTimeScheduler.getOrSet();
        fake.latency(Duration.ofMillis(10), scheduler);

        StepVerifier.withVirtualTime(() -> receiver(b -> b).receive())
                .expectSubscription()
                .thenAwait(Duration.ofMinutes(3))
                .thenCancel()
                .verify(Duration.ofSeconds(30));
        List<Long> at = fake.calls().stream().filter(c -> c.operation() == DESCRIBE_STREAM)
                .filter(c -> ((DescribeStreamRequest) c.request()).shardFilter() == null)
                .map(c -> c.at().toEpochMilli()).sorted().toList();
        assertThat(at).as("full-listing pages in 3 minutes (30 per listing)").hasSizeGreaterThanOrEqualTo(60);
        int most = 0;
        for (int i = 0, j = 0; i < at.size(); i++) {
            while (at.get(i) - at.get(j) >= 1000) {
                j++;
            }
            most = Math.max(most, i - j + 1);
        }
        assertThat(most).as("full-listing pages sent within one second").isLessThanOrEqualTo(5);
    }

    // ---------------------------------------------------------------- start-up

    @Test
    void receive_whenTheServiceIsNeverReached_failsAfterTheStartupTimeout_namingTheCause() {
        fake.addShard("s1");
        fake.failNext(DESCRIBE_STREAM, null, 100_000,
                () -> SdkClientException.create("Unable to execute HTTP request: Connection refused"));

        StepVerifier.withVirtualTime(() -> receiver(b -> b).receive())
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(59))
                .expectNoEvent(Duration.ofMillis(500))
                .thenAwait(Duration.ofSeconds(1))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(StreamUnavailableException.class)
                            .hasMessageContaining("startupTimeout").hasMessageContaining("Connection refused");
                    assertThat(((StreamUnavailableException) e).reason().name()).isEqualTo("SERVICE_UNREACHABLE");
                })
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void receive_whenTheServiceThrottlesTheListingBeyondTheStartupTimeout_keepsRetrying_theServiceWasReached() {
        // A throttled answer (DescribeStream's 10 calls/s shared by every reader of the stream, a many-page listing)
        // proves the endpoint, region and credentials right: the start-up watch must not blame them.
        fake.addShard("s1");
        fake.putRecords("s1", 1);
        fake.failNext(DESCRIBE_STREAM, null, 20, () -> LimitExceededException.builder()
                .message("Rate exceeded for DescribeStream").build());

        StepVerifier.withVirtualTime(() -> receiver(b -> b).receive())
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(61))
                .then(() -> assertThat(fake.count(DESCRIBE_STREAM)).as("still throttled after the startup timeout")
                        .isLessThan(21))
                .thenAwait(Duration.ofMinutes(5))
                .expectNextCount(1)
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void receive_afterTheFirstSuccessfulCall_keepsRetryingOutagesBeyondTheStartupTimeout() {
        fake.addShard("s1");
        fake.putRecords("s1", 1);

        StepVerifier.withVirtualTime(() -> receiver(b -> b).receive())
                .expectNextCount(1)
                .then(() -> fake.failNext(GET_RECORDS, null, 100_000,
                        () -> SdkClientException.create("Unable to execute HTTP request: Connection refused")))
                .thenAwait(Duration.ofMinutes(10))
                .expectNoEvent(Duration.ofMinutes(1))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    // ---------------------------------------------------------------- LATEST under backpressure

    @Test
    void latest_withoutDemandForLongerThanAnIteratorLives_losesNothingWrittenMeanwhile() {
        fake.addShard("s1");
        fake.putRecords("s1", 3);     // before the start: not delivered

        StepVerifier.withVirtualTime(() -> receiver(b -> b.startPosition(StartPosition.latest())).receive(), 0)
                .expectSubscription()
                .thenAwait(Duration.ofMinutes(5))
                .then(() -> put("s1", "written-while-idle", 1))
                .thenAwait(Duration.ofMinutes(11))
                .then(fake::expireIterators)         // 16 minutes: the first iterator would have expired
                .thenRequest(1)
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(r -> assertThat(r.keys().get("pk").s()).isEqualTo("written-while-idle"))
                .thenCancel()
                .verify(Duration.ofSeconds(10));
    }

    // ---------------------------------------------------------------- trimmed data that skipped nothing

    @Test
    void trimHorizon_whenATrimmedDataAnswerComesBeforeAnythingWasRead_takesAFreshIteratorInsteadOfFailing() {
        fake.addShard("s1");
        fake.failNext(GET_RECORDS, "s1", 1, FakeDynamoDbStreams::trimmedData);
        List<TrimmedDataEvent> events = new CopyOnWriteArrayList<>();

        StepVerifier.withVirtualTime(() -> receiver(b -> b.trimmedDataListener(events::add)).receive())
                .expectSubscription()
                .then(() -> fake.putRecords("s1", 3))
                .thenAwait(Duration.ofSeconds(5))
                .expectNextCount(3)
                .thenCancel()
                .verify(Duration.ofSeconds(10));
        assertThat(events).isEmpty();
    }

    @Test
    void resume_whenATrimmedDataAnswerComesButTrimHorizonStillStartsBeforeTheCheckpoint_skipsNothingAndRepeatsNothing() {
        fake.addShard("s1");
        List<String> seqs = fake.putRecords("s1", 10);
        store.save(fake.streamArn(), List.of(ShardCheckpoint.at("s1", seqs.get(2)))).block();
        fake.failNext(GET_RECORDS, "s1", 1, FakeDynamoDbStreams::trimmedData);   // nothing was trimmed really
        List<TrimmedDataEvent> events = new CopyOnWriteArrayList<>();

        StepVerifier.withVirtualTime(() -> receiver(b -> b.trimmedDataListener(events::add)).receive().take(7))
                .recordWith(ArrayList::new)
                .thenAwait(Duration.ofSeconds(5))
                .expectNextCount(7)
                .consumeRecordedWith(records -> assertThat(records.stream().map(ChangeRecord::sequenceNumber))
                        .containsExactlyElementsOf(seqs.subList(3, 10)))
                .verifyComplete();
        assertThat(events).isEmpty();
    }

    @Test
    void trimHorizon_whenTrimmedDataAnswersPersist_appliesThePolicyInTheEnd() {
        fake.addShard("s1");
        fake.failNext(GET_RECORDS, "s1", 10, FakeDynamoDbStreams::trimmedData);

        StepVerifier.withVirtualTime(() -> receiver(b -> b).receive())
                .thenAwait(Duration.ofSeconds(5))
                .expectError(TrimmedDataException.class)
                .verify(Duration.ofSeconds(10));
    }
}
