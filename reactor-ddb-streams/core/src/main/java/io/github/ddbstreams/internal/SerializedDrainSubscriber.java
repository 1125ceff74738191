package io.github.ddbstreams.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * The demand and drain plumbing shared by this library's operators that hold elements between upstream and
 * downstream (batching and windows, per-key parallelism): downstream request
 * accounting, one serialized drain loop that does all signalling to downstream and all requests to
 * upstream, cancellation and the terminal signal. A subclass holds its own state under {@link #lock} and only
 * says, in {@link #pollLocked()}, what the loop should do next: emit an element, request more from
 * upstream, end, or nothing.
 *
 * <p>One step of the drain loop: {@link #pollLocked()} under {@link #lock}; then, outside the lock, the end
 * if {@link #finish(Throwable)} was called (nothing else happens), else {@link #afterPoll()}, else the
 * element returned is emitted followed by {@link #afterEmit(Object)} and another step runs at once, else the
 * amount passed to {@link #requestUpstream(long)} is requested and the loop waits for the next
 * {@link #drain()}.
 *
 * <p>Concurrency contract:
 * <ul>
 *   <li>{@link #drain()} may be called from any thread at any time (upstream signals, {@link #request},
 *       timers, inner subscribers). It runs its steps on at most one thread at a time (the
 *       work-in-progress / missed counter pattern): a call made while another thread drains returns at
 *       once and makes that thread run another round, so no signal is lost. Every signal to downstream
 *       ({@code onNext}, {@code onError}, {@code onComplete}) is made by the drain loop, so they are
 *       serialized (Reactive Streams §1.3), and never while holding {@link #lock}, as are its requests to
 *       upstream (a downstream or upstream callback can re-enter the operator on the same thread). A subclass
 *       calls {@code drain()} after every change of its state that may let the loop progress, never while
 *       holding {@link #lock}.</li>
 *   <li>Demand: {@link #request(long)} adds to a counter updated atomically (capped at
 *       {@code Long.MAX_VALUE}, which means unbounded and is never used up); only the drain loop takes from
 *       it, one unit per element, with {@link #claimDemand()}. So demand seen in the drain loop cannot
 *       shrink until the loop itself uses it.</li>
 *   <li>Termination: once the loop has signalled the end, or once it sees {@link #cancelled}, it exits
 *       without releasing its work-in-progress counter, so every later {@code drain()} returns at once and
 *       nothing more reaches downstream.</li>
 *   <li>Completion: {@link #onComplete()} sets {@link #done} under the lock (once; later calls are
 *       ignored), runs {@link #completedLocked()} and drains; {@code onNext} and {@code onError} are the
 *       subclass's.</li>
 *   <li>Cancellation: {@link #cancel()} is idempotent; it cancels upstream and calls {@link #discardAll()}.
 *       The drain loop calls {@code discardAll()} again when it sees the cancellation, so what a racing
 *       upstream signal added meanwhile is dropped too; {@code discardAll()} must therefore be thread-safe
 *       and idempotent.</li>
 *   <li>Discarding (Reactor's {@code Operators.onDiscard} convention): what a subclass drops without
 *       emitting it (on cancel, on an error) it hands, under {@link #lock}, to {@link #dropLocked(Collection)};
 *       the base passes it to the discard hook of the subscriber's context outside the lock: in
 *       {@link #cancel()} and in the drain loop (after each {@link #pollLocked()}, before the end, and when it
 *       sees the cancellation). The hook is user code, hence never called under the lock.</li>
 *   <li>{@link Scannable}: answers {@code PARENT}, {@code ACTUAL}, {@code REQUESTED_FROM_DOWNSTREAM},
 *       {@code CANCELLED}, {@code TERMINATED} (upstream ended or the operator failed), {@code ERROR},
 *       {@code RUN_STYLE} (asynchronous: signals may come from timers or inner works) and, from the subclass,
 *       {@code PREFETCH} and {@code BUFFERED}.</li>
 * </ul>
 *
 * @param <T> the type of upstream elements
 * @param <R> the type of elements emitted downstream
 */
public abstract class SerializedDrainSubscriber<T, R> implements CoreSubscriber<T>, Subscription, Scannable {

    protected final CoreSubscriber<? super R> actual;

    /** Guards the subclass's state, {@link #done} and {@link #error}. */
    protected final Object lock = new Object();
    /** Under the lock: upstream has ended, or the operator failed; nothing more is taken from upstream. */
    protected boolean done;
    /** Under the lock: the error to end downstream with, or {@code null}. */
    protected Throwable error;

    /** Set once by {@link #onSubscribe}. */
    protected volatile Subscription upstream;
    protected volatile boolean cancelled;

    /** Under the lock: what was dropped and waits to be handed to the discard hook, outside the lock. */
    private final List<Object> dropped = new ArrayList<>(0);

    // only touched by the drain loop (set by pollLocked through finish and requestUpstream)
    private boolean terminated;
    private Throwable terminalError;
    private long toRequest;

    private volatile long requested;
    @SuppressWarnings("rawtypes")
    private static final AtomicLongFieldUpdater<SerializedDrainSubscriber> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(SerializedDrainSubscriber.class, "requested");

    private volatile int wip;
    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<SerializedDrainSubscriber> WIP =
            AtomicIntegerFieldUpdater.newUpdater(SerializedDrainSubscriber.class, "wip");

    protected SerializedDrainSubscriber(CoreSubscriber<? super R> actual) {
        this.actual = actual;
    }

    /**
     * Decides the next step of the drain loop; called by the loop only, under {@link #lock}, never after the
     * end or a cancellation. It may change the subclass's state, and either returns the element to emit
     * (after {@link #claimDemand()} returned {@code true}), or calls {@link #finish(Throwable)}, or
     * {@link #requestUpstream(long)}, or none of them; it never signals downstream or upstream itself.
     *
     * @return the element to emit, or {@code null}
     */
    protected abstract R pollLocked();

    /** Runs under the lock when upstream completes, once, just after {@link #done} is set; nothing by default. */
    protected void completedLocked() {
    }

    /** Runs after each {@link #pollLocked()} that did not end the stream, outside the lock; nothing by default. */
    protected void afterPoll() {
    }

    /** Runs after each element is emitted, outside the lock; nothing by default. */
    protected void afterEmit(R emitted) {
    }

    /**
     * Drops everything held (handing it to {@link #dropLocked(Collection)}) and stops any work in flight, after
     * a cancel. Called by {@link #cancel()} and by the drain loop once it sees the cancellation, possibly
     * concurrently: it must be thread-safe (take {@link #lock}) and idempotent.
     */
    protected abstract void discardAll();

    /** How many elements the operator requests from upstream ahead of need ({@code Attr.PREFETCH}). */
    protected abstract int prefetch();

    /** Under the lock: how many upstream elements the operator holds ({@code Attr.BUFFERED}). */
    protected abstract int bufferedLocked();

    @Override
    public Object scanUnsafe(Attr key) {
        if (key == Attr.PARENT) {
            return upstream;
        }
        if (key == Attr.ACTUAL) {
            return actual;
        }
        if (key == Attr.PREFETCH) {
            return prefetch();
        }
        if (key == Attr.REQUESTED_FROM_DOWNSTREAM) {
            return requested;
        }
        if (key == Attr.CANCELLED) {
            return cancelled;
        }
        if (key == Attr.RUN_STYLE) {
            return Attr.RunStyle.ASYNC;
        }
        if (key == Attr.BUFFERED) {
            synchronized (lock) {
                return bufferedLocked();
            }
        }
        if (key == Attr.TERMINATED) {
            synchronized (lock) {
                return done;
            }
        }
        if (key == Attr.ERROR) {
            synchronized (lock) {
                return error;
            }
        }
        return null;
    }

    /**
     * Under the lock: {@code elements} are dropped without being emitted; they reach the discard hook outside
     * the lock, soon after (see the class javadoc).
     */
    protected final void dropLocked(Collection<?> elements) {
        dropped.addAll(elements);
    }

    /** Hands what was dropped to the discard hook, outside the lock. */
    protected final void discardDropped() {
        List<Object> discarding;
        synchronized (lock) {
            if (dropped.isEmpty()) {
                return;
            }
            discarding = new ArrayList<>(dropped);
            dropped.clear();
        }
        Operators.onDiscardMultiple(discarding, actual.currentContext());
    }

    /** Hands one element that was never held to the discard hook; never under the lock. */
    protected final void discard(Object element) {
        Operators.onDiscard(element, actual.currentContext());
    }

    @Override
    public final Context currentContext() {
        return actual.currentContext();
    }

    @Override
    public final void onSubscribe(Subscription s) {
        if (Operators.validate(upstream, s)) {
            upstream = s;
            actual.onSubscribe(this);
            drain();
        }
    }

    @Override
    public final void onComplete() {
        synchronized (lock) {
            if (done) {
                return;
            }
            done = true;
            completedLocked();
        }
        drain();
    }

    @Override
    public final void request(long n) {
        if (Operators.validate(n)) {
            Operators.addCap(REQUESTED, this, n);
            drain();
        }
    }

    @Override
    public final void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        Subscription s = upstream;
        if (s != null) {
            s.cancel();
        }
        discardAll();
        discardDropped();
    }

    /**
     * Takes one unit of downstream demand if there is any left (an unbounded demand is never used up). Only
     * {@link #pollLocked()} calls it, to return an element to emit.
     *
     * @return whether an element may be emitted
     */
    protected final boolean claimDemand() {
        if (requested == 0) {
            return false;
        }
        Operators.produced(REQUESTED, this, 1);
        return true;
    }

    /**
     * Makes the drain loop end downstream with {@code failure}, or complete it when {@code null}, right after
     * this {@link #pollLocked()}; nothing is signalled after. Only {@link #pollLocked()} calls it.
     */
    protected final void finish(Throwable failure) {
        terminated = true;
        terminalError = failure;
    }

    /**
     * Makes the drain loop request {@code n} more elements from upstream after this {@link #pollLocked()}
     * (when it neither ends nor emits). Only {@link #pollLocked()} calls it, after checking that
     * {@link #upstream} is set.
     */
    protected final void requestUpstream(long n) {
        toRequest = n;
    }

    /** Runs the drain loop on this thread unless another thread runs it; see the class javadoc. */
    protected final void drain() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        int missed = 1;
        for (;;) {
            for (;;) {
                if (terminated) {
                    return;
                }
                if (cancelled) {
                    discardAll();
                    discardDropped();
                    return;
                }
                toRequest = 0;
                R next;
                boolean dropping;
                synchronized (lock) {
                    next = pollLocked();
                    dropping = !dropped.isEmpty();
                }
                if (dropping) {
                    discardDropped();
                }
                if (terminated) {
                    if (terminalError != null) {
                        actual.onError(terminalError);
                    } else {
                        actual.onComplete();
                    }
                    return;
                }
                afterPoll();
                if (next != null) {
                    actual.onNext(next);
                    afterEmit(next);
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
}
