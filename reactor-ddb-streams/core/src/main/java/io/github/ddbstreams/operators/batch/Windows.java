package io.github.ddbstreams.operators.batch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.RecordCheckpoint;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;

/**
 * Tumbling windows per shard: each shard's records are folded into a state per window of
 * {@link WindowOptions#duration()}, and one {@link WindowResult} is emitted per shard per window that had
 * records.
 *
 * <p><b>Time.</b> Windows are aligned to the epoch of the options' scheduler clock ({@code [k·d, (k+1)·d)}),
 * so every shard has the same window boundaries; a record belongs to the window that is current when it
 * arrives (processing time: {@link ChangeRecord#approximateCreationTime()} is too coarse to use). A window
 * closes at its end by that clock, even when no further record arrives.
 *
 * <p><b>Shard end.</b> A window also closes early when its Flux completes (or errors). Apply the operator to
 * each shard's Flux of {@code receivePerShard()}, which completes at the shard's end, and a shard's last
 * window is emitted as soon as the shard ended:
 * <pre>{@code
 * receiver.receivePerShard()
 *     .flatMap(shard -> shard.transform(Windows.tumbling(options, () -> 0L, (n, r) -> n + 1)), Integer.MAX_VALUE)
 *     .subscribe(w -> log.info("shard {}: {} changes in {}..{}", w.shardId(), w.state(), w.start(), w.end()));
 * }</pre>
 * On the merged {@code receive()}, which does not complete at a shard's end, the last window of an ended
 * shard closes at its time end like any other.
 *
 * <p><b>Acknowledgement.</b> A window's records are acknowledged when its result has been emitted (after
 * downstream's {@code onNext} returned), never before; with {@link WindowOptions#acknowledgeOnEmit()}
 * {@code false}, only by {@link WindowResult#acknowledge()}. On cancel, the windows not yet emitted, closed or
 * open, are dropped without acknowledgement (their records are read again after a restart) and handed to the
 * discard hook ({@link Flux#doOnDiscard}, placed after this operator) as {@link WindowResult}s, since a window
 * keeps no records: an open one with {@link WindowResult#closedEarly()} and the state it had. A record whose
 * {@code initial} or {@code add} failed is discarded as itself.
 *
 * <p>The operator is {@link reactor.core.Scannable} like Reactor's own: {@code BUFFERED} counts the records
 * folded into the windows held.
 *
 * <p><b>Memory and demand.</b> Per shard, one open window: its state and one checkpoint handle per record
 * (not the records). Records are requested from upstream (256 at a time) only while no closed result waits
 * for downstream demand.
 *
 * <p>{@code initial} and {@code add} run under the operator's lock, one call at a time: keep them fast and
 * non-blocking. An exception from them fails the Flux (its record is not acknowledged).
 */
public final class Windows {

    private static final int PREFETCH = 256;

    private Windows() {
    }

    /**
     * An operator folding each shard's records into tumbling windows.
     *
     * <pre>{@code
     * // sales per product per minute
     * flux.transform(Windows.tumbling(WindowOptions.builder().duration(Duration.ofMinutes(1)).build(),
     *         HashMap<String, BigDecimal>::new,
     *         (sales, r) -> { sales.merge(product(r), amount(r), BigDecimal::add); return sales; }))
     * }</pre>
     *
     * @param options the window length and scheduler
     * @param initial the state of a new window; must not return {@code null}
     * @param add folds one record into the state (may mutate and return it); must not return {@code null}
     * @param <S> the state type
     * @return a function for {@link Flux#transform}
     */
    public static <S> Function<Flux<ChangeRecord>, Flux<WindowResult<S>>> tumbling(WindowOptions options,
            Supplier<S> initial, BiFunction<S, ChangeRecord, S> add) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(add, "add");
        WindowAccumulation<S> accumulation = new WindowAccumulation<>(options, initial, add);
        return flux -> new AccumulatingOperator<>(flux, accumulation, options.scheduler(), PREFETCH);
    }

    /** Tumbling windows per shard. Stateless: one instance serves every subscription. */
    static final class WindowAccumulation<S> implements Accumulation<WindowAccumulation.OpenWindow<S>, WindowResult<S>> {

        private final long durationMillis;
        private final Scheduler scheduler;
        private final boolean acknowledgeOnEmit;
        private final Supplier<S> initial;
        private final BiFunction<S, ChangeRecord, S> add;

        WindowAccumulation(WindowOptions options, Supplier<S> initial, BiFunction<S, ChangeRecord, S> add) {
            this.durationMillis = options.duration().toMillis();
            this.scheduler = options.scheduler();
            this.acknowledgeOnEmit = options.acknowledgeOnEmit();
            this.initial = initial;
            this.add = add;
        }

        static final class OpenWindow<S> {
            final String shardId;
            final long start;
            final long end;
            final List<RecordCheckpoint> checkpoints = new ArrayList<>();
            S state;

            OpenWindow(String shardId, long start, long end, S state) {
                this.shardId = shardId;
                this.start = start;
                this.end = end;
                this.state = state;
            }
        }

        @Override
        public String key(ChangeRecord record) {
            return record.shardId();
        }

        @Override
        public OpenWindow<S> open(ChangeRecord first, long nowMillis) {
            long start = Math.floorDiv(nowMillis, durationMillis) * durationMillis;
            S state = Objects.requireNonNull(initial.get(), "the initial window state must not be null");
            return new OpenWindow<>(first.shardId(), start, start + durationMillis, state);
        }

        @Override
        public boolean accepts(OpenWindow<S> open, ChangeRecord record, long nowMillis) {
            return nowMillis < open.end;
        }

        @Override
        public void add(OpenWindow<S> open, ChangeRecord record) {
            open.state = Objects.requireNonNull(add.apply(open.state, record), "the window state must not be null");
            open.checkpoints.add(record.checkpoint());
        }

        @Override
        public boolean isFull(OpenWindow<S> open) {
            return false;
        }

        @Override
        public long closeAfterMillis(OpenWindow<S> open, long nowMillis) {
            return open.end - nowMillis;
        }

        @Override
        public WindowResult<S> result(OpenWindow<S> closed) {
            boolean early = scheduler.now(TimeUnit.MILLISECONDS) < closed.end;
            return WindowResult.of(closed.shardId, closed.start, closed.end, closed.checkpoints.size(), early,
                    closed.state, closed.checkpoints);
        }

        @Override
        public void emitted(WindowResult<S> result) {
            if (acknowledgeOnEmit) {
                result.acknowledge();
            }
        }

        @Override
        public int recordCount(WindowResult<S> result) {
            return (int) result.recordCount();
        }

        @Override
        public Collection<WindowResult<S>> discardedResult(WindowResult<S> result) {
            return List.of(result);
        }

        @Override
        public Collection<WindowResult<S>> discardedOpen(OpenWindow<S> open) {
            // a window keeps no records: what stands for them is the window as it was when dropped
            return List.of(result(open));
        }
    }
}
