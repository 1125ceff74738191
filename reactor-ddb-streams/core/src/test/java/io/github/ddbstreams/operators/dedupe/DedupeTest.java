package io.github.ddbstreams.operators.dedupe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.github.ddbstreams.checkpoint.InMemoryCheckpointStore;
import io.github.ddbstreams.checkpoint.ShardCheckpoint;
import io.github.ddbstreams.operators.TestCheckpoint;
import io.github.ddbstreams.receiver.DynamoDbStreamsReceiver;
import io.github.ddbstreams.receiver.ReceiverOptions;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.EventName;
import io.github.ddbstreams.record.SequenceNumbers;
import io.github.ddbstreams.testkit.FakeDynamoDbStreams;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class DedupeTest {

    /** The tests below pin the remember-when-emitted mode; the default (when acknowledged) is tested at the end. */
    private static final DedupeOptions EMITTED =
            DedupeOptions.builder().rememberWhen(DedupeOptions.RememberWhen.EMITTED).build();

    private static ChangeRecord record(String shardId, String seq, String eventId, TestCheckpoint checkpoint) {
        return ChangeRecord.builder().eventName(EventName.INSERT).shardId(shardId).sequenceNumber(seq)
                .eventId(eventId).checkpoint(checkpoint).build();
    }

    private static ChangeRecord record(String shardId, String seq, String eventId) {
        return record(shardId, seq, eventId, new TestCheckpoint());
    }

    private static List<String> seqs(List<ChangeRecord> records) {
        return records.stream().map(ChangeRecord::sequenceNumber).collect(Collectors.toList());
    }

    // ---------------------------------------------------------------- by event id

    @Test
    void byEventId_whenSameEventIdTwice_dropsSecondAndAcknowledgesIt() {
        TestCheckpoint first = new TestCheckpoint();
        TestCheckpoint duplicate = new TestCheckpoint();

        StepVerifier.create(Flux.just(record("s1", "1", "e1", first), record("s1", "2", "e2"),
                        record("s1", "3", "e1", duplicate)).transform(Dedupe.byEventId(DedupeOptions.builder().rememberWhen(DedupeOptions.RememberWhen.EMITTED).build())))
                .assertNext(r -> assertThat(r.eventId()).isEqualTo("e1"))
                .assertNext(r -> assertThat(r.eventId()).isEqualTo("e2"))
                .verifyComplete();
        assertThat(first.isAcknowledged()).as("an emitted record is the user's to acknowledge").isFalse();
        assertThat(duplicate.acknowledgements()).isEqualTo(1);
    }

    @Test
    void byEventId_whenWindowIsFullByCount_forgetsTheOldestId() {
        DedupeState state = DedupeState.create(DedupeOptions.builder().rememberWhen(DedupeOptions.RememberWhen.EMITTED).maxSize(2).build());

        StepVerifier.create(Flux.just(record("s1", "1", "a"), record("s1", "2", "b"), record("s1", "3", "a"),
                        record("s1", "4", "c"), record("s1", "5", "a"), record("s1", "6", "c"))
                        .transform(Dedupe.byEventId(state)))
                .recordWith(ArrayList::new)
                .expectNextCount(4)
                .consumeRecordedWith(r -> assertThat(seqs(new ArrayList<>(r))).containsExactly("1", "2", "4", "5"))
                .verifyComplete();
        assertThat(state.eventIdCount()).isEqualTo(2);
    }

    @Test
    void byEventId_whenIdIsOlderThanMaxAge_letsItThroughAgain() {
        StepVerifier.withVirtualTime(() -> {
            DedupeOptions options = DedupeOptions.builder().rememberWhen(DedupeOptions.RememberWhen.EMITTED).maxAge(Duration.ofSeconds(10))
                    .scheduler(VirtualTimeScheduler.get()).build();
            return Flux.concat(
                            Mono.just(record("s1", "1", "a")),
                            Mono.delay(Duration.ofSeconds(5)).thenReturn(record("s1", "2", "a")),
                            Mono.delay(Duration.ofMillis(4_999)).thenReturn(record("s1", "3", "a")),
                            Mono.delay(Duration.ofMillis(1)).thenReturn(record("s1", "4", "a")),
                            Mono.delay(Duration.ofSeconds(1)).thenReturn(record("s1", "5", "a")))
                    .transform(Dedupe.byEventId(options));
        })
                .assertNext(r -> assertThat(r.sequenceNumber()).isEqualTo("1"))
                .expectNoEvent(Duration.ofSeconds(10)) // "2" at 5 s and "3" at 9.999 s are within the window
                .assertNext(r -> assertThat(r.sequenceNumber()).isEqualTo("4")) // 10 s after the first sighting
                .thenAwait(Duration.ofSeconds(1))
                .verifyComplete(); // "5" is within 10 s of "4"
    }

    @Test
    void byEventId_memoryStaysBoundedByCountAndEmptiesWithAge() {
        VirtualTimeScheduler vts = VirtualTimeScheduler.create();
        DedupeState state = DedupeState.create(DedupeOptions.builder().rememberWhen(DedupeOptions.RememberWhen.EMITTED).maxSize(1_000)
                .maxAge(Duration.ofMinutes(1)).scheduler(vts).build());
        Function<Flux<ChangeRecord>, Flux<ChangeRecord>> dedupe = Dedupe.byEventId(state);

        StepVerifier.create(Flux.range(0, 100_000).map(i -> record("s1", Integer.toString(i + 1), "id-" + i))
                        .transform(dedupe))
                .expectNextCount(100_000)
                .verifyComplete();
        assertThat(state.eventIdCount()).isEqualTo(1_000);

        vts.advanceTimeBy(Duration.ofMinutes(1));
        StepVerifier.create(Flux.just(record("s1", "1", "fresh")).transform(dedupe)).expectNextCount(1).verifyComplete();
        assertThat(state.eventIdCount()).as("expired ids are evicted by the next record").isEqualTo(1);
    }

    @Test
    void byEventId_whenEventIdIsEmpty_neverDrops() {
        StepVerifier.create(Flux.just(record("s1", "1", ""), record("s1", "2", ""))
                        .transform(Dedupe.byEventId(DedupeOptions.builder().rememberWhen(DedupeOptions.RememberWhen.EMITTED).build())))
                .expectNextCount(2)
                .verifyComplete();
    }

    // ---------------------------------------------------------------- by sequence number

    @Test
    void bySequenceNumber_dropsRecordsAtOrBelowTheShardsHighestEmitted_andAcknowledgesThem() {
        TestCheckpoint replayed = new TestCheckpoint();
        TestCheckpoint repeated = new TestCheckpoint();

        StepVerifier.create(Flux.just(
                                record("s1", "000000000000000000001", "a"),
                                record("s1", "000000000000000000003", "b"),
                                record("s1", "2", "c", replayed),
                                record("s1", "3", "d", repeated),
                                record("s2", "1", "e"), // another shard has its own sequence
                                record("s1", "10", "f"))
                        .transform(Dedupe.bySequenceNumber(EMITTED)))
                .recordWith(ArrayList::new)
                .expectNextCount(4)
                .consumeRecordedWith(r -> assertThat(r).extracting(ChangeRecord::eventId).containsExactly("a", "b", "e", "f"))
                .verifyComplete();
        assertThat(replayed.acknowledgements()).isEqualTo(1);
        assertThat(repeated.acknowledgements()).isEqualTo(1);
    }

    @Test
    void bySequenceNumber_tracksAtMostMaxShards_forgettingTheLeastRecentlySeen() {
        DedupeState state = DedupeState.create(DedupeOptions.builder().rememberWhen(DedupeOptions.RememberWhen.EMITTED).maxShards(3).build());
        Function<Flux<ChangeRecord>, Flux<ChangeRecord>> dedupe = Dedupe.bySequenceNumber(state);

        StepVerifier.create(Flux.range(0, 1_000).map(i -> record("shard-" + (i % 10), Integer.toString(i + 1), "x"))
                        .transform(dedupe))
                .expectNextCount(1_000)
                .verifyComplete();
        assertThat(state.shardCount()).isEqualTo(3);
        assertThat(state.highestSequenceNumber("shard-9")).contains("1000");
        assertThat(state.highestSequenceNumber("shard-0")).isEmpty();

        state.forgetShard("shard-9");
        assertThat(state.shardCount()).isEqualTo(2);
        // a forgotten shard is no longer deduplicated
        StepVerifier.create(Flux.just(record("shard-9", "1000", "x")).transform(dedupe)).expectNextCount(1).verifyComplete();
    }

    @Test
    void bySequenceNumber_whenRetriedAfterAnError_emitsNoRecordTwice() {
        AtomicInteger attempts = new AtomicInteger();
        List<TestCheckpoint> secondAttempt = new ArrayList<>();
        Flux<ChangeRecord> source = Flux.defer(() -> {
            boolean first = attempts.getAndIncrement() == 0;
            List<ChangeRecord> page = new ArrayList<>();
            for (int i = 1; i <= (first ? 5 : 8); i++) {
                TestCheckpoint checkpoint = new TestCheckpoint();
                if (!first) {
                    secondAttempt.add(checkpoint);
                }
                page.add(record("s1", Integer.toString(i), "e" + i, checkpoint));
            }
            Flux<ChangeRecord> records = Flux.fromIterable(page);
            return first ? records.concatWith(Flux.error(new IllegalStateException("connection lost"))) : records;
        });

        StepVerifier.create(source.transform(Dedupe.bySequenceNumber(EMITTED)).retry(1))
                .recordWith(ArrayList::new)
                .expectNextCount(8)
                .consumeRecordedWith(r -> assertThat(seqs(new ArrayList<>(r))).containsExactly("1", "2", "3", "4", "5", "6", "7", "8"))
                .verifyComplete();
        // the replayed copies of 1..5 were dropped and acknowledged; 6..8 are the user's
        assertThat(secondAttempt).extracting(TestCheckpoint::acknowledgements).containsExactly(1, 1, 1, 1, 1, 0, 0, 0);
    }

    @Test
    void dedupeAcrossASimulatedRestart_aReceiverResumingBehindWhatWasEmitted_emitsNoRecordTwice() {
        FakeDynamoDbStreams fake = FakeDynamoDbStreams.create().addShard("s1").addShard("s2");
        List<String> s1 = new ArrayList<>(fake.putRecords("s1", 10));
        List<String> s2 = new ArrayList<>(fake.putRecords("s2", 10));
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        DedupeState state = DedupeState.create(EMITTED);
        List<ChangeRecord> firstRun = new CopyOnWriteArrayList<>();

        // first run: all 20 records emitted, only the first 3 of each shard acknowledged, then cancelled
        StepVerifier.withVirtualTime(() -> receiver(fake, store).receive()
                        .transform(Dedupe.bySequenceNumber(state))
                        .transform(Dedupe.byEventId(state))
                        .doOnNext(firstRun::add)
                        .doOnNext(r -> {
                            List<String> shard = r.shardId().equals("s1") ? s1 : s2;
                            if (SequenceNumbers.compare(r.sequenceNumber(), shard.get(2)) <= 0) {
                                r.checkpoint().acknowledge();
                            }
                        }))
                .expectNextCount(20)
                .thenCancel()
                .verify();
        assertThat(store.snapshot(fake.streamArn()))
                .containsEntry("s1", ShardCheckpoint.at("s1", s1.get(2)))
                .containsEntry("s2", ShardCheckpoint.at("s2", s2.get(2)));
        s1.addAll(fake.putRecords("s1", 5));
        s2.addAll(fake.putRecords("s2", 5));

        // restart: a new receiver resumes after the checkpoints and re-reads 7 emitted records per shard
        List<ChangeRecord> secondRun = new CopyOnWriteArrayList<>();
        StepVerifier.withVirtualTime(() -> receiver(fake, store).receive()
                        .transform(Dedupe.bySequenceNumber(state))
                        .transform(Dedupe.byEventId(state))
                        .doOnNext(secondRun::add)
                        .doOnNext(r -> r.checkpoint().acknowledge()))
                .expectNextCount(10)
                .expectNoEvent(Duration.ofSeconds(5))
                .thenCancel()
                .verify();

        assertThat(seqs(secondRun)).containsExactlyInAnyOrderElementsOf(
                concat(s1.subList(10, 15), s2.subList(10, 15)));
        List<String> all = new ArrayList<>(seqs(firstRun));
        all.addAll(seqs(secondRun));
        assertThat(all).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(concat(s1, s2));
        // the re-read duplicates were acknowledged: both shards' checkpoints reach their last record
        assertThat(store.snapshot(fake.streamArn()))
                .containsEntry("s1", ShardCheckpoint.at("s1", s1.get(14)))
                .containsEntry("s2", ShardCheckpoint.at("s2", s2.get(14)));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static DynamoDbStreamsReceiver receiver(FakeDynamoDbStreams fake, InMemoryCheckpointStore store) {
        return DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                .streamsClient(fake)
                .streamArn(fake.streamArn())
                .checkpointStore(store)
                .commitInterval(Duration.ofHours(1))
                .scheduler(VirtualTimeScheduler.getOrSet())
                .build());
    }

    @Test
    void sharedState_usedByTwoConcurrentSubscriptions_letsEachRecordThroughOnce() {
        DedupeState state = DedupeState.create(DedupeOptions.builder().rememberWhen(DedupeOptions.RememberWhen.EMITTED).maxSize(100_000).build());
        List<ChangeRecord> records = IntStream.range(0, 20_000)
                .mapToObj(i -> record("s" + (i % 4), Integer.toString(i + 1), "id-" + i)).collect(Collectors.toList());
        Flux<ChangeRecord> byId = Flux.fromIterable(records).publishOn(Schedulers.parallel()).transform(Dedupe.byEventId(state));
        Flux<ChangeRecord> bySeq = Flux.fromIterable(records).publishOn(Schedulers.parallel()).transform(Dedupe.bySequenceNumber(state));

        StepVerifier.create(Flux.merge(byId, Flux.fromIterable(records).publishOn(Schedulers.boundedElastic())
                        .transform(Dedupe.byEventId(state))).collectList())
                .assertNext(list -> assertThat(list).hasSize(20_000).doesNotHaveDuplicates())
                .verifyComplete();
        StepVerifier.create(Flux.merge(bySeq, Flux.fromIterable(records).publishOn(Schedulers.boundedElastic())
                        .transform(Dedupe.bySequenceNumber(state))).collectList())
                .assertNext(list -> assertThat(list).hasSize(20_000).doesNotHaveDuplicates())
                .verifyComplete();
    }

    @Test
    void dedupeOptions_validateEachFieldByName() {
        assertThatThrownBy(() -> DedupeOptions.builder().maxSize(0).build()).hasMessageContaining("maxSize");
        assertThatThrownBy(() -> DedupeOptions.builder().maxAge(Duration.ZERO).build()).hasMessageContaining("maxAge");
        assertThatThrownBy(() -> DedupeOptions.builder().maxAge(null).build()).hasMessageContaining("maxAge");
        assertThatThrownBy(() -> DedupeOptions.builder().maxShards(0).build()).hasMessageContaining("maxShards");
        assertThatThrownBy(() -> DedupeOptions.builder().scheduler(null).build()).hasMessageContaining("scheduler");
        DedupeOptions options = DedupeOptions.builder().maxSize(5).maxAge(Duration.ofSeconds(3)).maxShards(7).build();
        DedupeOptions copy = options.toBuilder().build();
        assertThat(copy.maxSize()).isEqualTo(5);
        assertThat(copy.maxAge()).isEqualTo(Duration.ofSeconds(3));
        assertThat(copy.maxShards()).isEqualTo(7);
    }

    // ---------------------------------------------------------------- remember when acknowledged (the default)

    @Test
    void defaultRemembersWhenAcknowledged() {
        assertThat(DedupeOptions.builder().build().rememberWhen()).isEqualTo(DedupeOptions.RememberWhen.ACKNOWLEDGED);
    }

    @Test
    void bySequenceNumber_rememberingWhenAcknowledged_redeliversWhatWasEmittedButNeverProcessed() {
        DedupeState state = DedupeState.create();
        List<ChangeRecord> first = Flux.range(1, 6).map(i -> record("s1", Integer.toString(i), "e" + i))
                .transform(Dedupe.bySequenceNumber(state)).collectList().block();
        // records 1-3 processed, 4-6 emitted but their processing failed
        first.subList(0, 3).forEach(r -> r.checkpoint().acknowledge());
        assertThat(state.highestSequenceNumber("s1")).contains("3");

        TestCheckpoint replayedAndDone = new TestCheckpoint();
        StepVerifier.create(Flux.concat(Flux.just(record("s1", "2", "e2", replayedAndDone)),
                                Flux.range(4, 4).map(i -> record("s1", Integer.toString(i), "e" + i)))
                        .transform(Dedupe.bySequenceNumber(state)))
                .recordWith(ArrayList::new)
                .expectNextCount(4)
                .consumeRecordedWith(r -> assertThat(seqs(new ArrayList<>(r))).containsExactly("4", "5", "6", "7"))
                .verifyComplete();
        assertThat(replayedAndDone.acknowledgements()).as("a dropped duplicate is acknowledged").isEqualTo(1);
    }

    @Test
    void bySequenceNumber_rememberingWhenAcknowledged_outOfOrderAcksMoveOnlyTheAcknowledgedPrefix() {
        DedupeState state = DedupeState.create();
        List<ChangeRecord> emitted = Flux.range(1, 4).map(i -> record("s1", Integer.toString(i), "e" + i))
                .transform(Dedupe.bySequenceNumber(state)).collectList().block();
        emitted.get(2).checkpoint().acknowledge();
        assertThat(state.highestSequenceNumber("s1")).isEmpty();
        emitted.get(0).checkpoint().acknowledge();
        emitted.get(1).checkpoint().acknowledge();
        assertThat(state.highestSequenceNumber("s1")).contains("3");
    }

    @Test
    void byEventId_rememberingWhenAcknowledged_dropsOnlyCopiesOfProcessedRecords() {
        DedupeState state = DedupeState.create();
        TestCheckpoint original = new TestCheckpoint();
        ChangeRecord processed = Flux.just(record("s1", "1", "e1", original)).transform(Dedupe.byEventId(state))
                .blockFirst();
        ChangeRecord inFlight = Flux.just(record("s1", "2", "e2")).transform(Dedupe.byEventId(state)).blockFirst();
        processed.checkpoint().acknowledge();
        assertThat(original.acknowledgements()).as("acknowledging the emitted copy acknowledges the record").isEqualTo(1);
        assertThat(inFlight.checkpoint().isAcknowledged()).isFalse();

        StepVerifier.create(Flux.just(record("s2", "7", "e1"), record("s2", "8", "e2")).transform(Dedupe.byEventId(state)))
                .assertNext(r -> assertThat(r.eventId()).as("e2 was never processed: delivered again").isEqualTo("e2"))
                .verifyComplete();
    }

    @Test
    void bySequenceNumber_letsBackfillRecordsWithSequenceNumberZeroThrough() {
        StepVerifier.create(Flux.just(record("backfill-segment-0", "0", "b1"), record("backfill-segment-0", "0", "b2"),
                        record("backfill-segment-0", "0", "b3")).transform(Dedupe.bySequenceNumber())
                        .doOnNext(r -> r.checkpoint().acknowledge()))
                .expectNextCount(3)
                .verifyComplete();
    }
}
