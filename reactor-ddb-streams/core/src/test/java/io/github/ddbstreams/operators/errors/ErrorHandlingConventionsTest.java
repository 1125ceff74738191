package io.github.ddbstreams.operators.errors;

import static io.github.ddbstreams.operators.BatchingTestSupport.acknowledgements;
import static io.github.ddbstreams.operators.BatchingTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.github.ddbstreams.operators.BatchingTestSupport;
import io.github.ddbstreams.operators.ConventionsTestSupport;
import io.github.ddbstreams.operators.ConventionsTestSupport.Recorder;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.sink.BatchResult;
import io.github.ddbstreams.sink.RecordBatch;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * {@link ErrorHandling} hands the records of a batch it stops processing (on cancel, or when the Flux fails) to
 * the discard hook: exactly those not yet acknowledged.
 */
class ErrorHandlingConventionsTest {

    private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
    private final List<ChangeRecord> discarded = new CopyOnWriteArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();

    private static List<ChangeRecord> shard(String shard, int count, long firstSequence) {
        List<ChangeRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(record(shard, firstSequence + i));
        }
        return records;
    }

    private ErrorHandlingOptions.Builder options() {
        return ErrorHandlingOptions.builder().scheduler(scheduler).retryBackoff(Duration.ofSeconds(1))
                .maxRetryBackoff(Duration.ofSeconds(8)).retryJitter(0);
    }

    private Recorder<BatchResult> run(Flux<RecordBatch> batches, ErrorHandlingOptions options,
            Function<RecordBatch, Mono<BatchResult>> work) {
        Recorder<BatchResult> out = new Recorder<>();
        batches.transform(ErrorHandling.process(options, b -> {
            calls.incrementAndGet();
            return work.apply(b);
        })).doOnDiscard(ChangeRecord.class, discarded::add).subscribe(out);
        out.request(Long.MAX_VALUE);
        return out;
    }

    @Test
    void process_whenCancelledWhileABatchWaitsToRetry_discardsItsRecords_unacknowledged() {
        List<ChangeRecord> records = shard("s1", 5, 1);
        Recorder<BatchResult> out = run(Flux.just(RecordBatch.of(records)), options().build(),
                b -> Mono.error(new IllegalStateException("sink down")));
        assertThat(calls).hasValue(1);

        out.cancel();

        assertThat(discarded).containsExactlyElementsOf(records);
        assertThat(records).allMatch(r -> acknowledgements(r) == 0);
        scheduler.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(calls).hasValue(1);
    }

    @Test
    void process_whenCancelledWhileRetryingFromTheFirstFailedRecord_discardsOnlyTheRecordsNotAcknowledged() {
        List<ChangeRecord> records = shard("s1", 5, 1);
        Recorder<BatchResult> out = run(Flux.just(RecordBatch.of(records)), options().build(),
                // the first call fails at the batch's third record, the retry at its first record
                b -> Mono.just(BatchResult.of(b, List.of(new BatchResult.RecordFailure(
                        b.records().get(calls.get() == 1 ? 2 : 0), new IllegalStateException("item failed"))))));
        scheduler.advanceTimeBy(Duration.ofSeconds(1));

        out.cancel();

        assertThat(calls).hasValue(2);
        assertThat(discarded).containsExactlyElementsOf(records.subList(2, 5));
        assertThat(records.subList(0, 2)).allMatch(r -> acknowledgements(r) == 1);
        assertThat(records.subList(2, 5)).allMatch(r -> acknowledgements(r) == 0);
    }

    @Test
    void process_whenCancelled_discardsTheBatchesWaitingBehindAnotherOfTheirShard() {
        List<ChangeRecord> first = shard("s1", 3, 1);
        List<ChangeRecord> second = shard("s1", 2, 4);
        Recorder<BatchResult> out = run(Flux.just(RecordBatch.of(first), RecordBatch.of(second)), options().build(),
                b -> Mono.never());
        assertThat(calls).hasValue(1);

        out.cancel();

        assertThat(discarded).containsExactlyInAnyOrder(first.get(0), first.get(1), first.get(2), second.get(0),
                second.get(1));
    }

    @Test
    void process_whenARecordIsGivenUpWithoutDestination_failsAndDiscardsTheRecordsLeft_ofEveryBatchInFlight() {
        List<ChangeRecord> failing = shard("s1", 4, 1);
        List<ChangeRecord> slow = shard("s2", 2, 1);
        Recorder<BatchResult> out = run(Flux.just(RecordBatch.of(slow), RecordBatch.of(failing)),
                options().retryable(e -> false).build(),
                b -> b.shardId().equals("s2") ? Mono.never()
                        : Mono.just(BatchResult.of(b, List.of(new BatchResult.RecordFailure(b.records().get(1),
                                new IllegalArgumentException("invalid item"))))));

        assertThat(out.error).isInstanceOf(FailedRecordException.class);
        assertThat(discarded).containsExactlyInAnyOrder(failing.get(1), failing.get(2), failing.get(3), slow.get(0),
                slow.get(1));
        assertThat(acknowledgements(failing.get(0))).isEqualTo(1);
        assertThat(discarded).allMatch(r -> acknowledgements(r) == 0);
    }

    @Test
    void process_whenEveryBatchSucceeds_discardsNothing() {
        List<ChangeRecord> records = shard("s1", 3, 1);
        Recorder<BatchResult> out = run(Flux.just(RecordBatch.of(records)), options().build(),
                b -> Mono.just(BatchResult.success(b)));

        assertThat(out.completed).isTrue();
        assertThat(discarded).isEmpty();
    }
}
