package io.github.ddbstreams.operators;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Function;

import io.github.ddbstreams.record.ChangeRecord;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The operator behind {@link KeyedParallelism}: a queue per busy item key, a FIFO of keys whose next record
 * may start, at most {@code concurrency} works running and at most {@code maxPending} records held.
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

    static final class KeyedSubscriber implements CoreSubscriber<ChangeRecord>, Subscription {

        private final CoreSubscriber<? super ChangeRecord> actual;
        private final int concurrency;
        private final int maxPending;
        private final int requestBatch;
        private final Function<? super ChangeRecord, ? extends Publisher<?>> work;

        private final Object lock = new Object();
        // guarded by lock
        /** Per busy key, its records in stream order; the head is running or runnable. */
        private final Map<Map<String, AttributeValue>, ArrayDeque<ChangeRecord>> byKey = new HashMap<>();
        /** Keys whose head record may start once a slot is free, in the order they became ready. */
        private final ArrayDeque<Map<String, AttributeValue>> runnable = new ArrayDeque<>();
        /** Records whose work completed, waiting for downstream demand. */
        private final ArrayDeque<ChangeRecord> completed = new ArrayDeque<>();
        private final Set<Inner> running = new HashSet<>();
        private int held;
        private int outstanding;
        private long requested;
        private boolean done;
        private Throwable error;
        private boolean failFast;

        private volatile Subscription upstream;
        private volatile boolean cancelled;
        private boolean terminated; // only touched by the drain loop

        private volatile int wip;
        private static final AtomicIntegerFieldUpdater<KeyedSubscriber> WIP =
                AtomicIntegerFieldUpdater.newUpdater(KeyedSubscriber.class, "wip");

        KeyedSubscriber(CoreSubscriber<? super ChangeRecord> actual, int concurrency, int maxPending,
                Function<? super ChangeRecord, ? extends Publisher<?>> work) {
            this.actual = actual;
            this.concurrency = concurrency;
            this.maxPending = maxPending;
            this.requestBatch = Math.max(1, maxPending / 4);
            this.work = work;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                actual.onSubscribe(this);
                drain();
            }
        }

        @Override
        public void onNext(ChangeRecord record) {
            synchronized (lock) {
                if (failFast || cancelled) {
                    return; // upstream was cancelled: a late record is read again after a restart
                }
                if (done) {
                    Operators.onNextDropped(record, actual.currentContext());
                    return;
                }
                outstanding--;
                held++;
                Map<String, AttributeValue> key = record.keys();
                ArrayDeque<ChangeRecord> queue = byKey.get(key);
                if (queue == null) {
                    queue = new ArrayDeque<>(2);
                    byKey.put(key, queue);
                    runnable.add(key);
                }
                queue.add(record);
            }
            drain();
        }

        @Override
        public void onError(Throwable t) {
            fail(t, false);
        }

        @Override
        public void onComplete() {
            synchronized (lock) {
                if (done) {
                    return;
                }
                done = true;
            }
            drain();
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
                Map<String, AttributeValue> key = record.keys();
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
        public void request(long n) {
            if (Operators.validate(n)) {
                synchronized (lock) {
                    requested = Operators.addCap(requested, n);
                }
                drain();
            }
        }

        @Override
        public void cancel() {
            if (cancelled) {
                return;
            }
            cancelled = true;
            Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
            cancelAll();
        }

        private void cancelAll() {
            List<Inner> toCancel;
            synchronized (lock) {
                toCancel = new ArrayList<>(running);
                running.clear();
                byKey.clear();
                runnable.clear();
                completed.clear();
            }
            for (Inner inner : toCancel) {
                inner.dispose();
            }
        }

        private void drain() {
            if (WIP.getAndIncrement(this) != 0) {
                return;
            }
            int missed = 1;
            List<Inner> toStart = new ArrayList<>();
            for (;;) {
                for (;;) {
                    if (terminated) {
                        return;
                    }
                    if (cancelled) {
                        cancelAll();
                        return;
                    }
                    ChangeRecord next = null;
                    boolean finish = false;
                    Throwable failure = null;
                    long toRequest = 0;
                    synchronized (lock) {
                        if (failFast) {
                            finish = true;
                            failure = error;
                        } else {
                            while (running.size() < concurrency && !runnable.isEmpty()) {
                                Inner inner = new Inner(this, byKey.get(runnable.poll()).peek());
                                running.add(inner);
                                toStart.add(inner);
                            }
                            if (!completed.isEmpty() && requested > 0) {
                                next = completed.poll();
                                held--;
                                if (requested != Long.MAX_VALUE) {
                                    requested--;
                                }
                            } else if (done && held == 0) {
                                finish = true;
                            } else if (!done && upstream != null) {
                                int free = maxPending - held - outstanding;
                                if (free >= requestBatch || (free > 0 && outstanding == 0)) {
                                    toRequest = free;
                                    outstanding += free;
                                }
                            }
                        }
                    }
                    if (finish) {
                        terminated = true;
                        if (failure != null) {
                            actual.onError(failure);
                        } else {
                            actual.onComplete();
                        }
                        return;
                    }
                    if (!toStart.isEmpty()) {
                        for (Inner inner : toStart) {
                            start(inner);
                        }
                        toStart.clear();
                    }
                    if (next != null) {
                        actual.onNext(next);
                        continue;
                    }
                    if (toRequest > 0) {
                        upstream.request(toRequest);
                    }
                    break;
                }
                missed = WIP.addAndGet(this, -missed);
                if (missed == 0) {
                    return;
                }
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
    static final class Inner extends BaseSubscriber<Object> {
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
        protected void hookOnComplete() {
            parent.innerDone(this);
        }

        @Override
        protected void hookOnError(Throwable throwable) {
            parent.innerFailed(this, throwable);
        }
    }
}
