package io.github.ddbstreams.operators.parallel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

import io.github.ddbstreams.internal.SerializedDrainSubscriber;
import io.github.ddbstreams.record.ChangeRecord;
import io.github.ddbstreams.record.ItemKey;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The operator behind {@link KeyedParallelism}: a queue per busy item ({@link ChangeRecord#itemKey()}), a FIFO of keys whose next record
 * may start, at most {@code concurrency} works running and at most {@code maxPending} records held.
 *
 * <p>Reactor's conventions: the publisher and its subscriber are {@link Scannable} ({@code PREFETCH} is
 * {@code maxPending}, {@code BUFFERED} the records held, {@code RUN_STYLE} asynchronous, {@code inners()} the
 * running works). Every record held is handed to the discard hook when the operator stops without emitting it,
 * on cancel and when it fails (a work's error, or upstream's), and so is a record arriving after that.
 */
final class KeyedParallelismOperator extends FluxOperator<ChangeRecord, ChangeRecord> {

    private final int concurrency;
    private final int maxPending;
    private final Function<? super ChangeRecord, ? extends Publisher<?>> work;

    KeyedParallelismOperator(Flux<? extends ChangeRecord> source, int concurrency, int maxPending,
            Function<? super ChangeRecord, ? extends Publisher<?>> work) {
        super(source);
        this.concurrency = concurrency;
        this.maxPending = maxPending;
        this.work = work;
    }

    @Override
    public void subscribe(CoreSubscriber<? super ChangeRecord> actual) {
        source.subscribe(new KeyedSubscriber(actual, concurrency, maxPending, work));
    }

    @Override
    public int getPrefetch() {
        return maxPending;
    }

    @Override
    public Object scanUnsafe(Attr key) {
        if (key == Attr.RUN_STYLE) {
            return Attr.RunStyle.ASYNC;
        }
        return super.scanUnsafe(key);
    }

    static final class KeyedSubscriber extends SerializedDrainSubscriber<ChangeRecord, ChangeRecord> {

        private final int concurrency;
        private final int maxPending;
        private final int requestBatch;
        private final Function<? super ChangeRecord, ? extends Publisher<?>> work;

        // guarded by lock
        /** Per busy item, its records in stream order; the head is running or runnable. */
        private final Map<ItemKey, ArrayDeque<ChangeRecord>> byKey = new HashMap<>();
        /** Items whose head record may start once a slot is free, in the order they became ready. */
        private final ArrayDeque<ItemKey> runnable = new ArrayDeque<>();
        /** Records whose work completed, waiting for downstream demand. */
        private final ArrayDeque<ChangeRecord> completed = new ArrayDeque<>();
        private final Set<Inner> running = new HashSet<>();
        private int held;
        private int outstanding;
        private boolean failFast;

        /** Works picked by {@link #pollLocked()} to start in {@link #afterPoll()}; only touched by the drain loop. */
        private final List<Inner> toStart = new ArrayList<>();

        KeyedSubscriber(CoreSubscriber<? super ChangeRecord> actual, int concurrency, int maxPending,
                Function<? super ChangeRecord, ? extends Publisher<?>> work) {
            super(actual);
            this.concurrency = concurrency;
            this.maxPending = maxPending;
            this.requestBatch = Math.max(1, maxPending / 4);
            this.work = work;
        }

        @Override
        public void onNext(ChangeRecord record) {
            ItemKey key;
            try {
                // the canonical identity: 1 and 1.0 are one item to DynamoDB, so they must be one here
                key = record.itemKey();
            } catch (RuntimeException e) {
                // keys no DynamoDB stream carries (a synthetic record): no safe order for it, so fail
                fail(Operators.onOperatorError(null, e, record, actual.currentContext()), true); // fail cancels upstream
                return;
            }
            boolean accepted;
            synchronized (lock) {
                accepted = !failFast && !cancelled;
                if (accepted) {
                    if (done) {
                        Operators.onNextDropped(record, actual.currentContext());
                        return;
                    }
                    outstanding--;
                    held++;
                    ArrayDeque<ChangeRecord> queue = byKey.get(key);
                    if (queue == null) {
                        queue = new ArrayDeque<>(2);
                        byKey.put(key, queue);
                        runnable.add(key);
                    }
                    queue.add(record);
                }
            }
            if (!accepted) {
                discard(record);    // upstream was cancelled: a late record is read again after a restart
                return;
            }
            drain();
        }

        @Override
        public void onError(Throwable t) {
            fail(t, false);
        }

        /** Fails the Flux at once, cancelling upstream (unless it failed itself) and every running work. */
        private void fail(Throwable t, boolean cancelUpstream) {
            List<Inner> toCancel;
            synchronized (lock) {
                if (failFast) {
                    Operators.onErrorDropped(t, actual.currentContext());
                    return;
                }
                done = true;
                failFast = true;
                error = t;
                toCancel = new ArrayList<>(running);
                running.clear();
                dropHeldLocked();
            }
            if (cancelUpstream) {
                upstream.cancel();
            }
            for (Inner inner : toCancel) {
                inner.dispose();
            }
            drain();
        }

        void innerDone(Inner inner) {
            ChangeRecord record = inner.record;
            synchronized (lock) {
                if (!running.remove(inner)) {
                    return; // cancelled or failed meanwhile
                }
                ItemKey key = record.itemKey(); // computed in onNext: cached by the record
                ArrayDeque<ChangeRecord> queue = byKey.get(key);
                queue.poll();
                if (queue.isEmpty()) {
                    byKey.remove(key);
                } else {
                    runnable.add(key);
                }
                completed.add(record);
            }
            record.checkpoint().acknowledge();
            drain();
        }

        void innerFailed(Inner inner, Throwable t) {
            synchronized (lock) {
                if (!running.contains(inner)) {
                    Operators.onErrorDropped(t, actual.currentContext());
                    return;
                }
            }
            fail(t, true);
        }

        @Override
        protected void discardAll() {
            List<Inner> toCancel;
            synchronized (lock) {
                toCancel = new ArrayList<>(running);
                running.clear();
                dropHeldLocked();
            }
            for (Inner inner : toCancel) {
                inner.dispose();
            }
        }

        /**
         * Under the lock: drops every record held, the done ones first (acknowledged, as their work completed),
         * then the others per key in stream order (not acknowledged: read again after a restart).
         */
        private void dropHeldLocked() {
            if (held > 0) {
                List<ChangeRecord> dropped = new ArrayList<>(held);
                dropped.addAll(completed);
                for (ArrayDeque<ChangeRecord> queue : byKey.values()) {
                    dropped.addAll(queue);
                }
                dropLocked(dropped);
            }
            byKey.clear();
            runnable.clear();
            completed.clear();
            held = 0;
        }

        @Override
        protected int prefetch() {
            return maxPending;
        }

        @Override
        protected int bufferedLocked() {
            return held;
        }

        @Override
        public Stream<? extends Scannable> inners() {
            synchronized (lock) {
                return new ArrayList<>(running).stream();
            }
        }

        @Override
        protected ChangeRecord pollLocked() {
            if (failFast) {
                finish(error);
                return null;
            }
            while (running.size() < concurrency && !runnable.isEmpty()) {
                Inner inner = new Inner(this, byKey.get(runnable.poll()).peek());
                running.add(inner);
                toStart.add(inner);
            }
            if (!completed.isEmpty() && claimDemand()) {
                held--;
                return completed.poll();
            }
            if (done && held == 0) {
                finish(null);
            } else if (!done && upstream != null) {
                int free = maxPending - held - outstanding;
                if (free >= requestBatch || (free > 0 && outstanding == 0)) {
                    requestUpstream(free);
                    outstanding += free;
                }
            }
            return null;
        }

        /** Starts the works picked by {@link #pollLocked()}, outside the lock. */
        @Override
        protected void afterPoll() {
            if (!toStart.isEmpty()) {
                for (Inner inner : toStart) {
                    start(inner);
                }
                toStart.clear();
            }
        }

        private void start(Inner inner) {
            Publisher<?> publisher;
            try {
                publisher = Objects.requireNonNull(work.apply(inner.record), "work returned a null Publisher");
            } catch (Throwable t) {
                innerFailed(inner, Operators.onOperatorError(t, actual.currentContext()));
                return;
            }
            publisher.subscribe(inner);
        }
    }

    /** Runs one record's work; its elements are ignored. */
    static final class Inner extends BaseSubscriber<Object> implements Scannable {
        final KeyedSubscriber parent;
        final ChangeRecord record;

        Inner(KeyedSubscriber parent, ChangeRecord record) {
            this.parent = parent;
            this.record = record;
        }

        @Override
        public Context currentContext() {
            return parent.currentContext();
        }

        @Override
        public Object scanUnsafe(Attr key) {
            if (key == Attr.PARENT) {
                return upstream();
            }
            if (key == Attr.ACTUAL) {
                return parent;
            }
            if (key == Attr.RUN_STYLE) {
                return Attr.RunStyle.SYNC;
            }
            return null;
        }

        @Override
        protected void hookOnComplete() {
            parent.innerDone(this);
        }

        @Override
        protected void hookOnError(Throwable throwable) {
            parent.innerFailed(this, throwable);
        }
    }
}
