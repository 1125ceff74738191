package io.github.ddbstreams.receiver;

import static io.github.ddbstreams.testkit.FakeDynamoDbStreams.Operation.DESCRIBE_STREAM;
import static io.github.ddbstreams.testkit.FakeDynamoDbStreams.Operation.GET_RECORDS;
import static io.github.ddbstreams.testkit.FakeDynamoDbStreams.Operation.GET_SHARD_ITERATOR;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.github.ddbstreams.checkpoint.InMemoryCheckpointStore;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.SequenceNumbers;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;
import software.amazon.awssdk.services.dynamodb.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;

class DynamoDbStreamsReceiverTest {

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

    private DynamoDbStreamsReceiver receiver() {
        return receiver(b -> b);
    }

    private static List<String> sequences(List<ChangeRecord> records) {
        return records.stream().map(ChangeRecord::sequenceNumber).collect(Collectors.toList());
    }

    @Test
    void receive_deliversOneShardInSequenceOrder() {
        fake.addShard("s1");
        List<String> written = fake.putRecords("s1", 2500);

        StepVerifier.withVirtualTime(() -> receiver().receive().take(2500))
                .recordWith(ArrayList::new)
                .expectNextCount(2500)
                .consumeRecordedWith(records -> {
                    assertThat(sequences(new ArrayList<>(records))).containsExactlyElementsOf(written);
                    assertThat(records).allSatisfy(r -> {
                        assertThat(r.shardId()).isEqualTo("s1");
                        assertThat(r.streamArn()).isEqualTo(fake.streamArn());
                    });
                })
                .verifyComplete();
        // 2500 records in pages of 1000: three calls
        assertThat(fake.count(GET_RECORDS)).isEqualTo(3);
    }

    @Test
    void receive_whenShardsSplit_readsChildrenOnlyAfterTheirParentEnded() {
        // parent P splits into C1 and C2; C1 splits into G1 and G2 (open)
        fake.addShard("P");
        List<String> p = fake.putRecords("P", 30);
        fake.closeShard("P");
        fake.addShard("C1", "P").addShard("C2", "P");
        List<String> c1 = fake.putRecords("C1", 20);
        List<String> c2 = fake.putRecords("C2", 20);
        fake.closeShard("C1").closeShard("C2");
        fake.addShard("G1", "C1").addShard("G2", "C1");
        List<String> g1 = fake.putRecords("G1", 10);
        List<String> g2 = fake.putRecords("G2", 10);

        List<ChangeRecord> received = new CopyOnWriteArrayList<>();
        // children start once every record of their parent is acknowledged
        StepVerifier.withVirtualTime(() -> receiver(b -> b.maxRecordsPerRequest(7)).receive()
                        .doOnNext(r -> r.checkpoint().acknowledge()).take(90))
                .recordWith(() -> received)
                .expectNextCount(90)
                .verifyComplete();

        List<String> order = sequences(received);
        assertThat(order).containsExactlyInAnyOrderElementsOf(
                concat(p, c1, c2, g1, g2));
        int lastParent = order.indexOf(p.get(p.size() - 1));
        assertThat(order.subList(0, lastParent + 1)).containsExactlyElementsOf(p);
        int lastC1 = order.indexOf(c1.get(c1.size() - 1));
        for (String g : concat(g1, g2)) {
            assertThat(order.indexOf(g)).isGreaterThan(lastC1);
        }
        // each shard keeps its own order
        for (List<String> shard : List.of(p, c1, c2, g1, g2)) {
            assertThat(order.stream().filter(shard::contains).collect(Collectors.toList())).containsExactlyElementsOf(shard);
        }
        // the parent's iterator was asked for before any child's
        List<String> iteratorOrder = fake.calls().stream().filter(c -> c.operation() == GET_SHARD_ITERATOR)
                .map(FakeDynamoDbStreams.Call::shardId).collect(Collectors.toList());
        assertThat(iteratorOrder.get(0)).isEqualTo("P");
        assertThat(iteratorOrder.indexOf("G1")).isGreaterThan(iteratorOrder.indexOf("C1"));
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
    void receive_withMoreThan100Shards_followsDescribeStreamPagination() {
        for (int i = 0; i < 250; i++) {
            String shard = String.format("shard-%03d", i);
            fake.addShard(shard);
            fake.putRecords(shard, 2);
        }

        StepVerifier.withVirtualTime(() -> receiver().receive().take(500))
                .thenAwait(Duration.ofSeconds(1)) // the listing's 3 pages, 200 ms apart
                .expectNextCount(500)
                .expectComplete()
                .verify(Duration.ofSeconds(30));

        assertThat(fake.count(DESCRIBE_STREAM)).isEqualTo(3);
        assertThat(fake.calls().stream().filter(c -> c.operation() == GET_SHARD_ITERATOR)
                .map(FakeDynamoDbStreams.Call::shardId).distinct().count()).isEqualTo(250);
    }

    @Test
    void receive_callsGetRecordsOnlyWhileDemandIsOutstanding() {
        fake.addShard("s1");
        List<String> written = fake.putRecords("s1", 25);

        StepVerifier.withVirtualTime(() -> receiver(b -> b.maxRecordsPerRequest(10)).receive(), 0)
                .expectSubscription()
                .thenAwait(Duration.ofMinutes(1))
                .then(() -> assertThat(fake.count(GET_RECORDS)).isZero())
                .thenRequest(1)
                .assertNext(r -> assertThat(r.sequenceNumber()).isEqualTo(written.get(0)))
                .then(() -> assertThat(fake.count(GET_RECORDS)).isEqualTo(1))
                .thenAwait(Duration.ofMinutes(1))
                // one page of 10 is buffered: no further call while there is no demand
                .then(() -> assertThat(fake.count(GET_RECORDS)).isEqualTo(1))
                .thenRequest(9)
                .expectNextCount(9)
                .then(() -> assertThat(fake.count(GET_RECORDS)).isEqualTo(1))
                .thenRequest(1)
                .assertNext(r -> assertThat(r.sequenceNumber()).isEqualTo(written.get(10)))
                .then(() -> assertThat(fake.count(GET_RECORDS)).isEqualTo(2))
                .thenCancel()
                .verify();
    }

    @Test
    void receive_atMostOneCallInFlightPerShard() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.getOrSet();
        fake.addShard("s1").addShard("s2");
        fake.putRecords("s1", 50);
        fake.putRecords("s2", 50);
        fake.latency(Duration.ofMillis(100), vts);

        StepVerifier.withVirtualTime(() -> receiver(b -> b.maxRecordsPerRequest(5)).receive())
                .thenAwait(Duration.ofMillis(150))
                .then(() -> assertThat(fake.count(GET_RECORDS)).isZero()) // iterators still in flight
                .thenAwait(Duration.ofMillis(60))
                .then(() -> assertThat(fake.count(GET_RECORDS)).isEqualTo(2))
                // the calls made at 200 ms answer at 300 ms: nothing new is asked for meanwhile
                .thenAwait(Duration.ofMillis(89))
                .then(() -> assertThat(fake.count(GET_RECORDS)).isEqualTo(2))
                .thenAwait(Duration.ofMillis(1))
                .expectNextCount(10)
                .then(() -> assertThat(fake.count(GET_RECORDS)).isEqualTo(4))
                .thenCancel()
                .verify();
    }

    @Test
    void lowLatency_withFixedPollInterval_pollsAgainAfterPollInterval_andAtOnceAfterRecords() {
        fake.addShard("s1");

        StepVerifier.withVirtualTime(() -> receiver(b -> b.pacing(Pacing.LOW_LATENCY).pollInterval(Duration.ofMillis(250))
                        .minPollInterval(Duration.ofMillis(250))).receive())
                .expectSubscription()
                .then(getRecordsCallsAre(1))
                .thenAwait(Duration.ofMillis(249))
                .then(getRecordsCallsAre(1))
                .thenAwait(Duration.ofMillis(1))
                .then(getRecordsCallsAre(2))
                .then(() -> fake.putRecords("s1", 3))
                .thenAwait(Duration.ofMillis(250))
                .expectNextCount(3)
                // records came back: the next poll is immediate (and empty), then the pause again
                .then(getRecordsCallsAre(4))
                .thenAwait(Duration.ofSeconds(1))
                .then(getRecordsCallsAre(8))
                .thenCancel()
                .verify();
    }

    @Test
    void lowLatency_afterRecords_pausesGrowFromMinPollIntervalToPollInterval_andRestartAfterNewRecords() {
        fake.addShard("s1");

        // the low-latency profile with its defaults: pollInterval 250 ms, minPollInterval 250 / 8 = 31.25 ms
        StepVerifier.withVirtualTime(() -> receiver(b -> b.pacing(Pacing.LOW_LATENCY)).receive())
                .expectSubscription()
                // a shard with nothing yet is idle: polled every pollInterval
                .then(getRecordsCallsAre(1))
                .thenAwait(Duration.ofMillis(249))
                .then(getRecordsCallsAre(1))
                .thenAwait(Duration.ofMillis(1))
                .then(getRecordsCallsAre(2))
                .then(() -> fake.putRecords("s1", 3))
                .thenAwait(Duration.ofMillis(250))
                .expectNextCount(3)
                // call 3 returned the records, call 4 (at once) none: pauses of 31.25, 62.5, 125, then 250 ms
                .then(getRecordsCallsAre(4))
                .thenAwait(Duration.ofMillis(31))
                .then(getRecordsCallsAre(4))
                .thenAwait(Duration.ofMillis(1)) // t = 32 ms
                .then(getRecordsCallsAre(5))
                .thenAwait(Duration.ofMillis(61)) // t = 93 ms
                .then(getRecordsCallsAre(5))
                .thenAwait(Duration.ofMillis(1)) // t = 94 ms: 31.25 + 62.5 = 93.75
                .then(getRecordsCallsAre(6))
                .thenAwait(Duration.ofMillis(124)) // t = 218 ms
                .then(getRecordsCallsAre(6))
                .thenAwait(Duration.ofMillis(1)) // t = 219 ms: + 125 = 218.75
                .then(getRecordsCallsAre(7))
                .thenAwait(Duration.ofMillis(249)) // t = 468 ms
                .then(getRecordsCallsAre(7))
                .thenAwait(Duration.ofMillis(1)) // t = 469 ms: + 250 = 468.75, then every 250 ms
                .then(getRecordsCallsAre(8))
                .thenAwait(Duration.ofSeconds(1))
                .then(getRecordsCallsAre(12))
                // new records start the short pauses again
                .then(() -> fake.putRecords("s1", 2))
                .thenAwait(Duration.ofMillis(250))
                .expectNextCount(2)
                .then(getRecordsCallsAre(14))
                .thenAwait(Duration.ofMillis(32))
                .then(getRecordsCallsAre(15))
                .thenCancel()
                .verify();
    }

    /** A step asserting how many GetRecords calls the fake saw so far. */
    private Runnable getRecordsCallsAre(int expected) {
        return () -> assertThat(fake.count(GET_RECORDS)).as("GetRecords calls").isEqualTo(expected);
    }

    @Test
    void receive_whenIteratorExpires_continuesAfterLastRecordWithoutLossOrRepeat() {
        fake.addShard("s1");
        List<String> first = fake.putRecords("s1", 10);

        StepVerifier.withVirtualTime(() -> receiver(b -> b.maxRecordsPerRequest(4)).receive(), 0)
                .thenRequest(4)
                .expectNextCount(4)
                .then(fake::expireIterators)
                .thenRequest(16)
                .then(() -> fake.putRecords("s1", 10))
                .thenAwait(Duration.ofSeconds(1))
                .recordWith(ArrayList::new)
                .expectNextCount(16)
                .consumeRecordedWith(records -> {
                    List<String> seqs = sequences(new ArrayList<>(records));
                    assertThat(seqs.subList(0, 6)).containsExactlyElementsOf(first.subList(4, 10));
                    assertThat(seqs).doesNotHaveDuplicates();
                })
                .thenCancel()
                .verify();

        GetShardIteratorRequest renewed = (GetShardIteratorRequest) fake.calls().stream()
                .filter(c -> c.operation() == GET_SHARD_ITERATOR).skip(1).findFirst().orElseThrow().request();
        assertThat(renewed.shardIteratorType()).isEqualTo(ShardIteratorType.AFTER_SEQUENCE_NUMBER);
        assertThat(renewed.sequenceNumber()).isEqualTo(first.get(3));
    }

    @Test
    void receive_whenThrottled_backsOffWithGrowingPausesThenDelivers() {
        fake.addShard("s1");
        fake.putRecords("s1", 5);
        fake.failNext(GET_RECORDS, "s1", 4, FakeDynamoDbStreams::throttling);
        fake.latency(Duration.ZERO, VirtualTimeScheduler.getOrSet()); // stamps calls with virtual time

        StepVerifier.withVirtualTime(() -> receiver(b -> b.retryBackoff(Duration.ofMillis(100))).receive())
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(5))
                .expectNextCount(5)
                .thenCancel()
                .verify();

        List<Instant> attempts = fake.calls().stream().filter(c -> c.operation() == GET_RECORDS)
                .map(FakeDynamoDbStreams.Call::at).limit(5).collect(Collectors.toList());
        assertThat(attempts).hasSize(5);
        List<Long> gaps = IntStream.range(1, attempts.size())
                .mapToObj(i -> Duration.between(attempts.get(i - 1), attempts.get(i)).toMillis())
                .collect(Collectors.toList());
        // 100 ms doubling each attempt, with jitter of +-50 %
        assertThat(gaps.get(0)).isBetween(50L, 150L);
        assertThat(gaps.get(3)).isBetween(400L, 1200L);
        assertThat(gaps.get(3)).isGreaterThan(gaps.get(0));
    }

    @Test
    void receive_whenServerErrorsOutlastMaxRetries_failsWithTheCause() {
        fake.addShard("s1");
        fake.putRecords("s1", 5);
        fake.failNext(GET_RECORDS, null, 10, FakeDynamoDbStreams::internalError);

        StepVerifier.withVirtualTime(() -> receiver(b -> b.maxRetries(3)).receive())
                .thenAwait(Duration.ofMinutes(1))
                .expectErrorSatisfies(e -> assertThat(e)
                        .hasMessageContaining("GetRecords s1 failed 4 times")
                        .hasRootCauseInstanceOf(software.amazon.awssdk.services.dynamodb.model.InternalServerErrorException.class))
                .verify();
    }

    @Test
    void receive_whenDataWasTrimmed_andPolicyIsFail_endsWithTrimmedDataException() {
        fake.addShard("s1");
        List<String> seqs = fake.putRecords("s1", 10);
        store.save(fake.streamArn(), List.of(ShardCheckpoint.at("s1", seqs.get(2)))).block();
        fake.trim("s1", 6);
        List<TrimmedDataEvent> events = new CopyOnWriteArrayList<>();

        StepVerifier.withVirtualTime(() -> receiver(b -> b.trimmedDataListener(events::add)).receive())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TrimmedDataException.class)
                        .hasMessageContaining("s1").hasMessageContaining(seqs.get(2)))
                .verify();
        assertThat(events).containsExactly(new TrimmedDataEvent(fake.streamArn(), "s1",
                "AFTER_SEQUENCE_NUMBER " + seqs.get(2)));
    }

    @Test
    void receive_whenDataWasTrimmed_andPolicyIsRestart_signalsAndContinuesFromTrimHorizon() {
        fake.addShard("s1");
        List<String> seqs = fake.putRecords("s1", 10);
        store.save(fake.streamArn(), List.of(ShardCheckpoint.at("s1", seqs.get(2)))).block();
        fake.trim("s1", 6);
        List<TrimmedDataEvent> events = new CopyOnWriteArrayList<>();

        StepVerifier.withVirtualTime(() -> receiver(b -> b.trimmedDataPolicy(TrimmedDataPolicy.RESTART_FROM_TRIM_HORIZON)
                        .trimmedDataListener(events::add)).receive().take(4))
                .recordWith(ArrayList::new)
                .expectNextCount(4)
                .consumeRecordedWith(r -> assertThat(sequences(new ArrayList<>(r))).containsExactlyElementsOf(seqs.subList(6, 10)))
                .verifyComplete();
        assertThat(events).hasSize(1);
    }

    /** A closed shard read partly, whose records then all passed the 24-hour retention: the shard left the stream. */
    private List<String> partlyReadParentThenChild() {
        fake.addShard("p");
        List<String> inP = fake.putRecords("p", 5);
        fake.closeShard("p");
        fake.addShard("c", "p");
        store.save(fake.streamArn(), List.of(ShardCheckpoint.at("p", inP.get(1)))).block();
        return inP;
    }

    /** With RESTART_FROM_TRIM_HORIZON: c's records arrive, and p's records after its checkpoint are signalled trimmed. */
    private void readsTheChildAndSignalsTheParentTrimmed(List<String> inP, List<String> inC) {
        List<TrimmedDataEvent> events = new CopyOnWriteArrayList<>();

        StepVerifier.withVirtualTime(() -> receiver(b -> b.trimmedDataPolicy(TrimmedDataPolicy.RESTART_FROM_TRIM_HORIZON)
                        .trimmedDataListener(events::add)).receive().take(3))
                .recordWith(ArrayList::new)
                .expectNextCount(3)
                .consumeRecordedWith(r -> assertThat(sequences(new ArrayList<>(r))).containsExactlyElementsOf(inC))
                .verifyComplete();
        assertThat(events).as("the records of p after its checkpoint were never read")
                .containsExactly(new TrimmedDataEvent(fake.streamArn(), "p", "AFTER_SEQUENCE_NUMBER " + inP.get(1)));
    }

    /** p is listed by the first DescribeStream and gone by its GetShardIterator (ResourceNotFound). */
    private void removeParentAtItsFirstIterator() {
        fake.failNext(GET_SHARD_ITERATOR, "p", 1, () -> {
            fake.removeShard("p");
            return software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException.builder()
                    .message("Requested resource not found: Shard does not exist").statusCode(400).build();
        });
    }

    @Test
    void receive_whenAShardLeavesTheStreamJustBeforeItIsRead_signalsItsRecordsAsTrimmed_andReadsItsChild() {
        List<String> inP = partlyReadParentThenChild();
        List<String> inC = fake.putRecords("c", 3);
        removeParentAtItsFirstIterator();
        readsTheChildAndSignalsTheParentTrimmed(inP, inC);
    }

    @Test
    void receive_whenAShardLeavesTheStreamJustBeforeItIsRead_andPolicyIsFail_endsWithTrimmedDataException() {
        List<String> inP = partlyReadParentThenChild();
        fake.putRecords("c", 3);
        removeParentAtItsFirstIterator();

        StepVerifier.withVirtualTime(() -> receiver().receive())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(TrimmedDataException.class)
                        .hasMessageContaining("p").hasMessageContaining(inP.get(1)))
                .verify();
    }

    @Test
    void receive_whenAPartlyReadShardLeftTheStreamWhileTheReceiverWasDown_signalsItsRecordsAsTrimmed() {
        List<String> inP = partlyReadParentThenChild();
        List<String> inC = fake.putRecords("c", 3);
        fake.removeShard("p");
        readsTheChildAndSignalsTheParentTrimmed(inP, inC);
    }

    @Test
    void checkpoint_advancesOnlyToTheAcknowledgedPrefix_whateverTheAckOrder() {
        fake.addShard("s1");
        List<String> seqs = fake.putRecords("s1", 5);
        List<ChangeRecord> got = new CopyOnWriteArrayList<>();

        StepVerifier.withVirtualTime(() -> receiver(b -> b.commitInterval(Duration.ofSeconds(5))).receive())
                .recordWith(() -> got)
                .expectNextCount(5)
                .then(() -> {
                    got.get(2).checkpoint().acknowledge();
                    got.get(1).checkpoint().acknowledge();
                })
                .thenAwait(Duration.ofSeconds(5))
                .then(() -> assertThat(store.snapshot(fake.streamArn())).isEmpty())
                .then(() -> got.get(0).checkpoint().acknowledge())
                .thenAwait(Duration.ofSeconds(5))
                .then(() -> assertThat(store.snapshot(fake.streamArn()).get("s1"))
                        .isEqualTo(ShardCheckpoint.at("s1", seqs.get(2))))
                .then(() -> got.get(4).checkpoint().acknowledge())
                .then(() -> got.get(4).checkpoint().commit().block())
                .then(() -> assertThat(store.snapshot(fake.streamArn()).get("s1"))
                        .isEqualTo(ShardCheckpoint.at("s1", seqs.get(2))))
                .then(() -> got.get(3).checkpoint().commit().block())
                .then(() -> assertThat(store.snapshot(fake.streamArn()).get("s1"))
                        .isEqualTo(ShardCheckpoint.at("s1", seqs.get(4))))
                .thenCancel()
                .verify();
    }

    @Test
    void commit_fromTheCompletionOfAnotherCommit_doesNotHang() {
        fake.addShard("s1");
        List<String> seqs = fake.putRecords("s1", 5);

        // with the synchronous in-memory store, each commit completes on the thread of the next one
        StepVerifier.withVirtualTime(() -> receiver().receive()
                        .concatMap(r -> r.checkpoint().commit().thenReturn(r))
                        .take(5))
                .expectNextCount(5)
                .verifyComplete();
        assertThat(store.snapshot(fake.streamArn())).containsEntry("s1", ShardCheckpoint.at("s1", seqs.get(4)));
    }

    @Test
    void cancel_commitsWhatWasAcknowledged_andANewReceiverResumesAfterIt() {
        fake.addShard("s1");
        List<String> seqs = fake.putRecords("s1", 10);

        StepVerifier.withVirtualTime(() -> receiver(b -> b.commitInterval(Duration.ofHours(1))).receive()
                        .doOnNext(r -> {
                            if (SequenceNumbers.compare(r.sequenceNumber(), seqs.get(5)) <= 0) {
                                r.checkpoint().acknowledge();
                            }
                        }))
                .expectNextCount(10)
                .thenCancel()
                .verify();
        assertThat(store.snapshot(fake.streamArn())).containsEntry("s1", ShardCheckpoint.at("s1", seqs.get(5)));
        assertThat(fake.isClosed()).as("the user's client is never closed").isFalse();

        StepVerifier.withVirtualTime(() -> receiver().receive().take(4))
                .recordWith(ArrayList::new)
                .expectNextCount(4)
                .consumeRecordedWith(r -> assertThat(sequences(new ArrayList<>(r))).containsExactlyElementsOf(seqs.subList(6, 10)))
                .verifyComplete();
    }

    @Test
    void shardReadToItsEnd_isRecordedEnded_andSkippedOnRestart() {
        fake.addShard("P");
        List<String> p = fake.putRecords("P", 3);
        fake.closeShard("P");
        fake.addShard("C", "P");
        List<String> c = fake.putRecords("C", 2);

        StepVerifier.withVirtualTime(() -> receiver().receive().doOnNext(r -> r.checkpoint().acknowledge()).take(5))
                .expectNextCount(5)
                .verifyComplete();
        Map<String, ShardCheckpoint> committed = store.snapshot(fake.streamArn());
        assertThat(committed).containsEntry("P", ShardCheckpoint.ended("P", p.get(2)))
                .containsEntry("C", ShardCheckpoint.at("C", c.get(1)));

        fake.clearCalls();
        List<String> more = fake.putRecords("C", 2);
        StepVerifier.withVirtualTime(() -> receiver().receive().take(2))
                .recordWith(ArrayList::new)
                .expectNextCount(2)
                .consumeRecordedWith(r -> assertThat(sequences(new ArrayList<>(r))).containsExactlyElementsOf(more))
                .verifyComplete();
        assertThat(fake.count(GET_SHARD_ITERATOR, "P")).isZero();
    }

    @Test
    void startPosition_latest_skipsExistingRecordsAndClosedShards() {
        fake.addShard("old");
        fake.putRecords("old", 5);
        fake.closeShard("old");
        fake.addShard("open", "old");
        fake.putRecords("open", 5);

        StepVerifier.withVirtualTime(() -> receiver(b -> b.startPosition(StartPosition.latest())).receive())
                .expectSubscription()
                .then(() -> fake.putRecords("open", 2))
                .thenAwait(Duration.ofSeconds(1))
                .expectNextCount(2)
                .thenCancel()
                .verify();
        assertThat(fake.count(GET_SHARD_ITERATOR, "old")).isZero();
    }

    @Test
    void startPosition_atTimestamp_skipsEarlierRecordsButAcknowledgesThem() {
        Instant[] now = {Instant.parse("2026-11-24T10:00:00Z")};
        fake.clock(() -> now[0]);
        fake.addShard("s1");
        List<String> before = fake.putRecords("s1", 3);
        now[0] = Instant.parse("2026-11-24T10:00:07Z");
        List<String> after = fake.putRecords("s1", 3);

        StepVerifier.withVirtualTime(() -> receiver(b -> b.startPosition(StartPosition.atTimestamp(
                        Instant.parse("2026-11-24T10:00:07.300Z")))).receive()
                        .doOnNext(r -> r.checkpoint().acknowledge()).take(3))
                .recordWith(ArrayList::new)
                .expectNextCount(3)
                .consumeRecordedWith(r -> assertThat(sequences(new ArrayList<>(r))).containsExactlyElementsOf(after))
                .verifyComplete();
        assertThat(before).isNotEmpty();
        assertThat(store.snapshot(fake.streamArn()).get("s1").sequenceNumber()).isEqualTo(after.get(2));
    }

    @Test
    void receive_whenParentShardNoLongerExists_readsTheChild() {
        fake.addShard("gone");
        fake.closeShard("gone");
        fake.addShard("child", "gone");
        fake.putRecords("child", 3);
        fake.removeShard("gone");

        StepVerifier.withVirtualTime(() -> receiver().receive().take(3))
                .expectNextCount(3)
                .verifyComplete();
    }

    @Test
    void receive_whenStreamIsDisabled_deliversEverythingThenFailsSayingSo() {
        fake.addShard("s1");
        fake.putRecords("s1", 4);
        fake.disableStream();

        StepVerifier.withVirtualTime(() -> receiver().receive())
                .expectNextCount(4)
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(StreamUnavailableException.class)
                        .hasMessageContaining(fake.streamArn()).hasMessageContaining("disabled")
                        .extracting(x -> ((StreamUnavailableException) x).reason())
                        .isEqualTo(StreamUnavailableException.Reason.STREAM_DISABLED))
                .verify();
    }

    @Test
    void receive_whenStreamIsDisabled_andCompletionWasAskedFor_completes() {
        fake.addShard("s1");
        fake.putRecords("s1", 4);
        fake.disableStream();

        StepVerifier.withVirtualTime(() -> receiver(b -> b.completeWhenStreamDisabled(true)).receive())
                .expectNextCount(4)
                .verifyComplete();
    }

    @Test
    void receive_whenStreamDoesNotExist_failsNamingIt() {
        String unknown = "arn:aws:dynamodb:ddblocal:000000000000:table/Nope/stream/2026-01-01T00:00:00.000";

        StepVerifier.withVirtualTime(() -> receiver(b -> b.streamArn(unknown)).receive())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(StreamUnavailableException.class)
                        .hasMessageContaining(unknown)
                        .extracting(x -> ((StreamUnavailableException) x).reason())
                        .isEqualTo(StreamUnavailableException.Reason.STREAM_NOT_FOUND))
                .verify();
    }

    @Test
    void receive_discoversShardsCreatedLater() {
        fake.addShard("s1");

        StepVerifier.withVirtualTime(() -> receiver(b -> b.shardDiscoveryInterval(Duration.ofSeconds(30))).receive())
                .expectSubscription()
                .then(() -> {
                    fake.addShard("s2");
                    fake.putRecords("s2", 2);
                })
                .thenAwait(Duration.ofSeconds(29))
                .then(() -> assertThat(fake.count(GET_SHARD_ITERATOR, "s2")).isZero())
                .thenAwait(Duration.ofSeconds(2))
                .expectNextCount(2)
                .thenCancel()
                .verify();
    }

    @Test
    void receivePerShard_givesOneFluxPerShard_childrenAfterTheirParentCompleted() {
        fake.addShard("P");
        fake.putRecords("P", 3);
        fake.closeShard("P");
        fake.addShard("C", "P");
        fake.putRecords("C", 2);
        fake.addShard("other");
        fake.putRecords("other", 4);
        List<String> groupOrder = new CopyOnWriteArrayList<>();

        StepVerifier.withVirtualTime(() -> receiver().receivePerShard()
                        .doOnNext(g -> groupOrder.add(g.key()))
                        .flatMap(g -> g.doOnNext(r -> r.checkpoint().acknowledge())
                                .take(g.key().equals("other") ? 4 : Long.MAX_VALUE)
                                .map(r -> g.key() + ":" + r.shardId()))
                        .take(9))
                .recordWith(ArrayList::new)
                .expectNextCount(9)
                .consumeRecordedWith(values -> assertThat(values).allSatisfy(v -> {
                    String[] parts = v.split(":");
                    assertThat(parts[0]).isEqualTo(parts[1]);
                }))
                .verifyComplete();
        assertThat(groupOrder).containsExactlyInAnyOrder("P", "other", "C");
        assertThat(groupOrder.indexOf("C")).isGreaterThan(groupOrder.indexOf("P"));
    }

    @Test
    void eachSubscriptionIsAnIndependentReading() {
        fake.addShard("s1");
        fake.putRecords("s1", 3);
        DynamoDbStreamsReceiver receiver = receiver();

        StepVerifier.withVirtualTime(() -> Flux.merge(receiver.receive().take(3), receiver.receive().take(3)))
                .expectNextCount(6)
                .verifyComplete();
    }
}
