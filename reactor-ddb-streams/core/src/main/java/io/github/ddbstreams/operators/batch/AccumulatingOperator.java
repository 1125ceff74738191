package io.github.ddbstreams.operators.batch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.github.ddbstreams.internal.SerializedDrainSubscriber;
import io.github.ddbstreams.record.ChangeRecord;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;

/**
 * Groups records by key into open accumulators (at most one per key) that close by count, size, time or at
 * the end of the source, and emits each closed accumulator's result in the order it closed. The engine of
 * {@link Batching} and {@link Windows}.
 *
 * <p>Demand: records are requested from upstream in chunks of {@code prefetch} (replenished after 75% were
 * received) only while no closed result waits for downstream demand. So at any time the operator holds at
 * most one open accumulator per key plus the results closed while downstream was slow; results close only
 * when an accumulator is full, on their deadline or when upstream ends, so that is at most
 * {@code keys × (records per accumulator) + prefetch} records.
 *
 * <p>Termination: on completion, and on error, every open accumulator is closed (in the order they were
 * opened) and emitted as demand allows; then the terminal signal follows. On cancel everything held is
 * dropped (its records are not acknowledged) and handed to the discard hook, closed results first, then the
 * open accumulators in the order they were opened, as {@link Accumulation#discardedResult} and
 * {@link Accumulation#discardedOpen} say; so is a record that arrives after the cancel, or whose
 * accumulation failed.
 *
 * <p>{@link reactor.core.Scannable}: the publisher and its subscriber answer {@code PREFETCH},
 * {@code RUN_STYLE} (asynchronous) and {@code RUN_ON} (the scheduler of the deadlines); the subscriber also
 * the attributes of {@link SerializedDrainSubscriber}, {@code BUFFERED} being the records held.
 */
final class AccumulatingOperator<A, R> extends FluxOperator<ChangeRecord, R> {

    private final Accumulation<A, R> accumulation;
    private final Scheduler scheduler;
    private final int prefetch;

    AccumulatingOperator(Flux<? extends ChangeRecord> source, Accumulation<A, R> accumulation, Scheduler scheduler,
            int prefetch) {
        super(source);
        this.accumulation = Objects.requireNonNull(accumulation, "accumulation");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        if (prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be >= 1, was " + prefetch);
        }
        this.prefetch = prefetch;
    }

    @Override
    public void subscribe(CoreSubscriber<? super R> actual) {
        source.subscribe(new AccumulatingSubscriber<>(actual, accumulation, scheduler, prefetch));
    }

    @Override
    public int getPrefetch() {
        return prefetch;
    }

    @Override
    public Object scanUnsafe(Attr key) {
        if (key == Attr.RUN_STYLE) {
            return Attr.RunStyle.ASYNC;
        }
        if (key == Attr.RUN_ON) {
            return scheduler;
        }
        return super.scanUnsafe(key);
    }

    static final class AccumulatingSubscriber<A, R> extends SerializedDrainSubscriber<ChangeRecord, R> {

        private final Accumulation<A, R> accumulation;
        private final Scheduler scheduler;
        private final int prefetch;
        private final int replenishAt;

        // guarded by lock
        private final Map<String, Open<A>> open = new LinkedHashMap<>();
        private final ArrayDeque<R> ready = new ArrayDeque<>();
        private int outstanding;
        /** Records in {@link #open} and {@link #ready}. */
        private int buffered;

        AccumulatingSubscriber(CoreSubscriber<? super R> actual, Accumulation<A, R> accumulation, Scheduler scheduler,
                int prefetch) {
            super(actual);
            this.accumulation = accumulation;
            this.scheduler = scheduler;
            this.prefetch = prefetch;
            this.replenishAt = prefetch - (prefetch >> 2);
        }

        @Override
        public void onNext(ChangeRecord record) {
            Throwable failure = null;
            boolean late;
            synchronized (lock) {
                if (done) {
                    Operators.onNextDropped(record, actual.currentContext());
                    return;
                }
                late = cancelled;
                if (!late) {
                    outstanding--;
                    try {
                        accumulate(record);
                    } catch (Throwable t) {
                        failure = Operators.onOperatorError(upstream, t, record, actual.currentContext());
                        dropLocked(List.of(record));
                    }
                }
            }
            if (late) {
                // a racing upstream signal: the record was not processed, so it is not acknowledged
                discard(record);
                return;
            }
            if (failure != null) {
                // upstream was cancelled by onOperatorError
                onError(failure);
                return;
            }
            drain();
        }

        /** Under the lock. */
        private void accumulate(ChangeRecord record) {
            long now = scheduler.now(TimeUnit.MILLISECONDS);
            String key = accumulation.key(record);
            Open<A> current = open.get(key);
            if (current != null && !accumulation.accepts(current.accumulator, record, now)) {
                close(current);
                current = null;
            }
            boolean opened = false;
            if (current == null) {
                current = new Open<>(key, accumulation.open(record, now));
                Open<A> timed = current;
                long delay = accumulation.closeAfterMillis(current.accumulator, now);
                current.timer = scheduler.schedule(() -> onDeadline(timed), Math.max(1, delay), TimeUnit.MILLISECONDS);
                open.put(key, current);
                opened = true;
            }
            try {
                accumulation.add(current.accumulator, record);
                buffered++;
            } catch (RuntimeException | Error e) {
                if (opened) {
                    // never emit an accumulator without records
                    open.remove(key);
                    current.disposeTimer();
                }
                throw e;
            }
            if (accumulation.isFull(current.accumulator)) {
                close(current);
            }
        }

        /** Under the lock. */
        private void close(Open<A> closing) {
            open.remove(closing.key);
            closing.disposeTimer();
            ready.add(accumulation.result(closing.accumulator));
        }

        /** Under the lock: closes every open accumulator, oldest first. */
        private void closeAll() {
            Iterator<Open<A>> it = open.values().iterator();
            while (it.hasNext()) {
                Open<A> closing = it.next();
                it.remove();
                closing.disposeTimer();
                ready.add(accumulation.result(closing.accumulator));
            }
        }

        private void onDeadline(Open<A> timed) {
            Throwable failure = null;
            synchronized (lock) {
                if (cancelled || done || open.get(timed.key) != timed) {
                    return;
                }
                try {
                    close(timed);
                } catch (Throwable t) {
                    failure = t;
                }
            }
            if (failure != null) {
                upstream.cancel();
                onError(failure);
                return;
            }
            drain();
        }

        @Override
        public void onError(Throwable t) {
            synchronized (lock) {
                if (done) {
                    Operators.onErrorDropped(t, actual.currentContext());
                    return;
                }
                done = true;
                error = t;
                closeQuietly();
            }
            drain();
        }

        @Override
        protected void completedLocked() {
            closeQuietly();
        }

        /** Under the lock. */
        private void closeQuietly() {
            try {
                closeAll();
            } catch (Throwable t) {
                if (error != null) {
                    error.addSuppressed(t);
                } else {
                    error = t;
                }
                disposeAll();
            }
        }

        @Override
        protected void discardAll() {
            synchronized (lock) {
                disposeAll();
            }
        }

        /** Under the lock: drops everything held, closed results first, then the open ones as they were opened. */
        private void disposeAll() {
            for (Open<A> o : open.values()) {
                o.disposeTimer();
            }
            if (buffered > 0) {
                List<Object> discarded = new ArrayList<>(buffered);
                try {
                    for (R result : ready) {
                        discarded.addAll(accumulation.discardedResult(result));
                    }
                    for (Open<A> o : open.values()) {
                        discarded.addAll(accumulation.discardedOpen(o.accumulator));
                    }
                } catch (RuntimeException e) {
                    // this runs on cancel or after a failure: what cannot be described is dropped all the same
                }
                dropLocked(discarded);
            }
            open.clear();
            ready.clear();
            buffered = 0;
        }

        @Override
        protected int prefetch() {
            return prefetch;
        }

        @Override
        protected int bufferedLocked() {
            return buffered;
        }

        @Override
        public Object scanUnsafe(Attr key) {
            if (key == Attr.RUN_ON) {
                return scheduler;
            }
            return super.scanUnsafe(key);
        }

        @Override
        protected R pollLocked() {
            if (!ready.isEmpty()) {
                if (!claimDemand()) {
                    return null;
                }
                R next = ready.poll();
                buffered -= accumulation.recordCount(next);
                return next;
            }
            if (done) {
                finish(error);
            } else if (upstream != null && outstanding <= prefetch - replenishAt) {
                requestUpstream(prefetch - outstanding);
                outstanding = prefetch;
            }
            return null;
        }

        @Override
        protected void afterEmit(R emitted) {
            accumulation.emitted(emitted);
        }
    }

    private static final class Open<A> {
        final String key;
        final A accumulator;
        Disposable timer;

        Open(String key, A accumulator) {
            this.key = key;
            this.accumulator = accumulator;
        }

        void disposeTimer() {
            if (timer != null) {
                timer.dispose();
            }
        }
    }
}
