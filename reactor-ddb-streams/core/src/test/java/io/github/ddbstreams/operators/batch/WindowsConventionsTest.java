package io.github.ddbstreams.operators.batch;

import static io.github.ddbstreams.operators.BatchingTestSupport.acknowledgements;
import static io.github.ddbstreams.operators.BatchingTestSupport.record;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;

import io.github.ddbstreams.operators.BatchingTestSupport;
import io.github.ddbstreams.operators.ConventionsTestSupport;
import io.github.ddbstreams.operators.ConventionsTestSupport.Recorder;
import io.github.ddbstreams.record.ChangeRecord;
import org.junit.jupiter.api.Test;
import reactor.core.Scannable;
import reactor.core.Scannable.Attr;
import reactor.core.publisher.Flux;
import reactor.test.publisher.TestPublisher;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * {@link Windows} keeps Reactor's conventions: {@link Scannable}, and the discard hook for what it drops. A window
 * holds no records (only its state and their checkpoints), so what it drops is discarded as a
 * {@link WindowResult}, unacknowledged.
 */
class WindowsConventionsTest {

    private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
    private final List<Object> discarded = new CopyOnWriteArrayList<>();

    private final ChangeRecord a1 = record("a", 1);
    private final ChangeRecord a2 = record("a", 2);
    private final ChangeRecord a3 = record("a", 3);
    private final ChangeRecord b1 = record("b", 4);

    private Flux<WindowResult<Long>> counting(Flux<ChangeRecord> source, BiFunction<Long, ChangeRecord, Long> add) {
        return source.transform(Windows.tumbling(WindowOptions.builder().duration(Duration.ofSeconds(10))
                .scheduler(scheduler).build(), () -> 0L, add));
    }

    private Flux<WindowResult<Long>> counting(Flux<ChangeRecord> source) {
        return counting(source, (n, r) -> n + 1);
    }

    /** One closed window of shard a ([0, 10s): 2 records) waiting for demand, open ones of a and b at 10s. */
    private void fillWithoutDemand(TestPublisher<ChangeRecord> source) {
        source.next(a1, a2);
        scheduler.advanceTimeBy(Duration.ofSeconds(10));
        source.next(a3, b1);
    }

    @Test
    void tumbling_publisherIsScannable_withItsPrefetchAndRunStyle() {
        Flux<ChangeRecord> source = Flux.never();
        Scannable operator = Scannable.from(counting(source));

        assertThat(operator.scan(Attr.PARENT)).isSameAs(source);
        assertThat(operator.scan(Attr.PREFETCH)).isEqualTo(256);
        assertThat(operator.scan(Attr.RUN_STYLE)).isEqualTo(Attr.RunStyle.ASYNC);
        assertThat(operator.scanUnsafe(Attr.RUN_ON)).isSameAs(scheduler);
    }

    @Test
    void tumbling_subscriberIsScannable_andCountsTheRecordsOfItsWindows() {
        TestPublisher<ChangeRecord> source = TestPublisher.create();
        Recorder<WindowResult<Long>> out = new Recorder<>();
        counting(source.flux()).subscribe(out);
        fillWithoutDemand(source);

        Scannable operator = out.operator();
        assertThat(operator.scan(Attr.PARENT)).isNotNull();
        assertThat(operator.scanUnsafe(Attr.ACTUAL)).isSameAs(out);
        assertThat(operator.scan(Attr.BUFFERED)).isEqualTo(4);
        assertThat(operator.scan(Attr.CANCELLED)).isFalse();

        out.request(1);
        assertThat(operator.scan(Attr.BUFFERED)).isEqualTo(2);

        out.cancel();
        assertThat(operator.scan(Attr.CANCELLED)).isTrue();
        assertThat(operator.scan(Attr.BUFFERED)).isEqualTo(0);
    }

    @Test
    void tumbling_whenCancelled_discardsClosedAndOpenWindows_unacknowledged() {
        TestPublisher<ChangeRecord> source = TestPublisher.create();
        Recorder<WindowResult<Long>> out = new Recorder<>();
        counting(source.flux()).doOnDiscard(Object.class, discarded::add).subscribe(out);
        fillWithoutDemand(source);

        out.cancel();

        source.assertCancelled();
        assertThat(discarded).hasSize(3).allMatch(WindowResult.class::isInstance);
        @SuppressWarnings("unchecked")
        List<WindowResult<Long>> windows = (List<WindowResult<Long>>) (List<?>) discarded;
        assertThat(windows).extracting(w -> w.shardId() + "@" + w.start().getEpochSecond() + ":" + w.state())
                .containsExactlyInAnyOrder("a@0:2", "a@10:1", "b@10:1");
        assertThat(windows).filteredOn(w -> w.start().equals(Instant.ofEpochSecond(10)))
                .allMatch(WindowResult::closedEarly);
        assertThat(List.of(a1, a2, a3, b1)).allMatch(r -> acknowledgements(r) == 0);
    }

    @Test
    void tumbling_whenAddFails_discardsItsRecord_andEmitsTheOpenWindowsBeforeTheError() {
        Recorder<WindowResult<Long>> out = new Recorder<>();
        counting(Flux.just(a1, b1, a2), (n, r) -> {
            if (r == b1) {
                throw new IllegalArgumentException("bad record");
            }
            return n + 1;
        }).doOnDiscard(Object.class, discarded::add).subscribe(out);

        out.request(10);

        assertThat(out.error).hasMessage("bad record");
        assertThat(out.received).extracting(WindowResult::state).containsExactly(1L);
        assertThat(discarded).containsExactly(b1);
        assertThat(acknowledgements(b1)).isZero();
    }
}
