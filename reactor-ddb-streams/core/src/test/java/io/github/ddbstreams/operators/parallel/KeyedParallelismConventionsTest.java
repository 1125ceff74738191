package io.github.ddbstreams.operators.parallel;

import static io.github.ddbstreams.operators.BatchingTestSupport.acknowledgements;
import static io.github.ddbstreams.operators.BatchingTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.ddbstreams.operators.BatchingTestSupport;
import io.github.ddbstreams.operators.ConventionsTestSupport;
import io.github.ddbstreams.operators.ConventionsTestSupport.Recorder;
import io.github.ddbstreams.record.ChangeRecord;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.Scannable;
import reactor.core.Scannable.Attr;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.publisher.TestPublisher;

/** {@link KeyedParallelism} keeps Reactor's conventions: {@link Scannable}, and the discard hook for what it drops. */
class KeyedParallelismConventionsTest {

    private final List<ChangeRecord> discarded = new CopyOnWriteArrayList<>();
    private final AtomicInteger cancelledWorks = new AtomicInteger();

    // "slow" never finishes, "fast" finishes at once, "bad" fails
    private final ChangeRecord slow1 = record("s1", 1, "slow", 100);
    private final ChangeRecord slow2 = record("s1", 2, "slow", 100);
    private final ChangeRecord fast3 = record("s1", 3, "fast", 100);
    private final ChangeRecord fast4 = record("s1", 4, "fast", 100);
    private final ChangeRecord bad5 = record("s1", 5, "bad", 100);

    private Publisher<?> work(ChangeRecord record) {
        switch (record.keys().get("pk").s()) {
            case "slow":
                return Mono.never().doOnCancel(cancelledWorks::incrementAndGet);
            case "bad":
                return Mono.error(new IllegalStateException("work failed"));
            default:
                return Mono.empty();
        }
    }

    private Flux<ChangeRecord> process(Flux<ChangeRecord> source) {
        return source.transform(KeyedParallelism.process(2, 8, this::work));
    }

    /** slow1 running, slow2 waiting behind it, fast3 and fast4 done (acknowledged) and waiting for demand. */
    private void fillWithoutDemand(TestPublisher<ChangeRecord> source) {
        source.next(slow1, slow2, fast3, fast4);
    }

    @Test
    void process_publisherIsScannable_withItsPrefetchAndRunStyle() {
        Flux<ChangeRecord> source = Flux.never();
        Scannable operator = Scannable.from(process(source));

        assertThat(operator.scan(Attr.PARENT)).isSameAs(source);
        assertThat(operator.scan(Attr.PREFETCH)).isEqualTo(8);
        assertThat(operator.scan(Attr.RUN_STYLE)).isEqualTo(Attr.RunStyle.ASYNC);
    }

    @Test
    void process_subscriberIsScannable_andCountsWhatItHolds() {
        TestPublisher<ChangeRecord> source = TestPublisher.create();
        Recorder<ChangeRecord> out = new Recorder<>();
        process(source.flux()).subscribe(out);
        fillWithoutDemand(source);

        Scannable operator = out.operator();
        assertThat(operator.isScanAvailable()).isTrue();
        assertThat(operator.scan(Attr.PARENT)).isNotNull();
        assertThat(operator.scanUnsafe(Attr.ACTUAL)).isSameAs(out);
        assertThat(operator.scan(Attr.PREFETCH)).isEqualTo(8);
        assertThat(operator.scan(Attr.BUFFERED)).isEqualTo(4);
        assertThat(operator.scan(Attr.REQUESTED_FROM_DOWNSTREAM)).isEqualTo(0L);
        assertThat(operator.scan(Attr.RUN_STYLE)).isEqualTo(Attr.RunStyle.ASYNC);
        assertThat(operator.scan(Attr.TERMINATED)).isFalse();
        assertThat(operator.scan(Attr.CANCELLED)).isFalse();
        assertThat(operator.inners()).hasSize(1);

        out.request(3);
        assertThat(out.received).containsExactly(fast3, fast4);
        assertThat(operator.scan(Attr.BUFFERED)).isEqualTo(2);
        assertThat(operator.scan(Attr.REQUESTED_FROM_DOWNSTREAM)).isEqualTo(1L);

        source.complete();
        assertThat(operator.scan(Attr.TERMINATED)).isTrue();
        out.cancel();
        assertThat(operator.scan(Attr.CANCELLED)).isTrue();
        assertThat(operator.scan(Attr.BUFFERED)).isEqualTo(0);
    }

    @Test
    void process_whenCancelled_discardsEveryRecordHeld_andCancelsTheRunningWork() {
        TestPublisher<ChangeRecord> source = TestPublisher.create();
        Recorder<ChangeRecord> out = new Recorder<>();
        process(source.flux()).doOnDiscard(ChangeRecord.class, discarded::add).subscribe(out);
        fillWithoutDemand(source);

        out.cancel();

        source.assertCancelled();
        assertThat(cancelledWorks).hasValue(1);
        assertThat(discarded).containsExactlyInAnyOrder(slow1, slow2, fast3, fast4);
        // the running and waiting records were not processed: not acknowledged, read again after a restart
        assertThat(acknowledgements(slow1)).isZero();
        assertThat(acknowledgements(slow2)).isZero();
        // the done ones were processed and acknowledged before they were dropped
        assertThat(acknowledgements(fast3)).isEqualTo(1);
        assertThat(acknowledgements(fast4)).isEqualTo(1);
    }

    @Test
    void process_whenWorkFails_failsAtOnce_andDiscardsEveryRecordHeld() {
        TestPublisher<ChangeRecord> source = TestPublisher.create();
        Recorder<ChangeRecord> out = new Recorder<>();
        process(source.flux()).doOnDiscard(ChangeRecord.class, discarded::add).subscribe(out);
        fillWithoutDemand(source);

        source.next(bad5);

        assertThat(out.error).hasMessage("work failed");
        source.assertCancelled();
        assertThat(cancelledWorks).hasValue(1);
        assertThat(discarded).containsExactlyInAnyOrder(slow1, slow2, fast3, fast4, bad5);
        assertThat(acknowledgements(bad5)).isZero();
    }

    @Test
    void process_whenUpstreamFails_failsAtOnce_andDiscardsEveryRecordHeld() {
        TestPublisher<ChangeRecord> source = TestPublisher.create();
        Recorder<ChangeRecord> out = new Recorder<>();
        process(source.flux()).doOnDiscard(ChangeRecord.class, discarded::add).subscribe(out);
        fillWithoutDemand(source);

        source.error(new IllegalStateException("upstream failed"));

        assertThat(out.error).hasMessage("upstream failed");
        assertThat(cancelledWorks).hasValue(1);
        assertThat(discarded).containsExactlyInAnyOrder(slow1, slow2, fast3, fast4);
    }

    @Test
    void process_whenARecordArrivesAfterCancel_discardsIt() {
        TestPublisher<ChangeRecord> source = TestPublisher.createNoncompliant(TestPublisher.Violation.DEFER_CANCELLATION);
        Recorder<ChangeRecord> out = new Recorder<>();
        process(source.flux()).doOnDiscard(ChangeRecord.class, discarded::add).subscribe(out);
        source.next(slow1);
        out.cancel();

        source.next(fast3);

        assertThat(discarded).containsExactly(slow1, fast3);
        assertThat(acknowledgements(fast3)).isZero();
    }
}
