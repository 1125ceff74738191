package io.github.ddbstreams.operators.batch;

import static io.github.ddbstreams.operators.BatchingTestSupport.ids;
import static io.github.ddbstreams.operators.BatchingTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import io.github.ddbstreams.operators.BatchingTestSupport;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.sink.RecordBatch;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class BatchingTest {

    private static Function<Flux<ChangeRecord>, Flux<RecordBatch>> batches(UnaryOperator<BatchOptions.Builder> customizer) {
        BatchOptions options = customizer.apply(BatchOptions.builder()
                .maxWait(Duration.ofHours(1))
                .scheduler(VirtualTimeScheduler.getOrSet())).build();
        return flux -> flux.transform(Batching.batches(options));
    }

    private static List<ChangeRecord> shard(String shard, int count) {
        List<ChangeRecord> records = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            records.add(record(shard, i));
        }
        return records;
    }

    @Test
    void batches_whenMaxRecordsReached_emitsAtOnce_andTheRestAfterMaxWait() {
        List<ChangeRecord> records = shard("s1", 10);

        StepVerifier.withVirtualTime(() -> Flux.fromIterable(records).concatWith(Flux.never())
                        .transform(batches(b -> b.maxRecords(4).maxWait(Duration.ofSeconds(30)))))
                .assertNext(b -> assertThat(b.records()).containsExactlyElementsOf(records.subList(0, 4)))
                .assertNext(b -> assertThat(b.records()).containsExactlyElementsOf(records.subList(4, 8)))
                .expectNoEvent(Duration.ofSeconds(29))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(b -> {
                    assertThat(b.records()).containsExactlyElementsOf(records.subList(8, 10));
                    assertThat(b.shardId()).isEqualTo("s1");
                })
                .thenCancel()
                .verify();
    }

    @Test
    void batches_whenMaxBytesWouldBeExceeded_closesBefore_andAnOversizedRecordIsABatchOfItsOwn() {
        long[] sizes = {40, 40, 40, 150, 30, 70, 10};
        List<ChangeRecord> records = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            records.add(record("s1", i + 1, "k", sizes[i]));
        }

        StepVerifier.withVirtualTime(() -> Flux.fromIterable(records)
                        .transform(batches(b -> b.maxRecords(100).maxBytes(100))))
                .assertNext(b -> assertThat(b.records()).containsExactly(records.get(0), records.get(1)))
                .assertNext(b -> assertThat(b.records()).containsExactly(records.get(2)))
                .assertNext(b -> assertThat(b.records()).containsExactly(records.get(3)))
                .assertNext(b -> {
                    assertThat(b.records()).containsExactly(records.get(4), records.get(5));
                    assertThat(b.sizeBytes()).isEqualTo(100);
                })
                .assertNext(b -> assertThat(b.records()).containsExactly(records.get(6)))
                .verifyComplete();
    }

    @Test
    void batches_whenMaxWaitElapsesFromTheFirstRecord_emitsThePartialBatch() {
        ChangeRecord r1 = record("s1", 1);
        ChangeRecord r2 = record("s1", 2);
        ChangeRecord r3 = record("s1", 3);

        StepVerifier.withVirtualTime(() -> Flux.concat(Mono.just(r1),
                                Mono.delay(Duration.ofSeconds(3)).thenReturn(r2),
                                Mono.delay(Duration.ofSeconds(3)).thenReturn(r3), Flux.never())
                        .transform(batches(b -> b.maxRecords(100).maxWait(Duration.ofSeconds(5)))))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(4999))
                .thenAwait(Duration.ofMillis(1))
                // at 5 s: the window opened by r1 (t=0) holds r1 and r2 (t=3 s)
                .assertNext(b -> assertThat(b.records()).containsExactly(r1, r2))
                // r3 arrived at 6 s: its batch closes at 11 s
                .expectNoEvent(Duration.ofMillis(5999))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(b -> assertThat(b.records()).containsExactly(r3))
                .thenCancel()
                .verify();
    }

    @Test
    void batches_whenShardsInterleave_neverMixesShards_andEachShardHasItsOwnBatch() {
        ChangeRecord a1 = record("a", 1);
        ChangeRecord b1 = record("b", 2);
        ChangeRecord a2 = record("a", 3);
        ChangeRecord b2 = record("b", 4);
        ChangeRecord a3 = record("a", 5);
        ChangeRecord c1 = record("c", 6);
        ChangeRecord b3 = record("b", 7);

        StepVerifier.withVirtualTime(() -> Flux.just(a1, b1, a2, b2, a3, c1, b3).concatWith(Flux.never())
                        .transform(batches(b -> b.maxRecords(3).maxWait(Duration.ofSeconds(10)))))
                .assertNext(b -> {
                    assertThat(b.records()).containsExactly(a1, a2, a3);
                    assertThat(b.shardId()).isEqualTo("a");
                })
                .assertNext(b -> assertThat(b.records()).containsExactly(b1, b2, b3))
                .expectNoEvent(Duration.ofSeconds(9))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(b -> assertThat(b.records()).containsExactly(c1))
                .thenCancel()
                .verify();
    }

    @Test
    void batches_whenMixShards_fillsOneBatchFromEveryShard() {
        ChangeRecord a1 = record("a", 1);
        ChangeRecord b1 = record("b", 2);
        ChangeRecord a2 = record("a", 3);
        ChangeRecord b2 = record("b", 4);

        StepVerifier.withVirtualTime(() -> Flux.just(a1, b1, a2, b2)
                        .transform(batches(b -> b.maxRecords(3).mixShards(true))))
                .assertNext(b -> {
                    assertThat(b.records()).containsExactly(a1, b1, a2);
                    assertThat(b.shardId()).isNull();
                })
                .assertNext(b -> assertThat(b.records()).containsExactly(b2))
                .verifyComplete();
    }

    @Test
    void batches_overRandomlyInterleavedShards_keepEachShardsOrderAndRespectEveryLimit() {
        Random random = new Random(42);
        Map<String, List<ChangeRecord>> byShard = new HashMap<>();
        List<ChangeRecord> input = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            String shard = "s" + random.nextInt(5);
            ChangeRecord r = record(shard, i + 1, "k", 1 + random.nextInt(300));
            input.add(r);
            byShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(r);
        }

        List<RecordBatch> batches = Flux.fromIterable(input)
                .transform(Batching.batches(BatchOptions.builder().maxRecords(7).maxBytes(1000).build()))
                .collectList()
                .block(Duration.ofSeconds(30));

        Map<String, List<ChangeRecord>> output = new HashMap<>();
        for (RecordBatch batch : batches) {
            assertThat(batch.shardId()).isNotNull();
            assertThat(batch.size()).isBetween(1, 7);
            assertThat(batch.size() == 1 || batch.sizeBytes() <= 1000).isTrue();
            output.computeIfAbsent(batch.shardId(), s -> new ArrayList<>()).addAll(batch.records());
        }
        assertThat(output).isEqualTo(byShard);
    }

    @Test
    void batches_whenUpstreamCompletes_flushesTheOpenBatchesInTheOrderTheyOpened() {
        ChangeRecord a1 = record("a", 1);
        ChangeRecord b1 = record("b", 2);
        ChangeRecord c1 = record("c", 3);
        ChangeRecord b2 = record("b", 4);

        StepVerifier.withVirtualTime(() -> Flux.just(a1, b1, c1, b2).transform(batches(b -> b.maxRecords(10))))
                .assertNext(b -> assertThat(b.records()).containsExactly(a1))
                .assertNext(b -> assertThat(b.records()).containsExactly(b1, b2))
                .assertNext(b -> assertThat(b.records()).containsExactly(c1))
                .verifyComplete();
    }

    @Test
    void batches_whenUpstreamFails_flushesTheOpenBatchesThenSignalsTheError() {
        ChangeRecord a1 = record("a", 1);
        ChangeRecord b1 = record("b", 2);

        StepVerifier.withVirtualTime(() -> Flux.just(a1, b1).concatWith(Mono.error(new IllegalStateException("boom")))
                        .transform(batches(b -> b.maxRecords(10))))
                .assertNext(b -> assertThat(b.records()).containsExactly(a1))
                .assertNext(b -> assertThat(b.records()).containsExactly(b1))
                .verifyErrorMessage("boom");
    }

    @Test
    void batches_neverAcknowledgeRecordsThemselves() {
        List<ChangeRecord> records = shard("s1", 5);

        StepVerifier.withVirtualTime(() -> Flux.fromIterable(records).transform(batches(b -> b.maxRecords(2))))
                .expectNextCount(3)
                .verifyComplete();

        assertThat(records).allSatisfy(r -> assertThat(r.checkpoint().isAcknowledged()).isFalse());
    }

    @Test
    void batches_whenDownstreamIsSlow_requestUpstreamOnlyBoundedAhead() {
        int maxRecords = 10;
        int shards = 4;
        AtomicLong requested = new AtomicLong();
        AtomicLong emitted = new AtomicLong();
        // an endless source of 4 interleaved shards
        Flux<ChangeRecord> source = Flux.range(0, Integer.MAX_VALUE)
                .map(i -> record("s" + (i % shards), i + 1))
                .doOnRequest(n -> requested.addAndGet(n));
        long bound = (long) shards * maxRecords + maxRecords;

        StepVerifier.withVirtualTime(() -> source
                                .transform(batches(b -> b.maxRecords(maxRecords).maxWait(Duration.ofSeconds(1))))
                                .doOnNext(b -> emitted.addAndGet(b.size())),
                        0)
                .expectSubscription()
                .then(() -> assertThat(requested.get()).isPositive().isLessThanOrEqualTo(bound))
                .thenRequest(1)
                .expectNextCount(1)
                .then(() -> assertThat(requested.get() - emitted.get()).isLessThanOrEqualTo(bound))
                // time passes without demand: open batches close by time, nothing more is read
                .thenAwait(Duration.ofMinutes(10))
                .then(() -> assertThat(requested.get() - emitted.get()).isLessThanOrEqualTo(bound))
                .thenRequest(100)
                .expectNextCount(100)
                .then(() -> assertThat(requested.get() - emitted.get()).isLessThanOrEqualTo(bound))
                .thenCancel()
                .verify();
    }

    @Test
    void options_build_rejectsOutOfRangeValues_namingTheOption() {
        assertThatThrownBy(() -> BatchOptions.builder().maxRecords(0).build()).hasMessageContaining("maxRecords");
        assertThatThrownBy(() -> BatchOptions.builder().maxBytes(0).build()).hasMessageContaining("maxBytes");
        assertThatThrownBy(() -> BatchOptions.builder().maxWait(Duration.ZERO).build()).hasMessageContaining("maxWait");
        assertThatThrownBy(() -> BatchOptions.builder().maxWait(null).build()).hasMessageContaining("maxWait");
        assertThatThrownBy(() -> BatchOptions.builder().scheduler(null).build()).hasMessageContaining("scheduler");
        BatchOptions options = BatchOptions.builder().maxRecords(7).mixShards(true).build();
        assertThat(options.toBuilder().build().maxRecords()).isEqualTo(7);
        assertThat(options.toBuilder().build().mixShards()).isTrue();
        assertThat(BatchOptions.defaults().maxRecords()).isEqualTo(BatchOptions.DEFAULT_MAX_RECORDS);
    }
}
