package io.github.ddbstreams.operators.parallel;

import static io.github.ddbstreams.operators.BatchingTestSupport.acknowledgements;
import static io.github.ddbstreams.operators.BatchingTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.github.ddbstreams.checkpoint.InMemoryCheckpointStore;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.operators.BatchingTestSupport;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.OperationType;

class KeyedParallelismTest {

    private static String key(ChangeRecord record) {
        return record.keys().get("pk").s();
    }

    @Test
    void process_over10000RecordsOf500Keys_keepsPerKeyOrder_boundsConcurrency_andTheWatermarkReachesTheEnd() {
        // a parent shard split into two children; the children hold disjoint halves of the keys, as on AWS
        FakeDynamoDbStreams fake = FakeDynamoDbStreams.create();
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        Random random = new Random(7);
        fake.addShard("P");
        List<String> parent = put(fake, "P", 4000, random, 0, 500);
        fake.closeShard("P");
        fake.addShard("C1", "P").addShard("C2", "P");
        List<String> child1 = put(fake, "C1", 3000, random, 0, 250);
        List<String> child2 = put(fake, "C2", 3000, random, 250, 500);

        Map<String, Integer> delays = new HashMap<>();
        for (String seq : concat(parent, child1, child2)) {
            delays.put(seq, 1 + random.nextInt(50));
        }
        List<ChangeRecord> arrived = new CopyOnWriteArrayList<>();
        Map<String, List<String>> startedPerKey = new ConcurrentHashMap<>();
        Set<String> runningKeys = ConcurrentHashMap.newKeySet();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger sameKeyOverlaps = new AtomicInteger();
        List<ChangeRecord> emitted = new CopyOnWriteArrayList<>();

        StepVerifier.withVirtualTime(() -> {
            VirtualTimeScheduler scheduler = VirtualTimeScheduler.getOrSet();
            return DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                            .streamsClient(fake).streamArn(fake.streamArn()).checkpointStore(store)
                            .maxRecordsPerRequest(500).scheduler(scheduler).build())
                    .receive()
                    .map(BatchingTestSupport::counting)
                    .doOnNext(arrived::add)
                    .transform(KeyedParallelism.process(32, record -> Mono.defer(() -> {
                        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                        if (!runningKeys.add(key(record))) {
                            sameKeyOverlaps.incrementAndGet();
                        }
                        startedPerKey.computeIfAbsent(key(record), k -> new CopyOnWriteArrayList<>())
                                .add(record.sequenceNumber());
                        assertThat(record.checkpoint().isAcknowledged()).isFalse();
                        return Mono.delay(Duration.ofMillis(delays.get(record.sequenceNumber())))
                                .then(Mono.fromRunnable(() -> {
                                    runningKeys.remove(key(record));
                                    running.decrementAndGet();
                                }));
                    })))
                    .doOnNext(emitted::add)
                    .take(10_000);
        })
                .thenAwait(Duration.ofMinutes(30))
                .expectNextCount(10_000)
                .verifyComplete();

        assertThat(sameKeyOverlaps.get()).isZero();
        assertThat(maxRunning.get()).isGreaterThan(1).isLessThanOrEqualTo(32);
        // per key, the work started in stream order
        Map<String, List<String>> arrivedPerKey = new HashMap<>();
        for (ChangeRecord r : arrived) {
            arrivedPerKey.computeIfAbsent(key(r), k -> new ArrayList<>()).add(r.sequenceNumber());
        }
        assertThat(startedPerKey).isEqualTo(arrivedPerKey);
        // every record acknowledged exactly once, and emitted exactly once
        assertThat(arrived).hasSize(10_000).allSatisfy(r -> assertThat(acknowledgements(r)).isEqualTo(1));
        assertThat(emitted).hasSize(10_000).doesNotHaveDuplicates();
        // the emission order differs from the stream order (work of other keys overtakes)
        assertThat(emitted).isNotEqualTo(arrived);
        // the receiver's watermark: on cancel it committed every shard up to its last record
        assertThat(store.snapshot(fake.streamArn()))
                .containsEntry("P", ShardCheckpoint.ended("P", parent.get(parent.size() - 1)))
                .containsEntry("C1", ShardCheckpoint.at("C1", child1.get(child1.size() - 1)))
                .containsEntry("C2", ShardCheckpoint.at("C2", child2.get(child2.size() - 1)));
    }

    private static List<String> put(FakeDynamoDbStreams fake, String shard, int count, Random random, int fromKey,
            int toKey) {
        List<String> sequences = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Map<String, AttributeValue> keys = Map.of("pk",
                    AttributeValue.fromS("item-" + (fromKey + random.nextInt(toKey - fromKey))));
            sequences.add(fake.putRecord(shard, OperationType.MODIFY, keys, keys, keys));
        }
        return sequences;
    }

    @SafeVarargs
    private static List<String> concat(List<String>... lists) {
        List<String> all = new ArrayList<>();
        for (List<String> list : lists) {
            all.addAll(list);
        }
        return all;
    }

    @Test
    void process_emitsEachRecordWhenItsWorkCompleted_soAFastKeyOvertakesASlowOne() {
        ChangeRecord slow = record("s", 1, "a", 10);
        ChangeRecord fast = record("s", 2, "b", 10);

        StepVerifier.withVirtualTime(() -> Flux.just(slow, fast)
                        .transform(KeyedParallelism.process(4, r -> Mono.delay(Duration.ofSeconds(r == slow ? 5 : 1)))))
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(1))
                .expectNext(fast)
                .then(() -> {
                    assertThat(acknowledgements(fast)).isEqualTo(1);
                    assertThat(acknowledgements(slow)).isZero();
                })
                .expectNoEvent(Duration.ofSeconds(4))
                .expectNext(slow)
                .verifyComplete();
        assertThat(acknowledgements(slow)).isEqualTo(1);
    }

    @Test
    void process_runsRecordsOfOneKeyOneAfterTheOther() {
        ChangeRecord a1 = record("s", 1, "a", 10);
        ChangeRecord a2 = record("s", 2, "a", 10);
        ChangeRecord b1 = record("s", 3, "b", 10);

        StepVerifier.withVirtualTime(() -> Flux.just(a1, a2, b1)
                        .transform(KeyedParallelism.process(8, r -> Mono.delay(Duration.ofSeconds(r == a1 ? 5 : 1)))))
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(1))
                .expectNext(b1)
                .expectNoEvent(Duration.ofSeconds(4))
                .expectNext(a1)
                // a2 starts only now, after a1
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(a2)
                .verifyComplete();
    }

    @Test
    void process_whenOneItemsNumberKeyIsWrittenInDifferentForms_runsItsRecordsOneAfterTheOtherInStreamOrder() {
        // DynamoDB reads 1, 1.0 and 10E-1 as one number: these three records are changes of one item
        ChangeRecord first = numberKeyed(1, "1");
        ChangeRecord second = numberKeyed(2, "1.0");
        ChangeRecord third = numberKeyed(3, "10E-1");
        ChangeRecord other = numberKeyed(4, "2");

        StepVerifier.withVirtualTime(() -> Flux.just(first, second, third, other)
                        .transform(KeyedParallelism.process(8, r -> Mono.delay(Duration.ofSeconds(r == first ? 5 : 1)))))
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(1))
                .expectNext(other) // another item runs beside them
                .expectNoEvent(Duration.ofSeconds(4))
                .expectNext(first)
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(second)
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(third)
                .verifyComplete();
    }

    @Test
    void process_whenKeyAttributesComeInAnyOrderAndNumbersInAnyForm_treatsThemAsOneItem() {
        Map<String, AttributeValue> forward = new LinkedHashMap<>();
        forward.put("pk", AttributeValue.fromS("a"));
        forward.put("sk", AttributeValue.fromN("100"));
        Map<String, AttributeValue> backward = new LinkedHashMap<>();
        backward.put("sk", AttributeValue.fromN("1E+2"));
        backward.put("pk", AttributeValue.fromS("a"));
        ChangeRecord first = record("s", 1, "unused", 10).toBuilder().keys(forward).build();
        ChangeRecord second = record("s", 2, "unused", 10).toBuilder().keys(backward).build();

        StepVerifier.withVirtualTime(() -> Flux.just(first, second)
                        .transform(KeyedParallelism.process(8, r -> Mono.delay(Duration.ofSeconds(r == first ? 5 : 1)))))
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(5))
                .expectNext(first)
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(second)
                .verifyComplete();
    }

    @Test
    void process_whenARecordsKeysAreNoDynamoDbKey_failsTheFluxNamingTheAttribute() {
        ChangeRecord bad = record("s", 1, "unused", 10).toBuilder().keys(Map.of("flag", AttributeValue.fromBool(true))).build();
        AtomicInteger started = new AtomicInteger();

        StepVerifier.create(Flux.just(bad).transform(KeyedParallelism.process(2, r -> Mono.fromRunnable(started::incrementAndGet))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'flag'"))
                .verify(Duration.ofSeconds(5));
        assertThat(started.get()).isZero();
        assertThat(acknowledgements(bad)).isZero();
    }

    private static ChangeRecord numberKeyed(long seq, String number) {
        return record("s", seq, "unused", 10).toBuilder().keys(Map.of("pk", AttributeValue.fromN(number))).build();
    }

    @Test
    void process_whenWorkFails_failsTheFlux_cancelsOtherWork_andNeverAcknowledgesTheFailedRecord() {
        ChangeRecord ok = record("s", 1, "a", 10);
        ChangeRecord bad = record("s", 2, "b", 10);
        ChangeRecord inFlight = record("s", 3, "c", 10);
        AtomicInteger cancelled = new AtomicInteger();

        StepVerifier.withVirtualTime(() -> Flux.just(ok, bad, inFlight)
                        .transform(KeyedParallelism.process(8, r -> {
                            if (r == bad) {
                                return Mono.delay(Duration.ofSeconds(2)).then(Mono.error(new IllegalStateException("write failed")));
                            }
                            return Mono.delay(Duration.ofSeconds(r == ok ? 1 : 10)).doOnCancel(cancelled::incrementAndGet);
                        })))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(1))
                .expectNext(ok)
                .thenAwait(Duration.ofSeconds(1))
                .verifyErrorMessage("write failed");

        assertThat(acknowledgements(ok)).isEqualTo(1);
        assertThat(acknowledgements(bad)).isZero();
        assertThat(acknowledgements(inFlight)).isZero();
        assertThat(cancelled.get()).isEqualTo(1);
    }

    @Test
    void process_whenWorkThrows_failsTheFlux() {
        StepVerifier.create(Flux.just(record("s", 1)).transform(KeyedParallelism.process(2, r -> {
                    throw new IllegalArgumentException("no publisher");
                })))
                .verifyErrorMessage("no publisher");
    }

    @Test
    void process_whenDownstreamIsSlow_holdsAtMostMaxPendingRecords() {
        AtomicLong requested = new AtomicLong();
        AtomicLong emitted = new AtomicLong();
        AtomicInteger started = new AtomicInteger();
        Flux<ChangeRecord> source = Flux.range(0, Integer.MAX_VALUE)
                .map(i -> record("s", i + 1, "k" + (i % 100), 10))
                .doOnRequest(requested::addAndGet);

        StepVerifier.create(source
                                .transform(KeyedParallelism.process(4, 16, r -> Mono.fromRunnable(started::incrementAndGet)))
                                .doOnNext(r -> emitted.incrementAndGet()),
                        0)
                .expectSubscription()
                .then(() -> {
                    assertThat(requested.get()).isEqualTo(16);
                    assertThat(started.get()).isEqualTo(16); // work done, waiting for demand
                })
                .thenRequest(5)
                .expectNextCount(5)
                .then(() -> assertThat(requested.get() - emitted.get()).isLessThanOrEqualTo(16))
                .thenRequest(1000)
                .expectNextCount(1000)
                .then(() -> assertThat(requested.get() - emitted.get()).isLessThanOrEqualTo(16))
                .thenCancel()
                .verify();
    }

    @Test
    void process_whenUpstreamCompletes_completesAfterTheLastWork() {
        List<ChangeRecord> records = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            records.add(record("s", i, "k" + (i % 3), 10));
        }

        StepVerifier.withVirtualTime(() -> Flux.fromIterable(records)
                        .transform(KeyedParallelism.process(3, r -> Mono.delay(Duration.ofMillis(100)))))
                .thenAwait(Duration.ofSeconds(10))
                .expectNextCount(50)
                .verifyComplete();
        assertThat(records).allSatisfy(r -> assertThat(acknowledgements(r)).isEqualTo(1));
    }

    @Test
    void process_rejectsInvalidArguments() {
        assertThatThrownBy(() -> KeyedParallelism.process(0, r -> Mono.empty())).hasMessageContaining("concurrency");
        assertThatThrownBy(() -> KeyedParallelism.process(4, 3, r -> Mono.empty())).hasMessageContaining("maxPending");
        assertThatThrownBy(() -> KeyedParallelism.process(4, null)).hasMessageContaining("work");
        assertThat(KeyedParallelism.defaultMaxPending(1000)).isEqualTo(4000);
        assertThat(KeyedParallelism.defaultMaxPending(2)).isEqualTo(256);
    }
}
