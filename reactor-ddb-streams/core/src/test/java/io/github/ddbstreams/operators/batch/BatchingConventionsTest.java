package io.github.ddbstreams.operators.batch;

import static io.github.ddbstreams.operators.BatchingTestSupport.acknowledgements;
import static io.github.ddbstreams.operators.BatchingTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.ddbstreams.operators.BatchingTestSupport;
import io.github.ddbstreams.operators.ConventionsTestSupport;
import io.github.ddbstreams.operators.ConventionsTestSupport.Recorder;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.sink.RecordBatch;
import org.junit.jupiter.api.Test;
import reactor.core.Scannable;
import reactor.core.Scannable.Attr;
import reactor.core.publisher.Flux;
import reactor.test.publisher.TestPublisher;
import reactor.test.scheduler.VirtualTimeScheduler;

/** {@link Batching} keeps Reactor's conventions: {@link Scannable}, and the discard hook for what it drops. */
class BatchingConventionsTest {

    private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
    private final List<ChangeRecord> discarded = new CopyOnWriteArrayList<>();

    private final ChangeRecord s1r1 = record("s1", 1);
    private final ChangeRecord s2r1 = record("s2", 2);
    private final ChangeRecord s1r2 = record("s1", 3);
    private final ChangeRecord s1r3 = record("s1", 4);
    private final ChangeRecord s2r2 = record("s2", 5);
    private final ChangeRecord s1r4 = record("s1", 6);

    private Flux<RecordBatch> batches(Flux<ChangeRecord> source) {
        return source.transform(Batching.batches(BatchOptions.builder().maxRecords(3).maxWait(Duration.ofHours(1))
                .scheduler(scheduler).build()));
    }

    /**
     * Holds one closed batch that waits for demand (s1: 1..3) and two open ones (s2: 1..2, s1: 4): with
     * {@code maxRecords(3)} the operator requests 3 at a time and stops once a closed batch waits.
     */
    private void fillWithoutDemand(TestPublisher<ChangeRecord> source) {
        source.next(s1r1, s2r1, s1r2);
        source.next(s1r3, s2r2, s1r4);
    }

    @Test
    void batches_publisherIsScannable_withItsPrefetchAndRunStyle() {
        Flux<ChangeRecord> source = Flux.never();
        Scannable operator = Scannable.from(batches(source));

        assertThat(operator.scan(Attr.PARENT)).isSameAs(source);
        assertThat(operator.scan(Attr.PREFETCH)).isEqualTo(3);
        assertThat(operator.scan(Attr.RUN_STYLE)).isEqualTo(Attr.RunStyle.ASYNC);
        assertThat(operator.scanUnsafe(Attr.RUN_ON)).isSameAs(scheduler);
    }

    @Test
    void batches_subscriberIsScannable_andCountsWhatItHolds() {
        TestPublisher<ChangeRecord> source = TestPublisher.create();
        Recorder<RecordBatch> out = new Recorder<>();
        batches(source.flux()).subscribe(out);
        fillWithoutDemand(source);

        Scannable operator = out.operator();
        assertThat(operator.isScanAvailable()).isTrue();
        assertThat(operator.scan(Attr.PARENT)).isNotNull();
        assertThat(operator.scanUnsafe(Attr.ACTUAL)).isSameAs(out);
        assertThat(operator.scan(Attr.PREFETCH)).isEqualTo(3);
        assertThat(operator.scan(Attr.BUFFERED)).isEqualTo(6);
        assertThat(operator.scan(Attr.REQUESTED_FROM_DOWNSTREAM)).isEqualTo(0L);
        assertThat(operator.scan(Attr.RUN_STYLE)).isEqualTo(Attr.RunStyle.ASYNC);
        assertThat(operator.scanUnsafe(Attr.RUN_ON)).isSameAs(scheduler);
        assertThat(operator.scan(Attr.TERMINATED)).isFalse();
        assertThat(operator.scan(Attr.CANCELLED)).isFalse();

        out.request(2);
        assertThat(out.received).hasSize(1);
        assertThat(operator.scan(Attr.BUFFERED)).isEqualTo(3);
        assertThat(operator.scan(Attr.REQUESTED_FROM_DOWNSTREAM)).isEqualTo(1L);

        source.complete();
        assertThat(out.received).hasSize(2);
        assertThat(operator.scan(Attr.TERMINATED)).isTrue();
        assertThat(operator.scan(Attr.BUFFERED)).isEqualTo(1);
    }

    @Test
    void batches_whenCancelled_discardsTheRecordsOfOpenAndClosedBatches_unacknowledged() {
        TestPublisher<ChangeRecord> source = TestPublisher.create();
        Recorder<RecordBatch> out = new Recorder<>();
        batches(source.flux()).doOnDiscard(ChangeRecord.class, discarded::add).subscribe(out);
        fillWithoutDemand(source);

        out.cancel();

        source.assertCancelled();
        assertThat(out.received).isEmpty();
        assertThat(discarded).containsExactlyInAnyOrder(s1r1, s2r1, s1r2, s1r3, s2r2, s1r4);
        assertThat(discarded).allMatch(r -> acknowledgements(r) == 0);
    }

    @Test
    void batches_whenCancelledAfterUpstreamFailed_discardsTheBatchesNotYetEmitted() {
        TestPublisher<ChangeRecord> source = TestPublisher.create();
        Recorder<RecordBatch> out = new Recorder<>();
        batches(source.flux()).doOnDiscard(ChangeRecord.class, discarded::add).subscribe(out);
        fillWithoutDemand(source);
        IllegalStateException boom = new IllegalStateException("boom");

        source.error(boom);
        Scannable operator = Scannable.from(out.operator().scan(Attr.PARENT)); // below doOnDiscard
        assertThat(operator.scan(Attr.TERMINATED)).isTrue();
        assertThat(operator.scan(Attr.ERROR)).isSameAs(boom);
        out.request(1);
        out.cancel();

        assertThat(out.error).isNull();
        assertThat(out.received).hasSize(1);
        assertThat(discarded).containsExactlyInAnyOrder(s2r1, s2r2, s1r4);
        assertThat(operator.scan(Attr.CANCELLED)).isTrue();
        assertThat(operator.scan(Attr.BUFFERED)).isEqualTo(0);
    }

    @Test
    void batches_whenUpstreamFailsWithDemand_emitsEveryBatchThenTheError_andDiscardsNothing() {
        TestPublisher<ChangeRecord> source = TestPublisher.create();
        Recorder<RecordBatch> out = new Recorder<>();
        batches(source.flux()).doOnDiscard(ChangeRecord.class, discarded::add).subscribe(out);
        out.request(10);
        fillWithoutDemand(source);

        source.error(new IllegalStateException("boom"));

        assertThat(out.received).hasSize(3);
        assertThat(out.error).hasMessage("boom");
        assertThat(discarded).isEmpty();
    }

    @Test
    void batches_whenARecordArrivesAfterCancel_discardsIt() {
        TestPublisher<ChangeRecord> source = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION);
        Recorder<RecordBatch> out = new Recorder<>();
        batches(source.flux()).doOnDiscard(ChangeRecord.class, discarded::add).subscribe(out);
        source.next(s1r1);
        out.cancel();

        source.next(s2r1);

        assertThat(discarded).containsExactly(s1r1, s2r1);
    }
}
