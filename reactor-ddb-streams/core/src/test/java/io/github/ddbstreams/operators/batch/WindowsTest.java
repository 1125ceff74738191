package io.github.ddbstreams.operators.batch;

import static io.github.ddbstreams.operators.BatchingTestSupport.acknowledgements;
import static io.github.ddbstreams.operators.BatchingTestSupport.counting;
import static io.github.ddbstreams.operators.BatchingTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

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

class WindowsTest {

    private static Function<Flux<ChangeRecord>, Flux<WindowResult<Long>>> counting10s(boolean acknowledgeOnEmit) {
        return Windows.tumbling(WindowOptions.builder()
                        .duration(Duration.ofSeconds(10))
                        .acknowledgeOnEmit(acknowledgeOnEmit)
                        .scheduler(VirtualTimeScheduler.getOrSet())
                        .build(),
                () -> 0L, (n, r) -> n + 1);
    }

    private static Flux<ChangeRecord> at(Duration delay, ChangeRecord record) {
        return Mono.delay(delay).thenReturn(record).flux();
    }

    @Test
    void tumbling_closesEachWindowAtItsEpochAlignedEnd_perShard() {
        ChangeRecord a1 = record("a", 1);
        ChangeRecord b1 = record("b", 2);
        ChangeRecord a2 = record("a", 3);
        ChangeRecord a3 = record("a", 4);

        // a1 at 2 s, b1 at 4 s, a2 at 7 s, a3 at 12 s
        StepVerifier.withVirtualTime(() -> Flux.concat(at(Duration.ofSeconds(2), a1), at(Duration.ofSeconds(2), b1),
                                at(Duration.ofSeconds(3), a2), at(Duration.ofSeconds(5), a3), Flux.never())
                        .transform(counting10s(true)))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(9999))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(w -> {
                    assertThat(w.shardId()).isEqualTo("a");
                    assertThat(w.start()).isEqualTo(Instant.EPOCH);
                    assertThat(w.end()).isEqualTo(Instant.ofEpochSecond(10));
                    assertThat(w.recordCount()).isEqualTo(2);
                    assertThat(w.state()).isEqualTo(2L);
                    assertThat(w.closedEarly()).isFalse();
                })
                .assertNext(w -> {
                    assertThat(w.shardId()).isEqualTo("b");
                    assertThat(w.state()).isEqualTo(1L);
                })
                .expectNoEvent(Duration.ofMillis(9999))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(w -> {
                    assertThat(w.shardId()).isEqualTo("a");
                    assertThat(w.start()).isEqualTo(Instant.ofEpochSecond(10));
                    assertThat(w.end()).isEqualTo(Instant.ofEpochSecond(20));
                    assertThat(w.state()).isEqualTo(1L);
                })
                .thenCancel()
                .verify();
    }

    @Test
    void tumbling_whenTheShardsFluxCompletes_closesItsWindowEarly() {
        ChangeRecord a1 = record("a", 1);
        ChangeRecord a2 = record("a", 2);

        StepVerifier.withVirtualTime(() -> Flux.concat(at(Duration.ofSeconds(1), a1), at(Duration.ofSeconds(2), a2))
                        .transform(counting10s(true)))
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(3))
                .assertNext(w -> {
                    assertThat(w.state()).isEqualTo(2L);
                    assertThat(w.closedEarly()).isTrue();
                    assertThat(w.end()).isEqualTo(Instant.ofEpochSecond(10));
                })
                .verifyComplete();
    }

    @Test
    void tumbling_acknowledgesTheWindowsRecordsOnlyWhenItsResultIsEmitted() {
        ChangeRecord a1 = record("a", 1);
        ChangeRecord a2 = record("a", 2);
        List<ChangeRecord> records = List.of(a1, a2);

        StepVerifier.withVirtualTime(() -> Flux.fromIterable(records).concatWith(Flux.never())
                        .transform(counting10s(true)), 0)
                .expectSubscription()
                .then(() -> assertThat(records).allSatisfy(r -> assertThat(acknowledgements(r)).isZero()))
                // the window closed at 10 s but nobody asked for its result yet
                .thenAwait(Duration.ofSeconds(30))
                .then(() -> assertThat(records).allSatisfy(r -> assertThat(acknowledgements(r)).isZero()))
                .thenRequest(1)
                .expectNextCount(1)
                .then(() -> assertThat(records).allSatisfy(r -> assertThat(acknowledgements(r)).isEqualTo(1)))
                .thenCancel()
                .verify();
    }

    @Test
    void tumbling_withoutAcknowledgeOnEmit_acknowledgesOnlyThroughTheResult() {
        ChangeRecord a1 = record("a", 1);
        List<WindowResult<Long>> results = new ArrayList<>();

        StepVerifier.withVirtualTime(() -> Flux.just(a1).transform(counting10s(false)))
                .recordWith(() -> results)
                .expectNextCount(1)
                .verifyComplete();

        assertThat(acknowledgements(a1)).isZero();
        results.get(0).acknowledge();
        assertThat(acknowledgements(a1)).isEqualTo(1);
    }

    @Test
    void tumbling_whenAddFails_failsTheFlux_andAcknowledgesNothingOfTheFailingRecord() {
        ChangeRecord a1 = record("a", 1);
        ChangeRecord a2 = record("a", 2);

        StepVerifier.withVirtualTime(() -> Flux.just(a1, a2).concatWith(Flux.never())
                        .transform(Windows.<Long>tumbling(WindowOptions.builder()
                                        .duration(Duration.ofSeconds(10)).scheduler(VirtualTimeScheduler.getOrSet()).build(),
                                () -> 0L, (n, r) -> {
                                    if (r == a2) {
                                        throw new IllegalStateException("bad record");
                                    }
                                    return n + 1;
                                })))
                // the window before the failing record is flushed, then the error
                .assertNext(w -> assertThat(w.recordCount()).isEqualTo(1))
                .verifyErrorMessage("bad record");
        assertThat(acknowledgements(a1)).isEqualTo(1);
        assertThat(acknowledgements(a2)).isZero();
    }

    @Test
    void tumbling_perShardOfAReceiver_emitsAnEndedShardsWindowAtOnce_andTheCheckpointFollows() {
        FakeDynamoDbStreams fake = FakeDynamoDbStreams.create();
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        fake.addShard("P");
        List<String> parent = fake.putRecords("P", 5);
        fake.closeShard("P");
        fake.addShard("C", "P");
        List<String> child = fake.putRecords("C", 3);
        List<WindowResult<Map<String, Long>>> results = new CopyOnWriteArrayList<>();
        List<ChangeRecord> received = new CopyOnWriteArrayList<>();
        Supplier<Map<String, Long>> newCounts = HashMap::new;

        StepVerifier.withVirtualTime(() -> {
            VirtualTimeScheduler scheduler = VirtualTimeScheduler.getOrSet();
            WindowOptions options = WindowOptions.builder().duration(Duration.ofMinutes(1)).scheduler(scheduler).build();
            return DynamoDbStreamsReceiver.create(ReceiverOptions.builder()
                            .streamsClient(fake).streamArn(fake.streamArn()).checkpointStore(store)
                            .commitInterval(Duration.ofSeconds(5)).scheduler(scheduler).build())
                    .receivePerShard()
                    .flatMap(shard -> shard.map(r -> {
                        ChangeRecord wrapped = counting(r);
                        received.add(wrapped);
                        return wrapped;
                    }).transform(Windows.tumbling(options, newCounts,
                            (counts, r) -> {
                                counts.merge(r.keys().get("pk").s(), 1L, Long::sum);
                                return counts;
                            })), Integer.MAX_VALUE)
                    .doOnNext(results::add);
        })
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(w -> {
                    // the parent ended: its window is emitted long before its end
                    assertThat(w.shardId()).isEqualTo("P");
                    assertThat(w.closedEarly()).isTrue();
                    assertThat(w.recordCount()).isEqualTo(5);
                    assertThat(w.state()).containsOnlyKeys("k0", "k1", "k2", "k3", "k4");
                })
                .expectNoEvent(Duration.ofSeconds(57))
                .thenAwait(Duration.ofSeconds(2))
                .assertNext(w -> {
                    assertThat(w.shardId()).isEqualTo("C");
                    assertThat(w.closedEarly()).isFalse();
                    assertThat(w.end()).isEqualTo(Instant.ofEpochSecond(60));
                    assertThat(w.recordCount()).isEqualTo(3);
                })
                .thenCancel()
                .verify();

        // the parent's window was acknowledged at its emission, and the periodic commits recorded its end
        assertThat(store.snapshot(fake.streamArn())).containsEntry("P", ShardCheckpoint.ended("P", parent.get(4)));
        assertThat(received).hasSize(8).allSatisfy(r -> assertThat(acknowledgements(r)).isEqualTo(1));
        assertThat(results).hasSize(2);
        assertThat(child).hasSize(3);
    }

    @Test
    void options_build_rejectsOutOfRangeValues_namingTheOption() {
        assertThatThrownBy(() -> WindowOptions.builder().duration(Duration.ZERO).build()).hasMessageContaining("duration");
        assertThatThrownBy(() -> WindowOptions.builder().duration(null).build()).hasMessageContaining("duration");
        assertThatThrownBy(() -> WindowOptions.builder().scheduler(null).build()).hasMessageContaining("scheduler");
        assertThat(WindowOptions.builder().duration(Duration.ofSeconds(3)).build().toBuilder().build().duration())
                .isEqualTo(Duration.ofSeconds(3));
    }
}
